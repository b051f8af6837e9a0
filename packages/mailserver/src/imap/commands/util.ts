import { bad, no } from '../errors.js';
import { parseSequenceSet, toRanges } from '../parser/sequence.js';
import type { Token } from '../parser/tokenizer.js';
import type { SelectedMailbox } from '../selected.js';
import type { Session } from './types.js';

export function requireSelected(session: Session): SelectedMailbox {
  const s = session.selected;
  if (!s) throw bad('No mailbox selected');
  return s;
}

export function requireUser(session: Session) {
  if (!session.user) throw bad('Not authenticated');
  return session.user;
}

/** Resolves a sequence set (by sequence number or UID) to existing UIDs in ascending order. */
export function resolveSet(view: SelectedMailbox, text: string, byUid: boolean): number[] {
  const set = parseSequenceSet(text);
  const uids = view.uids;
  if (!uids.length) {
    // "1:*" on an empty mailbox matches nothing; a concrete number does not exist
    if (!byUid && set.some(([a, b]) => a !== '*' && b !== '*')) throw bad('Invalid message sequence number');
    return [];
  }
  if (byUid) {
    const ranges = toRanges(set, uids[uids.length - 1]!);
    if (ranges.length === 1) {
      // one range (1:*, the newest page): a slice between two binary searches, no scan
      const [a, b] = ranges[0]!;
      return uids.slice(lowerBound(uids, a), lowerBound(uids, b + 1));
    }
    return uids.filter((u) => ranges.some(([a, b]) => u >= a && u <= b));
  }
  const ranges = toRanges(set, uids.length);
  if (ranges.length === 1) {
    const [a, b] = ranges[0]!;
    if (b > uids.length) throw bad('Invalid message sequence number');
    return uids.slice(a - 1, b);
  }
  const seen = new Set<number>();
  for (const [a, b] of ranges) {
    if (b > uids.length) throw bad('Invalid message sequence number');
    for (let i = a; i <= b; i++) seen.add(i);
  }
  return [...seen].sort((x, y) => x - y).map((i) => uids[i - 1]!);
}

/** Index of the first element >= x in an ascending list. */
export function lowerBound(list: readonly number[], x: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function parseFlagList(t: Token | Token[] | undefined): string[] {
  const items = Array.isArray(t) ? t : t?.type === 'list' ? t.items : t ? [t] : [];
  return items.map((x) => {
    if (x.type !== 'atom') throw bad('Invalid flag');
    const f = x.value;
    if (!/^\\?[^\s()"{}\]%*\\\x00-\x1f\x7f]+$/.test(f)) throw bad('Invalid flag');
    if (f.toLowerCase() === '\\recent') throw bad('\\Recent can not be set');
    if (f.startsWith('\\') && !['\\seen', '\\answered', '\\flagged', '\\deleted', '\\draft'].includes(f.toLowerCase())) throw bad('Invalid system flag');
    return f;
  });
}

export function flagsWithRecent(flags: string[], recent: boolean): string {
  return (recent ? [...flags, '\\Recent'] : flags).join(' ');
}

export async function mailboxOrFail(session: Session, name: string, tryCreate = false) {
  const user = requireUser(session);
  const box = await session.store.getMailbox(user.id, name);
  if (!box) throw no('Mailbox does not exist', tryCreate ? 'TRYCREATE' : 'NONEXISTENT');
  return box;
}
