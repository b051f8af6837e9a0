/** RFC 5256 subject and address keys used by SORT and THREAD. */
import { parseAddressList } from './address.js';

/** RFC 5256 2.1 base subject, case preserved. */
export function extractBaseSubject(subject: string): string {
  let s = subject.replace(/\s+/g, ' ').trim();
  for (;;) {
    const before = s;
    // (2) subj-trailer "(fwd)"
    while (/\s*\(fwd\)$/i.test(s)) s = s.replace(/\s*\(fwd\)$/i, '').trim();
    // (3) subj-leader: blobs followed by re/fw/fwd [blob] ":"
    s = s.replace(/^((\[[^[\]]*\]\s*)*(re|fwd?)\s*(\[[^[\]]*\])?\s*:\s*)+/i, '');
    // (4) a leading blob, when something remains after it
    const blob = /^\[[^[\]]*\]\s*(.+)$/.exec(s);
    if (blob) s = blob[1]!;
    // (6) [fwd: ... ] wrapper
    const fwd = /^\[fwd:\s*(.*)\]$/i.exec(s);
    if (fwd) s = fwd[1]!.trim();
    if (s === before) return s;
  }
}

/** Base subject for grouping (THREAD), case-insensitive. */
export function baseSubject(subject: string): string {
  return extractBaseSubject(subject).toLowerCase();
}

/** i;ascii-casemap key (RFC 4790): ASCII letters upper-cased; compared as UTF-8 octets. */
export function asciiCasemap(s: string): string {
  return s.replace(/[a-z]/g, (c) => c.toUpperCase());
}

/** SORT key for SUBJECT: the base subject, case-mapped. */
export function sortSubjectKey(subject: string): string {
  return asciiCasemap(extractBaseSubject(subject));
}

/** SORT key for FROM/TO/CC: the addr-mailbox (local part) of the first address (RFC 5256 3). */
export function sortAddressKey(value: string): string {
  const first = parseAddressList(value).find((a) => !a.group && a.mailbox);
  return asciiCasemap(first?.mailbox ?? '');
}
