/** Derives the cached columns (ENVELOPE, BODYSTRUCTURE, search fields, FTS text) of a raw message. */
import { bodyStructureOf, envelopeOf } from '../mime/structure.js';
import { decodeWords, extractText, headerValue, parseMime } from '../mime/parse.js';
import { sortAddressKey, sortSubjectKey } from '../mime/subject.js';

export interface IndexedMessage {
  row: {
    internaldate: number;
    size: number;
    sent_date: number;
    subject: string;
    from_text: string;
    to_text: string;
    cc_text: string;
    bcc_text: string;
    headers: string;
    sort_subject: string;
    sort_from: string;
    sort_to: string;
    sort_cc: string;
    envelope: string;
    bodystructure: string;
    body: string;
  };
  fts: { subject: string; sender: string; recipients: string; body: string };
}

/**
 * "Tue, 1 Jul 2003 10:52:37 +0200 (CEST)" → without the comment. Not a RegExp: /\s*\([^)]*\)\s*$/
 * is quadratic, and a Date header of a few hundred kB of "(" or spaces held up delivery for minutes.
 */
function stripTrailingComment(value: string): string {
  const v = value.trimEnd();
  if (!v.endsWith(')')) return value;
  const open = v.lastIndexOf('(');
  return open >= 0 && v.indexOf(')', open) === v.length - 1 ? v.slice(0, open).trimEnd() : value;
}

export function indexMessage(raw: Buffer, internaldate: number): IndexedMessage {
  const root = parseMime(raw);
  const h = (k: string) => decodeWords(headerValue(root.headers, k) ?? '');
  const dateHeader = headerValue(root.headers, 'date');
  const parsedDate = dateHeader ? Date.parse(stripTrailingComment(dateHeader)) : NaN;
  const headers = root.headers.map((x) => `${x.key}: ${decodeWords(x.value)}`).join('\n');
  const subject = h('subject');
  const from = h('from');
  const to = h('to');
  const cc = h('cc');
  const bcc = h('bcc');
  return {
    row: {
      internaldate,
      size: raw.length,
      sent_date: Number.isFinite(parsedDate) ? parsedDate : internaldate,
      subject,
      from_text: from,
      to_text: to,
      cc_text: cc,
      bcc_text: bcc,
      headers,
      sort_subject: sortSubjectKey(subject),
      sort_from: sortAddressKey(from),
      sort_to: sortAddressKey(to),
      sort_cc: sortAddressKey(cc),
      envelope: JSON.stringify(envelopeOf(root)),
      bodystructure: JSON.stringify(bodyStructureOf(root, true)),
      body: JSON.stringify(bodyStructureOf(root, false)),
    },
    fts: { subject, sender: from, recipients: [to, cc, bcc].filter(Boolean).join(', '), body: extractText(root) },
  };
}

/** The full-text fields of a raw message (for indexing a stored message again). */
export function ftsTextOf(raw: Buffer): IndexedMessage['fts'] {
  return indexMessage(raw, 0).fts;
}
