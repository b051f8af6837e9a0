/** Compiles an IMAP SEARCH key tree into an SQL condition over the messages table. */
import type { SearchKey } from './types.js';

const DAY_MS = 86_400_000;
const COLUMN_FOR_HEADER: Record<string, string> = { subject: 'subject', from: 'from_text', to: 'to_text', cc: 'cc_text', bcc: 'bcc_text' };

function ftsPhrase(column: string | null, value: string): string {
  const phrase = '"' + value.replace(/"/g, '""') + '"';
  return column ? `{${column}} : ${phrase}` : phrase;
}

/**
 * "column contains needle, case-insensitively" with the needle already lower-cased (JavaScript
 * toLowerCase). For an ASCII needle this is done in SQLite, without handing every row's text to
 * JavaScript: lower() folds ASCII like toLowerCase, and the only characters toLowerCase turns
 * into ASCII, KELVIN SIGN (k) and LATIN CAPITAL I WITH DOT (i + U+0307), are mapped the same way,
 * so the result is the same as icontains(). Other needles use icontains().
 */
function containsSql(column: string, needle: string, params: unknown[]): string {
  params.push(needle);
  if (/^[\x00-\x7f]*$/.test(needle)) return `instr(replace(replace(lower(${column}), char(8490), 'k'), char(304), 'i' || char(775)), ?) > 0`;
  return `icontains(${column}, ?)`;
}

/**
 * `ftsIds(where, params)` runs a condition over the full-text table `messages_fts` (its own SQLite
 * file, see fts-index.ts) and returns the matching message ids; they enter the query as one JSON
 * parameter.
 */
export function compileSearch(key: SearchKey, recent: Set<number>, ftsIds: (where: string, params: unknown[]) => number[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const inFts = (where: string, args: unknown[]): string => {
    params.push(JSON.stringify(ftsIds(where, args)));
    return 'id IN (SELECT value FROM json_each(?))';
  };
  const walk = (k: SearchKey): string => {
    switch (k.type) {
      case 'all':
        return '1';
      case 'uids': {
        if (!k.ranges.length) return '0';
        if (k.ranges.length > 200) {
          // many ranges: one JSON parameter instead of thousands of bound variables
          params.push(JSON.stringify(k.ranges.map(([a, b]) => [Math.min(a, b), Math.max(a, b)])));
          return "EXISTS (SELECT 1 FROM json_each(?) j WHERE uid BETWEEN j.value ->> 0 AND j.value ->> 1)";
        }
        return '(' + k.ranges.map(([a, b]) => { params.push(Math.min(a, b), Math.max(a, b)); return 'uid BETWEEN ? AND ?'; }).join(' OR ') + ')';
      }
      case 'flag':
        params.push(' ' + k.flag.toLowerCase() + ' ');
        return `instr(' ' || lower(flags) || ' ', ?) ${k.has ? '> 0' : '= 0'}`;
      case 'recent': {
        const list = [...recent];
        if (!list.length) return k.has ? '0' : '1';
        if (list.length > 200) {
          params.push(JSON.stringify(list));
          return `uid ${k.has ? '' : 'NOT '}IN (SELECT value FROM json_each(?))`;
        }
        params.push(...list);
        return `uid ${k.has ? '' : 'NOT '}IN (${list.map(() => '?').join(',')})`;
      }
      case 'date': {
        const col = k.field === 'internal' ? 'internaldate' : 'sent_date';
        if (k.op === 'since') { params.push(k.day); return `${col} >= ?`; }
        if (k.op === 'before') { params.push(k.day); return `${col} < ?`; }
        params.push(k.day, k.day + DAY_MS);
        return `(${col} >= ? AND ${col} < ?)`;
      }
      case 'size':
        params.push(k.n);
        return k.op === 'larger' ? 'size > ?' : 'size < ?';
      case 'header': {
        const field = k.field.toLowerCase();
        const col = COLUMN_FOR_HEADER[field];
        if (col) return containsSql(col, k.value.toLowerCase(), params);
        params.push(field, k.value.toLowerCase());
        return 'header_contains(headers, ?, ?)';
      }
      case 'body':
      case 'text': {
        const value = k.value;
        if (!value) return '1';
        const column = k.type === 'body' ? 'body' : null;
        if ([...value].length >= 3) {
          const fts = inFts('messages_fts MATCH ?', [ftsPhrase(column, value)]);
          if (k.type === 'body') return fts;
          return `(${fts} OR ${containsSql('headers', value.toLowerCase(), params)})`;
        }
        const bodyArgs: unknown[] = [];
        const bodyWhere = containsSql('body', value.toLowerCase(), bodyArgs);
        const inBody = inFts(bodyWhere, bodyArgs);
        if (k.type === 'body') return inBody;
        return `(${inBody} OR ${containsSql('headers', value.toLowerCase(), params)})`;
      }
      case 'modseq':
        params.push(k.n);
        return 'modseq >= ?';
      case 'not':
        return `NOT (${walk(k.key)})`;
      case 'or':
        return `((${walk(k.a)}) OR (${walk(k.b)}))`;
      case 'and':
        return k.keys.length ? k.keys.map((x) => `(${walk(x)})`).join(' AND ') : '1';
    }
  };
  return { sql: walk(key), params };
}
