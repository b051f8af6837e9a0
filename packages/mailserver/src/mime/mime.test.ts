import { describe, expect, it } from 'vitest';
import { parseAddressList } from './address.js';
import { decodeWords, extractText, parseMime, parseStructuredHeader } from './parse.js';
import { resolveSection } from './section.js';
import { bodyStructureOf, envelopeOf } from './structure.js';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');

describe('address lists', () => {
  it('parses names, quoted locals, comments, groups and routes', () => {
    expect(parseAddressList('"Doe, John" <john@x.example>, jane@y.example (Jane), Team: a@t.example, b@t.example;, <@r1,@r2:route@z.example>')).toEqual([
      { name: 'Doe, John', mailbox: 'john', host: 'x.example' },
      { name: null, mailbox: 'jane', host: 'y.example' },
      { name: null, mailbox: null, host: null, group: { start: true, name: 'Team' } },
      { name: null, mailbox: 'a', host: 't.example' },
      { name: null, mailbox: 'b', host: 't.example' },
      { name: null, mailbox: null, host: null, group: { start: false, name: null } },
      { name: null, mailbox: 'route', host: 'z.example' },
    ]);
    expect(parseAddressList('')).toEqual([]);
    expect(parseAddressList('<>')).toEqual([]);
    expect(parseAddressList('=?utf-8?q?J=C3=BCrgen?= <j@x.example>')[0]!.name).toBe('=?utf-8?q?J=C3=BCrgen?=');
  });
});

describe('header decoding', () => {
  it('decodes RFC 2047 words, joining adjacent ones', () => {
    expect(decodeWords('=?utf-8?B?R3LDvMOfZQ==?= =?ISO-8859-1?Q?_aus_K=F6ln?=')).toBe('Grüße aus Köln');
    expect(decodeWords('plain text')).toBe('plain text');
    expect(decodeWords('=?bogus-charset?Q?abc?=')).toBe('abc');
  });
  it('reads RFC 2231 continuations and encoded parameters', () => {
    const p = parseStructuredHeader("attachment; filename*0*=utf-8''R%C3%A9sum; filename*1*=%C3%A9.pdf; size=12");
    expect(p.value).toBe('attachment');
    expect(p.params).toEqual([['size', '12'], ['filename', 'Résumé.pdf']]);
  });
});

describe('MIME structure', () => {
  it('describes a message without Content-Type as text/plain us-ascii', () => {
    const raw = crlf(['Subject: hi', '', 'one', 'two', '']);
    const root = parseMime(raw);
    expect(bodyStructureOf(root, true)).toEqual(['TEXT', 'PLAIN', ['CHARSET', 'us-ascii'], null, null, '7BIT', 10, 2, null, null, null, null]);
    expect(envelopeOf(root)).toEqual([null, 'hi', null, null, null, null, null, null, null, null]);
  });

  it('copes with a missing closing boundary, and a body without header separator', () => {
    const raw = crlf(['Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain', '', 'part one', '--b', '', 'part two (default type)', '']);
    const root = parseMime(raw);
    expect(root.children.length).toBe(2);
    expect(root.children[1]!.body.toString()).toBe('part two (default type)\r\n');
    expect(extractText(root)).toContain('part one');
    const headerOnly = parseMime(Buffer.from('Subject: x\r\n'));
    expect(headerOnly.body.length).toBe(0);
  });

  it('treats parts of multipart/digest as message/rfc822', () => {
    const raw = crlf(['Content-Type: multipart/digest; boundary=d', '', '--d', '', 'Subject: inner', '', 'text', '--d--', '']);
    const bs = bodyStructureOf(parseMime(raw), false);
    expect(bs[0]).toEqual(['MESSAGE', 'RFC822', null, null, null, '7BIT', 22, [null, 'inner', null, null, null, null, null, null, null, null], ['TEXT', 'PLAIN', ['CHARSET', 'us-ascii'], null, null, '7BIT', 4, 1], 3]);
  });

  it('resolves sections: numeric parts, HEADER, TEXT, MIME and field filters', () => {
    const raw = crlf(['From: a@x.example', 'Subject: s', '  folded', 'Content-Type: multipart/mixed; boundary=z', '', '--z', 'Content-Type: text/plain', 'X-Part: 1', '', 'hello', '--z--', '']);
    const root = parseMime(raw);
    const sec = (parts: number[], specifier: '' | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME', fields: string[] = []) =>
      resolveSection(root, raw, { parts, specifier, fields })?.toString() ?? null;
    expect(sec([1], '')).toBe('hello');
    expect(sec([1], 'MIME')).toBe('Content-Type: text/plain\r\nX-Part: 1\r\n\r\n');
    expect(sec([], 'HEADER.FIELDS', ['SUBJECT'])).toBe('Subject: s\r\n  folded\r\n\r\n');
    expect(sec([], 'HEADER.FIELDS.NOT', ['SUBJECT', 'CONTENT-TYPE'])).toBe('From: a@x.example\r\n\r\n');
    expect(sec([], 'TEXT')).toBe('--z\r\nContent-Type: text/plain\r\nX-Part: 1\r\n\r\nhello\r\n--z--\r\n');
    expect(sec([2], '')).toBeNull();
    expect(sec([], '')).toBe(raw.toString());
  });
});

describe('RFC 5256 subject keys', () => {
  it('extracts base subjects', async () => {
    const { extractBaseSubject } = await import('./subject.js');
    expect(extractBaseSubject('Re: [list] Re[2]: Fwd:  hello   world (fwd)')).toBe('hello world');
    expect(extractBaseSubject('[fwd: Re: topic]')).toBe('topic');
    expect(extractBaseSubject('[only blob]')).toBe('[only blob]');
    expect(extractBaseSubject('Regarding: this')).toBe('Regarding: this');
  });
});
