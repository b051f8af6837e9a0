/** IMAP sequence-set parsing (RFC 3501 sequence-set, incl. `*` and ranges in either order). */
import { bad } from '../errors.js';

export type SeqNumber = number | '*';
export type SequenceSet = Array<[SeqNumber, SeqNumber]>;

const MAX_RANGES = 10_000;

export function parseSequenceSet(text: string): SequenceSet {
  if (!text || !/^[0-9*:,]+$/.test(text)) throw bad('Invalid sequence set');
  const parts = text.split(',');
  if (parts.length > MAX_RANGES) throw bad('Sequence set too long');
  return parts.map((part) => {
    const m = /^(\d+|\*)(?::(\d+|\*))?$/.exec(part);
    if (!m) throw bad('Invalid sequence set');
    const conv = (v: string): SeqNumber => {
      if (v === '*') return '*';
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 1 || n > 0xffffffff) throw bad('Invalid number in sequence set');
      return n;
    };
    const a = conv(m[1]!);
    const b = m[2] !== undefined ? conv(m[2]) : a;
    return [a, b];
  });
}

export function isSequenceSet(text: string): boolean {
  return /^(\d+|\*)(:(\d+|\*))?(,(\d+|\*)(:(\d+|\*))?)*$/.test(text);
}

/** Resolves a set to numeric inclusive ranges with `*` = max (RFC 3501: "n:*" includes max even if n > max). */
export function toRanges(set: SequenceSet, max: number): Array<[number, number]> {
  return set.map(([a, b]) => {
    const x = a === '*' ? max : a;
    const y = b === '*' ? max : b;
    return [Math.min(x, y), Math.max(x, y)];
  });
}

/** Compresses sorted numbers into an IMAP sequence set string (1:3,5). */
export function compressSet(nums: number[]): string {
  if (!nums.length) return '';
  const sorted = [...nums];
  const out: string[] = [];
  let start = sorted[0]!;
  let prev = start;
  for (let i = 1; i <= sorted.length; i++) {
    const n = sorted[i];
    if (n !== undefined && n === prev + 1) { prev = n; continue; }
    out.push(start === prev ? String(start) : `${start}:${prev}`);
    if (n !== undefined) { start = n; prev = n; }
  }
  return out.join(',');
}
