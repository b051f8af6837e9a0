import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { composeState, type ComposeState, type ComposeStateInput, type Identity } from '@mailroom/shared';
import { UploadStore } from '../data/uploads.js';
import { HttpError } from '../errors.js';
import { composeMime, draftMime, stateFromMime, type ComposeOptions } from './mime.js';

const owner = 'alice@demo.test';
const identity: Identity = { id: 'id-1', name: 'Alice Müller', email: 'alice@demo.test', replyTo: 'antwort@demo.test', signatureHtml: '', isDefault: true };
let dir: string;
let uploads: UploadStore;
let opts: ComposeOptions;
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

const state = (input: ComposeStateInput): ComposeState => composeState.parse(input);

/** The MIME tree as "type(child, child)" for structure checks. */
function shape(raw: string): string {
  // A small walk over boundaries is enough for what nodemailer writes.
  const walk = (part: string): string => {
    const head = part.slice(0, part.search(/\r?\n\r?\n/));
    const type = /content-type:\s*([^;\s]+)/i.exec(head)?.[1]?.toLowerCase() ?? 'text/plain';
    if (!type.startsWith('multipart/')) return type;
    const boundary = /boundary="?([^";\r\n]+)"?/i.exec(head)?.[1];
    if (!boundary) return type;
    const body = part.slice(head.length);
    const pieces = body.split(`--${boundary}`).slice(1, -1);
    return `${type}(${pieces.map((p) => walk(p.replace(/^\r?\n/, ''))).join(', ')})`;
  };
  return walk(raw);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mime-test-'));
  uploads = new UploadStore(dir, 10_000_000);
  opts = { identity, hostname: 'demo.test', owner, uploads };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('composeMime', () => {
  it('sends HTML as multipart/alternative with a generated text part, inline images as cid: related parts, attachments in mixed', async () => {
    const img = await uploads.save(owner, { filename: 'bild.png', contentType: 'image/png' }, PNG);
    const pdf = await uploads.save(owner, { filename: 'Grüße über Ärger.pdf', contentType: 'application/pdf' }, Buffer.from('%PDF-1.4 hello'));
    const mail = await composeMime(
      state({
        to: [{ name: 'Bőb Ünal', address: 'bob@demo.test' }],
        cc: [{ name: 'Carol, the "Boss"', address: 'carol@demo.test' }],
        bcc: [{ name: 'Dave', address: 'dave@demo.test' }],
        subject: 'Grüße aus Köln ✓ — a subject long enough to need folding in the header line of the message',
        format: 'html',
        html: `<p>Hällo <b>Bob</b>, schön 😀</p><p><img src="/api/uploads/${img.id}" alt="Bild"></p><p>${'lang '.repeat(60)}</p>`,
        attachments: [pdf.id],
      }),
      opts,
    );
    const wire = mail.wire.toString('utf8');
    expect(shape(wire)).toBe('multipart/mixed(multipart/alternative(text/plain, multipart/related(text/html, image/png)), application/pdf)');
    expect(wire).not.toMatch(/^Bcc:/im);
    expect(mail.sentCopy.toString()).toMatch(/^Bcc: Dave <dave@demo.test>/im);
    expect(mail.envelope).toEqual({ from: 'alice@demo.test', to: ['bob@demo.test', 'carol@demo.test', 'dave@demo.test'] });
    expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@demo\.test>$/);
    // Header lines stay within 998 characters, and the body within 78 (encoded).
    for (const line of wire.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);

    const parsed = await simpleParser(mail.wire, { skipImageLinks: true });
    expect(parsed.subject).toBe('Grüße aus Köln ✓ — a subject long enough to need folding in the header line of the message');
    expect(parsed.from?.value[0]).toMatchObject({ name: 'Alice Müller', address: 'alice@demo.test' });
    expect(parsed.replyTo?.value[0]?.address).toBe('antwort@demo.test');
    const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
    expect(to?.value[0]).toMatchObject({ name: 'Bőb Ünal', address: 'bob@demo.test' });
    const cc = Array.isArray(parsed.cc) ? parsed.cc[0] : parsed.cc;
    expect(cc?.value[0]).toMatchObject({ name: 'Carol, the "Boss"', address: 'carol@demo.test' });
    expect(parsed.messageId).toBe(mail.messageId);
    expect(parsed.date).toBeInstanceOf(Date);
    expect(parsed.headers.get('user-agent')).toBe('Mailroom');
    expect(parsed.text).toContain('Hällo Bob, schön 😀');
    expect(parsed.html).toContain('Hällo <b>Bob</b>');
    const image = parsed.attachments.find((a) => a.contentType === 'image/png')!;
    expect(image.contentDisposition).toBe('inline');
    expect(parsed.html).toContain(`src="cid:${image.cid}"`);
    expect(parsed.html).not.toContain('/api/uploads/');
    expect(image.content.equals(PNG)).toBe(true);
    const attachment = parsed.attachments.find((a) => a.contentType === 'application/pdf')!;
    expect(attachment.filename).toBe('Grüße über Ärger.pdf');
    expect(attachment.contentDisposition).toBe('attachment');
    expect(wire).toMatch(/filename\*0?\*?=utf-8''Gr%C3%BC%C3%9Fe/i);
  });

  it('sends plain text as format=flowed with soft breaks, space-stuffing and the signature separator', async () => {
    const text = [
      `Hällo Bob, ${'ein langer Satz mit Wörtern '.repeat(8)}Ende.`,
      ' leading space',
      '>not a quote',
      'From the start',
      'trailing spaces   ',
      '',
      '-- ',
      'Alice',
    ].join('\n');
    const mail = await composeMime(state({ to: ['bob@demo.test'], subject: 'Plain', format: 'text', text }), opts);
    const wire = mail.wire.toString('utf8');
    expect(shape(wire)).toBe('text/plain');
    expect(wire).toMatch(/Content-Type: text\/plain; charset=utf-8; format=flowed/i);
    const parsed = await simpleParser(mail.wire);
    expect(parsed.text?.replace(/\n$/, '')).toBe(text.replace('trailing spaces   ', 'trailing spaces'));
    // Decoded body lines: soft breaks end with a space, no line over 78, stuffed lines.
    expect(wire).toMatch(/^Content-Transfer-Encoding: quoted-printable/im);
    const lines = decodeQp(wire.slice(wire.indexOf('\r\n\r\n') + 4)).split('\r\n');
    expect(lines[0]).toMatch(/ $/);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(78);
    expect(lines).toContain('  leading space');
    expect(lines).toContain(' >not a quote');
    expect(lines).toContain(' From the start');
    expect(lines).toContain('-- ');
  });

  it('asks for high priority and a read receipt, and threads with In-Reply-To and References', async () => {
    const mail = await composeMime(
      state({
        to: ['bob@demo.test'],
        subject: 'Re: Urgent',
        text: 'Yes.',
        priority: 'high',
        readReceipt: true,
        inReplyTo: '<orig@demo.test>',
        references: ['<root@demo.test>', '<orig@demo.test>'],
      }),
      opts,
    );
    const parsed = await simpleParser(mail.wire);
    expect(mail.wire.toString()).toMatch(/^X-Priority: 1 \(Highest\)\r?$/m);
    expect(mail.wire.toString()).toMatch(/^Importance: High\r?$/m);
    expect(parsed.headers.get('priority')).toBe('high');
    expect(parsed.headers.get('disposition-notification-to')).toMatchObject({ value: [{ address: 'alice@demo.test' }] });
    expect(parsed.inReplyTo).toBe('<orig@demo.test>');
    expect(parsed.references).toEqual(['<root@demo.test>', '<orig@demo.test>']);
    const low = await simpleParser((await composeMime(state({ to: ['bob@demo.test'], priority: 'low' }), opts)).wire);
    expect(low.headers.get('priority')).toBe('low');
    const normal = await simpleParser((await composeMime(state({ to: ['bob@demo.test'] }), opts)).wire);
    expect(normal.headers.has('priority')).toBe(false);
    expect(normal.headers.has('disposition-notification-to')).toBe(false);
  });

  it('attaches a message/rfc822 upload as a message', async () => {
    const eml = Buffer.from('From: x@demo.test\r\nTo: y@demo.test\r\nSubject: Inner\r\n\r\nInner body\r\n');
    const up = await uploads.save(owner, { filename: 'Inner.eml', contentType: 'message/rfc822' }, eml);
    const mail = await composeMime(state({ to: ['bob@demo.test'], text: 'see attached', attachments: [up.id] }), opts);
    expect(shape(mail.wire.toString())).toBe('multipart/mixed(text/plain, message/rfc822)');
    const parsed = await simpleParser(mail.wire);
    const att = parsed.attachments.find((a) => a.contentType === 'message/rfc822');
    expect(att?.filename).toBe('Inner.eml');
    expect(att?.content.toString()).toContain('Subject: Inner');
  });

  it('puts IDN domains into the envelope as A-labels and refuses UTF-8 local parts without SMTPUTF8', async () => {
    const mail = await composeMime(state({ to: [{ name: 'Jürgen', address: 'juergen@bücher.example' }], text: 'x' }), opts);
    expect(mail.envelope.to).toEqual(['juergen@xn--bcher-kva.example']);
    const intl = state({ to: ['jürgen@bücher.example'], text: 'x' });
    const err = await composeMime(intl, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 422, code: 'recipient_refused' });
    expect((err as Error).message).toMatch(/internationalised/);
    const ok = await composeMime(intl, { ...opts, smtpUtf8: true });
    expect(ok.envelope.to).toEqual(['jürgen@xn--bcher-kva.example']);
  });

  it('refuses unknown inline images and attachments with a clear 400 instead of sending a broken message', async () => {
    const badImage = composeMime(state({ to: ['bob@demo.test'], format: 'html', html: '<p><img src="/api/uploads/AAAAAAAAAAAAAAAAAAAA"></p>' }), opts);
    await expect(badImage).rejects.toMatchObject({ status: 400, code: 'bad_request', message: expect.stringMatching(/inline image/) });
    const badAttachment = composeMime(state({ to: ['bob@demo.test'], attachments: ['BBBBBBBBBBBBBBBBBBBB'] }), opts);
    await expect(badAttachment).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/attachment/) });
    // Another user's upload is unknown too.
    const other = await uploads.save('mallory@demo.test', { filename: 'x.txt' }, Buffer.from('x'));
    await expect(composeMime(state({ to: ['bob@demo.test'], attachments: [other.id] }), opts)).rejects.toMatchObject({ status: 400 });
  });
});

