/**
 * The session's view of its selected mailbox: the UID list in sequence-number order,
 * \Recent set, and changes made by others that are still waiting to be announced.
 */
import { compressSet } from './parser/sequence.js';
import type { MailboxEvent, MailboxInfo, MailStore } from '../store/index.js';

export class SelectedMailbox {
  /**
   * The UID list. It may be shared with the store's metadata table (SELECT of 100,000 messages
   * copies nothing): the table only ever appends to that array or replaces it, so its first
   * `uidCount` elements stay this session's list; the session copies them before it changes the
   * list, or when the table has appended meanwhile.
   */
  private list: number[];
  private uidCount: number;
  private shared = false;
  recent: Set<number>;
  private pendingExists: number[] = [];
  private pendingExpunge = new Set<number>();
  private pendingFlags = new Map<number, { flags: string[]; modseq: number }>();
  private unsubscribe: () => void;
  deleted = false;
  /** called when a change arrives, so that an idling session can flush at once */
  onChange: (() => void) | null = null;

  constructor(
    public mailbox: MailboxInfo,
    public readOnly: boolean,
    uids: number[],
    recent: number[],
    store: MailStore,
    private sessionId: string,
  ) {
    this.list = uids;
    this.uidCount = uids.length;
    this.recent = new Set(recent);
    this.unsubscribe = store.subscribe(mailbox.id, (ev) => this.onEvent(ev));
  }

  private onEvent(ev: MailboxEvent): void {
    if (ev.type === 'exists') this.pendingExists.push(ev.uid);
    else if (ev.type === 'expunge') {
      if (ev.origin === this.sessionId) return; // the command itself reported it
      this.pendingExpunge.add(ev.uid);
      this.pendingFlags.delete(ev.uid);
    } else if (ev.type === 'flags') {
      if (ev.origin === this.sessionId) return;
      this.pendingFlags.set(ev.uid, { flags: ev.flags, modseq: ev.modseq });
    } else if (ev.type === 'deleted') this.deleted = true;
    this.onChange?.();
  }

  close(): void {
    this.unsubscribe();
    this.onChange = null;
  }

  /** The UIDs in sequence-number order. Read it; change it only through the methods here. */
  get uids(): number[] {
    if (this.shared && this.list.length !== this.uidCount) this.own();
    return this.list;
  }
  set uids(list: number[]) {
    this.list = list;
    this.uidCount = list.length;
    this.shared = false;
  }
  /** Uses a list owned by someone else that only ever grows at its end (the store's metadata table). */
  shareUids(list: readonly number[]): void {
    this.list = list as number[];
    this.uidCount = list.length;
    this.shared = true;
  }
  private own(): number[] {
    if (this.shared) {
      this.list = this.list.slice(0, this.uidCount);
      this.shared = false;
    }
    return this.list;
  }

  get exists(): number {
    return this.uidCount;
  }

  /** 1-based sequence number of a UID, or 0. */
  seqOf(uid: number): number {
    const list = this.list;
    let lo = 0;
    let hi = this.uidCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = list[mid]!;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** Removes an expunged UID from the view; returns its former sequence number (0 if unknown). */
  removeUid(uid: number): number {
    const seq = this.seqOf(uid);
    if (seq) {
      this.own().splice(seq - 1, 1);
      this.uidCount--;
    }
    this.recent.delete(uid);
    this.pendingExpunge.delete(uid);
    this.pendingFlags.delete(uid);
    return seq;
  }

  /** Removes expunged UIDs from the view and returns the untagged responses (EXPUNGE or QRESYNC VANISHED). */
  expungeLines(uids: number[], vanished: boolean): string[] {
    const present = uids.filter((u) => this.seqOf(u) > 0).sort((a, b) => a - b);
    if (present.length < uids.length && this.pendingExists.length) {
      // appended and expunged before this session was told about it: never announce it (no ghost EXISTS)
      const gone = new Set(uids);
      this.pendingExists = this.pendingExists.filter((u) => !gone.has(u));
    }
    if (vanished) {
      for (const u of present) this.removeUid(u);
      for (const u of uids) this.pendingExpunge.delete(u);
      return present.length ? [`* VANISHED ${compressSet(present)}`] : [];
    }
    const lines: string[] = [];
    // highest first, so that each sequence number is still valid when it is sent
    for (const u of present.reverse()) lines.push(`* ${this.removeUid(u)} EXPUNGE`);
    for (const u of uids) this.pendingExpunge.delete(u);
    return lines;
  }

  hasPendingExpunge(uid: number): boolean {
    return this.pendingExpunge.has(uid);
  }

  /**
   * Produces the untagged responses for pending changes. EXPUNGE only when allowed
   * (RFC 3501 7.4.1: not during FETCH/STORE/SEARCH, when sequence numbers must stay stable).
   */
  drain(allowExpunge: boolean, withModseq: boolean, vanished = false): string[] {
    const lines: string[] = [];
    if (allowExpunge && this.pendingExpunge.size) {
      lines.push(...this.expungeLines([...this.pendingExpunge], vanished));
    }
    if (this.pendingExists.length) {
      const last = this.uidCount ? this.list[this.uidCount - 1]! : 0;
      const fresh = [...new Set(this.pendingExists)].filter((u) => u > last).sort((a, b) => a - b);
      this.pendingExists = [];
      if (fresh.length) {
        const list = this.own();
        for (const u of fresh) list.push(u);
        this.uidCount = list.length;
        lines.push(`* ${this.uidCount} EXISTS`);
      }
    }
    if (this.pendingFlags.size) {
      for (const [uid, f] of [...this.pendingFlags].sort((a, b) => a[0] - b[0])) {
        const seq = this.seqOf(uid);
        if (!seq) continue;
        const flags = [...f.flags];
        if (this.recent.has(uid)) flags.push('\\Recent');
        lines.push(`* ${seq} FETCH (UID ${uid} FLAGS (${flags.join(' ')})${withModseq ? ` MODSEQ (${f.modseq})` : ''})`);
      }
      this.pendingFlags.clear();
    }
    return lines;
  }
}
