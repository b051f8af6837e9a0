/**
 * ENVELOPE, BODYSTRUCTURE and BODY in their wire form, formatted once per message and kept in a
 * bounded per-process cache. The data of a (mailbox, UIDVALIDITY, UID) never changes, so an entry
 * is never stale; the key carries all three. A message list page (FETCH of 50 envelopes) then
 * needs no JSON parsing and no serialisation once its messages were seen.
 */
import type { ImapData } from '../mime/structure.js';

export type StructureItem = 'ENVELOPE' | 'BODYSTRUCTURE' | 'BODY';

/** Entries kept (one per message; an entry holds the items fetched so far). */
const MAX_ENTRIES = 20_000;
const MAX_QUOTED = 1024;

export interface StructureEntry { ENVELOPE?: string; BODYSTRUCTURE?: string; BODY?: string }
const cache = new Map<string, StructureEntry>();

export function structureKey(mailboxId: number, uidvalidity: number, uid: number): string {
  return mailboxId + '/' + uidvalidity + '/' + uid;
}

export function cachedEntry(key: string): StructureEntry | undefined {
  return cache.get(key);
}

export function rememberStructure(key: string, item: StructureItem, wire: string): void {
  let e = cache.get(key);
  if (!e) {
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
    e = {};
    cache.set(key, e);
  }
  e[item] = wire;
}

function needsLiteral(s: string): boolean {
  if (s.length > MAX_QUOTED) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0 || c > 0x7e || c < 0x20) return true;
  }
  return false;
}

/**
 * The wire form of ImapData as a "binary" string (one char per byte, written with latin1): the same
 * bytes as serialize() in response.ts, literals' UTF-8 payload included.
 */
export function wireOf(v: ImapData): string {
  if (v === null) return 'NIL';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    if (needsLiteral(v)) {
      const b = Buffer.from(v, 'utf8');
      return '{' + b.length + '}\r\n' + b.toString('latin1');
    }
    let q = '"';
    let from = 0;
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c === 0x22 || c === 0x5c) {
        q += v.slice(from, i) + '\\';
        from = i;
      }
    }
    return q + v.slice(from) + '"';
  }
  let out = '(';
  for (let i = 0; i < v.length; i++) {
    if (i) out += ' ';
    out += wireOf(v[i]!);
  }
  return out + ')';
}