describe('drafts round trip', () => {
  const strip = (s: ComposeState) => ({ ...s, attachments: s.attachments.length, html: s.html.replace(/\/api\/uploads\/[A-Za-z0-9_-]+/g, '/api/uploads/ID') });

  it('reopens an HTML draft exactly as left: recipients with names, Bcc, subject, inline images, attachments, threading, priority, receipt, identity, source', async () => {
    const img = await uploads.save(owner, { filename: 'Foto ä.png', contentType: 'image/png' }, PNG);
    const doc = await uploads.save(owner, { filename: 'Übersicht – 2026 “final”.xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, Buffer.from([1, 2, 3, 250]));
    const original = state({
      identityId: 'id-2',
      to: [{ name: 'Bőb Ünal', address: 'bob@demo.test' }, { name: '', address: 'erin@bücher.example' }],
      cc: [{ name: 'Çarol', address: 'carol@demo.test' }],
      bcc: [{ name: 'Däve', address: 'dave@demo.test' }],
      subject: 'Entwurf: Grüße ✓ 日本語',
      format: 'html',
      html: `<p>Hällo 😀</p><p><img src="/api/uploads/${img.id}" alt="Foto"></p><blockquote type="cite"><p>zitiert</p></blockquote>`,
      attachments: [doc.id],
      inReplyTo: '<orig@demo.test>',
      references: ['<root@demo.test>', '<orig@demo.test>'],
      priority: 'low',
      readReceipt: true,
      source: { mailbox: 'INBOX/Ünterordner', uid: 42, kind: 'reply' },
    });
    const raw = await draftMime(original, opts);
    expect(raw.toString()).toMatch(/^X-Mailroom-Draft:/m);
    expect(raw.toString()).toMatch(/^Bcc: /m);
    const back = await stateFromMime(raw, owner, uploads);
    expect(strip(back.state)).toEqual(strip(original));
    // Inline image and attachment are new uploads with the same bytes and names.
    const newImg = /\/api\/uploads\/([A-Za-z0-9_-]+)/.exec(back.state.html)![1]!;
    expect(newImg).not.toBe(img.id);
    expect((await uploads.read(owner, newImg))?.content.equals(PNG)).toBe(true);
    expect(back.attachments).toHaveLength(1);
    expect(back.attachments[0]).toMatchObject({ filename: 'Übersicht – 2026 “final”.xlsx', size: 4 });
    expect(back.state.attachments).toEqual([back.attachments[0]!.id]);
    expect((await uploads.read(owner, back.attachments[0]!.id))?.content.equals(Buffer.from([1, 2, 3, 250]))).toBe(true);
  });

  it('reopens a plain-text draft with long lines, quotes and signature as written', async () => {
    const text = `Hallo Jürgen,\n\n${'Dies ist eine sehr lange Zeile mit Umlauten äöü, die umgebrochen werden muss. '.repeat(5).trim()}\n\n> zitiert\n>> doppelt\n From me\n\n-- \nAlice`;
    const original = state({ to: ['bob@demo.test'], subject: 'Ünïcödé', format: 'text', text, priority: 'high' });
    const back = await stateFromMime(await draftMime(original, opts), owner, uploads);
    expect(back.state).toEqual(original);
    expect(back.attachments).toEqual([]);
  });

  it('keeps the body exactly, down to the trailing line breaks', async () => {
    for (const text of ['abc', 'abc\n', 'abc\n\n', '\n\nabc', '', '\n']) {
      const back = await stateFromMime(await draftMime(state({ text }), opts), owner, uploads);
      expect(back.state.text).toBe(text);
    }
    for (const html of ['', '<p></p>', '<p>x</p>\n']) {
      const back = await stateFromMime(await draftMime(state({ format: 'html', html }), opts), owner, uploads);
      expect(back.state.html).toBe(html);
    }
  });

  it('reads a sent copy (no draft header) back: format from the parts, priority and receipt from the headers', async () => {
    const mail = await composeMime(state({ to: ['bob@demo.test'], bcc: ['dave@demo.test'], subject: 'Sent', format: 'html', html: '<p>Hi</p>', priority: 'high', readReceipt: true }), opts);
    const back = await stateFromMime(mail.sentCopy, owner, uploads);
    expect(back.state).toMatchObject({ format: 'html', html: '<p>Hi</p>', priority: 'high', readReceipt: true, bcc: [{ name: '', address: 'dave@demo.test' }] });
  });
});

/** Quoted-printable body → text (soft breaks joined, =XX bytes decoded as UTF-8). */
function decodeQp(body: string): string {
  const src = body.replace(/=\r\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < src.length; i++) {
    const hex = src.slice(i + 1, i + 3);
    if (src[i] === '=' && /^[0-9A-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(src.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}
