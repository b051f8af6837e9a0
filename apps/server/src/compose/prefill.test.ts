import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Identity } from '@mailroom/shared';
import { UploadStore } from '../data/uploads.js';
import { baseSubject, prefillFromMime, quoteText, replyReferences, replySubject, forwardSubject, type PrefillContext } from './prefill.js';

const owner = 'alice@demo.test';
const identities: Identity[] = [
  { id: 'main', name: 'Alice', email: 'alice@demo.test', replyTo: null, signatureHtml: '', isDefault: true },
  { id: 'work', name: 'Alice (Arbeit)', email: 'alice@work.test', replyTo: null, signatureHtml: '', isDefault: false },
];
let dir: string;
let uploads: UploadStore;
const ctx = (over: Partial<PrefillContext> = {}): PrefillContext => ({ owner, uploads, identities, format: 'html', ...over });
const source = { mailbox: 'INBOX', uid: 7 };
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

const build = (options: Mail.Options) => new MailComposer({ date: new Date('2026-03-04T10:20:00Z'), ...options }).compile().build();

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'prefill-test-'));
  uploads = new UploadStore(dir, 10_000_000);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('subjects and references', () => {
  it('keeps exactly one Re: / Fwd: prefix whatever came before', () => {
    expect(replySubject('Hello')).toBe('Re: Hello');
    expect(replySubject('Re: Hello')).toBe('Re: Hello');
    expect(replySubject('RE: re: AW: Fwd: Hello: world')).toBe('Re: Hello: world');
    expect(replySubject('Re[2]: Antw: SV: WG: Hello')).toBe('Re: Hello');
    expect(replySubject('')).toBe('Re: ');
    expect(forwardSubject('Re: Fwd: FW: Hello')).toBe('Fwd: Hello');
    expect(baseSubject('[list] Re: Topic')).toBe('[list] Topic');
    expect(baseSubject('Reply needed')).toBe('Reply needed');
    expect(baseSubject('Fwdx: odd')).toBe('Fwdx: odd');
  });

  it('bounds References to the last 20 ids, keeping the first', () => {
    const refs = Array.from({ length: 30 }, (_, i) => `<m${i}@x>`);
    const out = replyReferences(refs, '<new@x>');
    expect(out).toHaveLength(20);
    expect(out[0]).toBe('<m0@x>');
    expect(out.at(-1)).toBe('<new@x>');
    expect(out[1]).toBe('<m12@x>');
    expect(replyReferences([], '<a@x>')).toEqual(['<a@x>']);
  });

  it('quotes text line by line', () => {
    expect(quoteText('a\n\n> b\n')).toBe('> a\n>\n>> b');
  });
});

