/**
 * The POP3 view of a user's INBOX: a snapshot taken at login (RFC 1939 message numbers stay
 * fixed for the session), the messages marked with DELE (kept in the session until QUIT, so a
 * dropped connection deletes nothing), and the wire form of a message (CRLF, byte-stuffing).
 */
import { toCrlf } from '../store/index.js';
import type { MailboxInfo, MailStore } from '../store/types.js';
import { err } from './errors.js';
import { SIZE_CACHE_ENTRIES } from './limits.js';

export interface DropEntry {
  /** 1-based message number. */
  n: number;
  uid: number;
  /** Octets of the message as RETR sends it, before byte-stuffing (what a client counts). */
  size: number;
  deleted: boolean;
}

/**
 * Per store: `${mailboxId}.${uidvalidity}.${uid}` → POP3 size. Messages are immutable, so an entry
 * never goes stale; it saves reading every message again at each login.
 */
const sizeCaches = new WeakMap<MailStore, Map<string, number>>();

function sizeCacheOf(store: MailStore): Map<string, number> {
  let cache = sizeCaches.get(store);
  if (!cache) {
    cache = new Map();
    sizeCaches.set(store, cache);
  }
  return cache;
}

function rememberSize(cache: Map<string, number>, key: string, size: number): void {
  if (cache.size >= SIZE_CACHE_ENTRIES) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(key, size);
}

export class Maildrop {
  private constructor(
    readonly mailbox: MailboxInfo,
    readonly entries: DropEntry[],
  ) {}

  /** Takes the snapshot of the user's INBOX. */
  static async open(store: MailStore, userId: number): Promise<Maildrop> {
    const mailbox = await store.getMailbox(userId, 'INBOX');
    if (!mailbox) throw err('Maildrop not available', 'SYS/PERM');
    const uids = await store.listUids(mailbox.id);
    const entries: DropEntry[] = [];
    const sizeCache = sizeCacheOf(store);
    for (const uid of uids) {
      const key = `${mailbox.id}.${mailbox.uidvalidity}.${uid}`;
      let size = sizeCache.get(key);
      if (size === undefined) {
        const raw = await store.getRaw(mailbox.id, uid);
        if (!raw) continue; // expunged meanwhile
        size = wireSize(raw);
        rememberSize(sizeCache, key, size);
      }
      entries.push({ n: entries.length + 1, uid, size, deleted: false });
    }
    return new Maildrop(mailbox, entries);
  }

  /** Resolves a message-number argument; rejects bad syntax, out of range and deleted messages. */
  get(arg: string | undefined): DropEntry {
    if (arg === undefined || arg === '') throw err('Message number required');
    if (!/^\d{1,10}$/.test(arg)) throw err('Invalid message number');
    const entry = this.entries[Number(arg) - 1];
    if (!entry) throw err('No such message');
    if (entry.deleted) throw err('Message already deleted');
    return entry;
  }

  live(): DropEntry[] {
    return this.entries.filter((e) => !e.deleted);
  }

  stat(): { count: number; size: number } {
    let count = 0;
    let size = 0;
    for (const e of this.entries) {
      if (e.deleted) continue;
      count++;
      size += e.size;
    }
    return { count, size };
  }

  /** Unique-id listing: stable across sessions while the mailbox keeps its UIDVALIDITY. */
  uidl(e: DropEntry): string {
    return `${this.mailbox.uidvalidity}.${e.uid}`;
  }

  /** RSET: unmarks every message marked with DELE. */
  reset(): number {
    let n = 0;
    for (const e of this.entries) {
      if (e.deleted) n++;
      e.deleted = false;
    }
    return n;
  }

  deletedUids(): number[] {
    return this.entries.filter((e) => e.deleted).map((e) => e.uid);
  }
}

/**
 * A message as POP3 delivers it: every line ending CRLF (bare LF/CR turned into CRLF) and a
 * final CRLF. This is what a client has after undoing the byte-stuffing.
 */
export function toWire(raw: Buffer): Buffer {
  const crlf = toCrlf(raw);
  const endsWithCrlf = crlf.length >= 2 && crlf[crlf.length - 2] === 0x0d && crlf[crlf.length - 1] === 0x0a;
  return crlf.length === 0 || endsWithCrlf ? crlf : Buffer.concat([crlf, Buffer.from('\r\n')]);
}

export function wireSize(raw: Buffer): number {
  return toWire(raw).length;
}

/**
 * The header and the first `lines` lines of the body (TOP). `wire` comes from toWire.
 * A message without a blank line is all header and is returned whole.
 */
export function topOf(wire: Buffer, lines: number): Buffer {
  let end: number;
  if (wire.length >= 2 && wire[0] === 0x0d && wire[1] === 0x0a) end = 2; // empty header
  else {
    const sep = wire.indexOf('\r\n\r\n');
    if (sep < 0) return wire;
    end = sep + 4;
  }
  for (let i = 0; i < lines && end < wire.length; i++) {
    const nl = wire.indexOf(0x0a, end);
    end = nl < 0 ? wire.length : nl + 1;
  }
  return wire.subarray(0, end);
}

/** Byte-stuffing (RFC 1939 §3): a line starting with "." gets another "." in front. */
export function stuff(wire: Buffer): Buffer {
  let dots = 0;
  for (let i = 0; i < wire.length; i++) {
    if (wire[i] === 0x2e && (i === 0 || wire[i - 1] === 0x0a)) dots++;
  }
  if (!dots) return wire;
  const out = Buffer.allocUnsafe(wire.length + dots);
  let n = 0;
  for (let i = 0; i < wire.length; i++) {
    const c = wire[i]!;
    if (c === 0x2e && (i === 0 || wire[i - 1] === 0x0a)) out[n++] = 0x2e;
    out[n++] = c;
  }
  return out;
}
