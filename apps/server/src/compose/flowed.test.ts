import { describe, expect, it } from 'vitest';
import { decodeFlowed, encodeFlowed } from './flowed.js';

describe('format=flowed (RFC 3676)', () => {
  it('wraps long lines with soft breaks (trailing space) at most 76 columns and decodes them back', () => {
    const text = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.';
    const encoded = encodeFlowed(text);
    const lines = encoded.split('\r\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines.slice(0, -1)) {
      expect(line.endsWith(' ')).toBe(true);
      expect(line.length).toBeLessThanOrEqual(76);
    }
    expect(lines.at(-1)?.endsWith(' ')).toBe(false);
    expect(decodeFlowed(encoded)).toBe(text);
  });

  it('space-stuffs lines starting with a space, ">" or "From ", and keeps the signature separator', () => {
    const text = ' indented\n>not quoted\nFrom here\n-- \nAlice';
    const encoded = encodeFlowed(text);
    expect(encoded.split('\r\n')).toEqual(['  indented', ' >not quoted', ' From here', '-- ', 'Alice']);
    expect(decodeFlowed(encoded)).toBe(text);
  });

  it('trims trailing spaces of hard breaks so they do not join lines, and keeps empty lines', () => {
    const encoded = encodeFlowed('one   \n\ntwo\r\nthree');
    expect(encoded).toBe('one\r\n\r\ntwo\r\nthree');
    expect(decodeFlowed(encoded)).toBe('one\n\ntwo\nthree');
  });

  it('keeps a word longer than the line whole and non-ASCII text intact', () => {
    const long = 'x'.repeat(120);
    const text = `Grüße ${long} 日本語のテキスト`;
    expect(decodeFlowed(encodeFlowed(text))).toBe(text);
  });
});
