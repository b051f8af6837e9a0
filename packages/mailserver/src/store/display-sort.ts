/**
 * SORT=DISPLAY (RFC 5957): DISPLAYFROM / DISPLAYTO sort by the display name of the first From / To
 * address (RFC 2047-decoded), or its addr-spec when there is no display name, compared
 * case-insensitively (an approximation of i;unicode-casemap: NFKC, then lower case).
 */
import { decodeWords } from '../mime/parse.js';
import type { SortKey } from './types.js';

export interface SortRow {
  uid: number;
  internaldate: number;
  sent_date: number;
  sort_from: string;
  sort_to: string;
  sort_cc: string;
  sort_subject: string;
  size: number;
  envelope: string;
}

type EnvelopeAddress = [string | null, string | null, string | null, string | null];

/** Display key of the first mailbox (groups skipped) of an ENVELOPE address list. */
export function displayKey(list: unknown): string {
  if (!Array.isArray(list)) return '';
  for (const a of list as EnvelopeAddress[]) {
    if (!Array.isArray(a) || a[3] === null) continue; // group start/end markers
    const name = a[0] ? decodeWords(a[0]).trim() : '';
    const key = name || (a[2] ? `${a[2]}@${a[3] ?? ''}` : '');
    return key.normalize('NFKC').toLowerCase();
  }
  return '';
}

export function isDisplayKey(key: SortKey): boolean {
  return key === 'displayfrom' || key === 'displayto';
}

/** Sorts rows by the keys (stable: ties fall back to UID order), returns their UIDs. */
export function sortRows(rows: SortRow[], keys: Array<{ key: SortKey; reverse: boolean }>): number[] {
  const values = rows.map((r) => {
    let env: unknown[] = [];
    if (keys.some((k) => isDisplayKey(k.key))) {
      try { env = JSON.parse(r.envelope) as unknown[]; } catch { env = []; }
    }
    return keys.map(({ key }): string | number => {
      switch (key) {
        case 'arrival': return r.internaldate;
        case 'date': return r.sent_date;
        case 'from': return r.sort_from;
        case 'to': return r.sort_to;
        case 'cc': return r.sort_cc;
        case 'subject': return r.sort_subject;
        case 'size': return r.size;
        case 'displayfrom': return displayKey(env[2]);
        case 'displayto': return displayKey(env[5]);
      }
    });
  });
  const order = rows.map((_, i) => i);
  order.sort((a, b) => {
    for (let k = 0; k < keys.length; k++) {
      const x = values[a]![k]!;
      const y = values[b]![k]!;
      if (x !== y) return (x < y ? -1 : 1) * (keys[k]!.reverse ? -1 : 1);
    }
    return rows[a]!.uid - rows[b]!.uid;
  });
  return order.map((i) => rows[i]!.uid);
}
