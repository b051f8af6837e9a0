import { describe, expect, it } from 'vitest';
import { stuff, topOf, toWire, wireSize } from './maildrop.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const s = (buf: Buffer) => buf.toString('latin1');

describe('toWire', () => {
  it('leaves a clean CRLF message as it is (same buffer)', () => {
    const raw = b('Subject: x\r\n\r\nbody\r\n');
    expect(toWire(raw)).toBe(raw);
  });

  it('turns bare LF and bare CR into CRLF and adds a final CRLF', () => {
    expect(s(toWire(b('A: 1\nB: 2\r\rbody\rmore')))).toBe('A: 1\r\nB: 2\r\n\r\nbody\r\nmore\r\n');
    expect(wireSize(b('x'))).toBe(3);
  });

  it('keeps an empty message empty', () => {
    expect(toWire(b('')).length).toBe(0);
  });
});

describe('stuff', () => {
  it('doubles a leading dot on every line, the first one included', () => {
    expect(s(stuff(b('.a\r\nb.\r\n.\r\n..\r\n')))).toBe('..a\r\nb.\r\n..\r\n...\r\n');
  });

  it('returns the same buffer when there is nothing to stuff', () => {
    const wire = b('a\r\nb\r\n');
    expect(stuff(wire)).toBe(wire);
  });
});

describe('topOf', () => {
  const msg = b('A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n');

  it('returns the header and the blank line for 0 lines', () => {
    expect(s(topOf(msg, 0))).toBe('A: 1\r\nB: 2\r\n\r\n');
  });

  it('adds body lines up to the end of the message', () => {
    expect(s(topOf(msg, 2))).toBe('A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n');
    expect(s(topOf(msg, 99))).toBe(s(msg));
  });

  it('handles a message without a body and one without a header', () => {
    expect(s(topOf(b('A: 1\r\nB: 2\r\n'), 0))).toBe('A: 1\r\nB: 2\r\n');
    expect(s(topOf(b('\r\nonly body\r\nsecond\r\n'), 1))).toBe('\r\nonly body\r\n');
  });
});
