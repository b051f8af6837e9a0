import { describe, expect, it } from 'vitest';
import { extractTag, parseCommand } from '../src/imap/parser/tokenizer.js';

const parse = (s: string | Buffer) => parseCommand(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);

describe('IMAP command tokenizer', () => {
  it('parses tag, command and arguments of a short command', () => {
    const c = parse('a1 STATUS INBOX (MESSAGES UNSEEN UIDNEXT)\r\n');
    expect(c).toMatchObject({ tag: 'a1', command: 'STATUS', uid: false });
    expect(c.args).toEqual([
      { type: 'atom', value: 'INBOX' },
      { type: 'list', items: ['MESSAGES', 'UNSEEN', 'UIDNEXT'].map((value) => ({ type: 'atom', value })) },
    ]);
    expect(parse('x.9 uid fetch 1:* (UID BODY.PEEK[HEADER.FIELDS (FROM TO)])\r\n')).toMatchObject({ tag: 'x.9', command: 'FETCH', uid: true });
  });

  it('rejects tags with characters RFC 3501 does not allow in a tag', () => {
    for (const tag of ['a+1', 'a{', 'a%', 'a*', 'a\\', 't\xe9']) {
      expect(() => parse(`${tag} NOOP\r\n`), tag).toThrow(/Invalid tag/);
      expect(extractTag(Buffer.from(`${tag} NOOP\r\n`, 'latin1')), tag).toBe('*');
    }
    // these end the atom: the tag is cut short there and what follows is not " command"
    for (const tag of ['a(', 'a)', 'a"', 't\x7f', 't\x01']) expect(() => parse(`${tag} NOOP\r\n`), tag).toThrow(/Missing command/);
    expect(() => parse(' NOOP\r\n')).toThrow(/Invalid tag/);
    for (const tag of ['A1', 'tag-with.punct!~#', 'z]']) expect(parse(`${tag} NOOP\r\n`).tag).toBe(tag);
    expect(extractTag(Buffer.from('t7 BOGUS (\r\n'))).toBe('t7');
  });

  it('reads the same atoms from a command too big to decode at once (a literal over 16 KB)', () => {
    const body = Buffer.alloc(20_000, 0x78);
    const small = parse(Buffer.concat([Buffer.from('A2 APPEND Drafts (\\Seen $Label) {3}\r\n'), Buffer.from('xyz'), Buffer.from(' trailing\r\n')]));
    const big = parse(Buffer.concat([Buffer.from('A2 APPEND Drafts (\\Seen $Label) {20000}\r\n'), body, Buffer.from(' trailing\r\n')]));
    for (const c of [small, big]) {
      expect(c.tag).toBe('A2');
      expect(c.command).toBe('APPEND');
      expect(c.args[0]).toEqual({ type: 'atom', value: 'Drafts' });
      expect(c.args[1]).toEqual({ type: 'list', items: [{ type: 'atom', value: '\\Seen' }, { type: 'atom', value: '$Label' }] });
      expect(c.args[3]).toEqual({ type: 'atom', value: 'trailing' });
    }
    expect((big.args[2] as { value: Buffer }).value.equals(body)).toBe(true);
  });

  it('keeps 8-bit bytes of atoms as latin1 characters, one per byte', () => {
    const c = parse(Buffer.from([...Buffer.from('t1 SELECT '), 0xc3, 0xa9, 0x0d, 0x0a]));
    expect(c.args[0]).toEqual({ type: 'atom', value: '\xc3\xa9' });
  });
});