describe('prefill from an original message', () => {
  let original: Buffer;
  beforeAll(async () => {
    original = await build({
      from: { name: 'Bob Ünal', address: 'bob@demo.test' },
      to: [
        { name: 'Alice', address: 'alice@work.test' },
        { name: 'Carol', address: 'carol@demo.test' },
      ],
      cc: [
        { name: 'Alice', address: 'ALICE@demo.test' },
        { name: 'Dave', address: 'dave@demo.test' },
      ],
      subject: 'AW: Re: Plan für Montag',
      messageId: '<orig@demo.test>',
      references: ['<root@demo.test>', '<mid@demo.test>'],
      inReplyTo: '<mid@demo.test>',
      html: '<html><head><style>p{color:red}</style></head><body><p>Hallo <b>Alice</b> &amp; co</p><img src="cid:pic@demo"></body></html>',
      text: 'Hallo Alice & co',
      attachments: [
        { filename: 'pic.png', content: PNG, contentType: 'image/png', cid: 'pic@demo' },
        { filename: 'Plan – März.pdf', content: Buffer.from('%PDF'), contentType: 'application/pdf' },
      ],
    });
  });

  it('reply: to the sender, threaded, quoted HTML with inline images as uploads, from the identity it was addressed to', async () => {
    const { state, attachments } = await prefillFromMime('reply', original, source, ctx());
    expect(state.to).toEqual([{ name: 'Bob Ünal', address: 'bob@demo.test' }]);
    expect(state.cc).toEqual([]);
    expect(state.subject).toBe('Re: Plan für Montag');
    expect(state.inReplyTo).toBe('<orig@demo.test>');
    expect(state.references).toEqual(['<root@demo.test>', '<mid@demo.test>', '<orig@demo.test>']);
    expect(state.identityId).toBe('work');
    expect(state.format).toBe('html');
    expect(state.source).toEqual({ ...source, kind: 'reply' });
    expect(state.html).toMatch(/^<p><\/p><p>On .*2026.*, Bob Ünal &lt;bob@demo.test&gt; wrote:<\/p><blockquote type="cite">/);
    expect(state.html).toContain('<p>Hallo <b>Alice</b> &amp; co</p>');
    expect(state.html).not.toContain('<style>');
    expect(state.html).toMatch(/<img src="\/api\/uploads\/[A-Za-z0-9_-]+">/);
    expect(state.attachments).toEqual([]);
    expect(attachments).toEqual([]);
  });

  it('reply all: sender plus To, Cc kept as Cc, without yourself or any of your identities', async () => {
    const { state } = await prefillFromMime('replyAll', original, source, ctx());
    expect(state.to.map((r) => r.address)).toEqual(['bob@demo.test', 'carol@demo.test']);
    expect(state.cc.map((r) => r.address)).toEqual(['dave@demo.test']);
  });

  it('leaves out inline images whose part is missing rather than quoting a broken image', async () => {
    const raw = await build({ from: 'bob@demo.test', to: 'alice@demo.test', subject: 'x', html: '<p>a<img src="cid:gone@x" alt="gone">b</p>', messageId: '<g@x>' });
    const { state } = await prefillFromMime('reply', raw, source, ctx());
    expect(state.html).toContain('<p>ab</p>');
    expect(state.html).not.toContain('cid:');
  });

  it('reply to a message with Reply-To goes to Reply-To; plain text format quotes with "> "', async () => {
    const raw = await build({ from: 'list@demo.test', replyTo: 'replies@demo.test', to: 'alice@demo.test', subject: 'Hi', text: 'line one\nline two', messageId: '<x@demo.test>' });
    const { state } = await prefillFromMime('reply', raw, source, ctx({ format: 'text' }));
    expect(state.to).toEqual([{ name: '', address: 'replies@demo.test' }]);
    expect(state.identityId).toBe('main');
    expect(state.format).toBe('text');
    expect(state.text).toMatch(/^\n\nOn .+, list@demo\.test wrote:\n> line one\n> line two\n$/);
    expect(state.references).toEqual(['<x@demo.test>']);
  });

  it('forward: Fwd: subject, a forwarded-message header block, the body, and the attachments as uploads', async () => {
    const { state, attachments } = await prefillFromMime('forward', original, source, ctx());
    expect(state.subject).toBe('Fwd: Plan für Montag');
    expect(state.to).toEqual([]);
    expect(state.inReplyTo).toBeUndefined();
    expect(state.source).toEqual({ ...source, kind: 'forward' });
    expect(state.html).toContain('<div data-mailroom-forward=""><p>-------- Forwarded Message --------</p>');
    expect(state.html).toContain('From: Bob Ünal &lt;bob@demo.test&gt;<br>');
    expect(state.html).toContain('Subject: AW: Re: Plan für Montag');
    expect(state.html).toContain('Cc: Alice &lt;ALICE@demo.test&gt;, Dave &lt;dave@demo.test&gt;');
    expect(state.html).toMatch(/<img src="\/api\/uploads\/[A-Za-z0-9_-]+">/);
    expect(attachments.map((a) => a.filename)).toEqual(['Plan – März.pdf']);
    expect(state.attachments).toEqual([attachments[0]!.id]);
    expect((await uploads.read(owner, attachments[0]!.id))?.content.toString()).toBe('%PDF');

    const text = await prefillFromMime('forward', original, source, ctx({ format: 'text' }));
    // In plain text the inline image travels as an attachment.
    expect(text.attachments.map((a) => a.filename)).toEqual(['pic.png', 'Plan – März.pdf']);
    expect(text.state.text).toMatch(/-------- Forwarded Message --------\nFrom: Bob Ünal <bob@demo.test>\nDate: .+\nSubject: AW: Re: Plan für Montag\nTo: .+\nCc: .+\n\nHallo Alice & co/);
  });

  it('forward as attachment: the whole message as a message/rfc822 upload named after the subject', async () => {
    const { state, attachments } = await prefillFromMime('forwardAttachment', original, source, ctx());
    expect(state.subject).toBe('Fwd: Plan für Montag');
    expect(attachments).toHaveLength(1);
    expect(attachments[0]).toMatchObject({ filename: 'Plan für Montag.eml', contentType: 'message/rfc822', size: original.length });
    expect((await uploads.read(owner, attachments[0]!.id))?.content.equals(original)).toBe(true);
  });

  it('edit as new: same recipients, subject, body and attachments, no threading', async () => {
    const { state, attachments } = await prefillFromMime('editAsNew', original, source, ctx());
    expect(state.subject).toBe('AW: Re: Plan für Montag');
    expect(state.to.map((r) => r.address)).toEqual(['alice@work.test', 'carol@demo.test']);
    expect(state.inReplyTo).toBeUndefined();
    expect(state.references).toBeUndefined();
    expect(state.source).toBeUndefined();
    expect(attachments.map((a) => a.filename)).toEqual(['Plan – März.pdf']);
    expect(state.html).toContain('/api/uploads/');
  });

  it('edit as new of a plain-text message stays plain text (format=flowed decoded)', async () => {
    const raw = await build({
      from: 'alice@work.test',
      to: 'bob@demo.test',
      subject: 'Plain',
      alternatives: [{ contentType: 'text/plain; charset=utf-8; format=flowed', content: 'one long line that was \r\nsoft wrapped\r\n-- \r\nAlice' }],
    });
    const { state } = await prefillFromMime('editAsNew', raw, source, ctx());
    expect(state.format).toBe('text');
    expect(state.text).toBe('one long line that was soft wrapped\n-- \nAlice');
    expect(state.html).toBe('');
    expect(state.identityId).toBe('work');
  });

  it('an explicit identity wins; replying to your own sent message goes to its recipients', async () => {
    const sent = await build({ from: 'alice@demo.test', to: 'bob@demo.test', cc: 'carol@demo.test', subject: 'Mine', text: 'x', messageId: '<s@demo.test>' });
    const { state } = await prefillFromMime('replyAll', sent, source, ctx({ identityId: 'work' }));
    expect(state.identityId).toBe('work');
    expect(state.to.map((r) => r.address)).toEqual(['bob@demo.test']);
    expect(state.cc.map((r) => r.address)).toEqual(['carol@demo.test']);
  });
});
