/** Parses IMAP SEARCH criteria into the store's SearchKey tree. */
import type { SearchKey } from '../../store/index.js';
import { bad } from '../errors.js';
import { parseSearchDate } from '../response.js';
import type { SelectedMailbox } from '../selected.js';
import { isSequenceSet, parseSequenceSet, toRanges } from './sequence.js';
import { tokenText, type Token } from './tokenizer.js';

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true], UNANSWERED: ['\\Answered', false],
  DELETED: ['\\Deleted', true], UNDELETED: ['\\Deleted', false],
  DRAFT: ['\\Draft', true], UNDRAFT: ['\\Draft', false],
  FLAGGED: ['\\Flagged', true], UNFLAGGED: ['\\Flagged', false],
  SEEN: ['\\Seen', true], UNSEEN: ['\\Seen', false],
};
const DATE_KEYS: Record<string, ['internal' | 'sent', 'since' | 'before' | 'on']> = {
  SINCE: ['internal', 'since'], BEFORE: ['internal', 'before'], ON: ['internal', 'on'],
  SENTSINCE: ['sent', 'since'], SENTBEFORE: ['sent', 'before'], SENTON: ['sent', 'on'],
};
const HEADER_KEYS = new Set(['FROM', 'TO', 'CC', 'BCC', 'SUBJECT']);
const MAX_DEPTH = 32;
/** Each key is one term of a single SQL expression; SQLite refuses expression trees deeper than 1000. */
const MAX_KEYS = 500;

export interface ParsedSearch {
  key: SearchKey;
  usesModseq: boolean;
}

function seqSetToUids(view: SelectedMailbox, text: string, byUid: boolean): SearchKey {
  const set = parseSequenceSet(text);
  const uids = view.uids;
  if (byUid) {
    const max = uids[uids.length - 1] ?? 0;
    return { type: 'uids', ranges: toRanges(set, max) };
  }
  if (!uids.length) return { type: 'uids', ranges: [] };
  const ranges: Array<[number, number]> = [];
  for (const [a, b] of toRanges(set, uids.length)) {
    const lo = Math.min(a, uids.length);
    const hi = Math.min(b, uids.length);
    if (a > uids.length) continue;
    ranges.push([uids[lo - 1]!, uids[hi - 1]!]);
  }
  return { type: 'uids', ranges };
}

export function parseSearch(tokens: Token[], view: SelectedMailbox): ParsedSearch {
  let pos = 0;
  let usesModseq = false;
  const next = (what: string): Token => {
    const t = tokens[pos++];
    if (!t) throw bad(`Missing ${what} in SEARCH`);
    return t;
  };
  const str = (what: string): string => {
    const v = tokenText(next(what));
    if (v === null) throw bad(`Invalid ${what} in SEARCH`);
    return v;
  };
  const num = (what: string): number => {
    const v = str(what);
    if (!/^\d{1,15}$/.test(v)) throw bad(`Invalid ${what} in SEARCH`);
    return Number(v);
  };
  let keyCount = 0;
  const parseKey = (depth: number, list: Token[] | null): SearchKey => {
    if (depth > MAX_DEPTH) throw bad('SEARCH nested too deeply');
    if (++keyCount > MAX_KEYS) throw bad('SEARCH has too many criteria');
    const t = next('search key');
    if (t.type === 'list') return parseList(t.items, depth + 1);
    if (t.type !== 'atom') throw bad('Invalid search key');
    void list;
    const k = t.value.toUpperCase();
    if (k === 'ALL') return { type: 'all' };
    if (FLAG_KEYS[k]) return { type: 'flag', flag: FLAG_KEYS[k][0], has: FLAG_KEYS[k][1] };
    if (k === 'RECENT') return { type: 'recent', has: true };
    if (k === 'OLD') return { type: 'recent', has: false };
    if (k === 'NEW') return { type: 'and', keys: [{ type: 'recent', has: true }, { type: 'flag', flag: '\\Seen', has: false }] };
    if (k === 'KEYWORD' || k === 'UNKEYWORD') return { type: 'flag', flag: str('keyword'), has: k === 'KEYWORD' };
    if (DATE_KEYS[k]) {
      const day = parseSearchDate(str('date'));
      if (day === null) throw bad('Invalid date in SEARCH');
      return { type: 'date', field: DATE_KEYS[k][0], op: DATE_KEYS[k][1], day };
    }
    if (HEADER_KEYS.has(k)) return { type: 'header', field: k.toLowerCase(), value: str('string') };
    if (k === 'HEADER') {
      const field = str('header field');
      return { type: 'header', field, value: str('string') };
    }
    if (k === 'BODY') return { type: 'body', value: str('string') };
    if (k === 'TEXT') return { type: 'text', value: str('string') };
    if (k === 'LARGER') return { type: 'size', op: 'larger', n: num('size') };
    if (k === 'SMALLER') return { type: 'size', op: 'smaller', n: num('size') };
    if (k === 'UID') return seqSetToUids(view, str('UID set'), true);
    if (k === 'NOT') return { type: 'not', key: parseKey(depth + 1, null) };
    if (k === 'OR') {
      const a = parseKey(depth + 1, null);
      const b = parseKey(depth + 1, null);
      return { type: 'or', a, b };
    }
    if (k === 'MODSEQ') {
      usesModseq = true;
      // optional entry-name and entry-type-req
      const first = tokenText(tokens[pos]);
      if (first !== null && !/^\d+$/.test(first)) { pos += 2; }
      return { type: 'modseq', n: num('mod-sequence') };
    }
    if (isSequenceSet(t.value)) return seqSetToUids(view, t.value, false);
    throw bad(`Unknown search key ${t.value.slice(0, 30)}`);
  };
  const parseList = (items: Token[], depth: number): SearchKey => {
    const saved = { tokens, pos };
    tokens = items;
    pos = 0;
    const keys: SearchKey[] = [];
    while (pos < tokens.length) keys.push(parseKey(depth, items));
    if (!keys.length) throw bad('Empty search list');
    tokens = saved.tokens;
    pos = saved.pos;
    return keys.length === 1 ? keys[0]! : { type: 'and', keys };
  };
  const key = parseList(tokens, 0);
  return { key, usesModseq };
}
