/**
 * The session's view of its selected mailbox: the UID list in sequence-number order,
 * \Recent set, and changes made by others that are still waiting to be announced.
 */
import { compressSet } from './parser/sequence.js';
import type { MailboxEvent, MailboxInfo, MailStore } from '../store/index.js';

export class SelectedMailbox {
  uids: number[];
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
    this.uids = uids;
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

  get exists(): number {
    return this.uids.length;
  }

  /** 1-based sequence number of a UID, or 0. */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.uids[mid]!;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** Removes an expunged UID from the view; returns its former sequence number (0 if unknown). */
  removeUid(uid: number): number {
    const seq = this.seqOf(uid);
    if (seq) this.uids.splice(seq - 1, 1);
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
      const last = this.uids[this.uids.length - 1] ?? 0;
      const fresh = [...new Set(this.pendingExists)].filter((u) => u > last).sort((a, b) => a - b);
      this.pendingExists = [];
      if (fresh.length) {
        this.uids.push(...fresh);
        lines.push(`* ${this.uids.length} EXISTS`);
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
