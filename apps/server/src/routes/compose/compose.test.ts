// Prefill (reply, reply all, forward, forward as attachment, edit as new) and compose limits against
// real mail backends, on messages delivered over SMTP.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { simpleParser } from 'mailparser';
import { CSRF_HEADER, type ComposeLimits, type ComposeStateResponse, type SaveDraftResponse } from '@mailroom/shared';
import { Browser, startTestStack, type TestStack } from '../../test-support.js';
import { specialUse, uidsWithSubject, withImap } from '../../outbox/test-helpers.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

/** Reads the EHLO answer of an SMTP server (independently of the code under test). */
async function ehlo(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    let buffer = '';
    let sent = false;
    socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      if (!sent && /^220 .*\r\n/m.test(buffer)) {
        sent = true;
        buffer = '';
        socket.write('EHLO test.example\r\n');
      } else if (sent && /^250 .*\r\n/m.test(buffer)) {
        socket.end('QUIT\r\n');
        resolve(buffer);
      }
    });
  });
}

describe.each(['embedded', 'dovecot-postfix'] as const)('compose prefill and limits with the %s backend', (kind) => {
  let stack: TestStack;
  let alice: Browser;
  let imap: ImapFlow;
  let uid = 0;
  let raw: Buffer;
  const token = `t${Date.now()}`;

  beforeAll(async () => {
    stack = await startTestStack({ backend: kind, perUser: 2 });
    alice = new Browser(stack.app);
    expect((await alice.login('alice@demo.test')).status).toBe(200);
    await stack.ctx.identities.create('alice@demo.test', { name: 'Alice at work', email: 'alice.work@demo.test' });

    // Bob writes to Alice (and others); delivered through the MX port like any incoming mail.
    const transport = nodemailer.createTransport({ host: stack.backend.smtp.host, port: stack.backend.smtp.port, secure: false, ignoreTLS: true });
    await transport.sendMail({
      envelope: { from: 'bob@demo.test', to: ['alice@demo.test'] },
      from: { name: 'Bob Marley-Hughes', address: 'bob@demo.test' },
      to: [
        { name: 'Alice Liddell', address: 'alice.work@demo.test' },
        { name: 'Zoë', address: 'zoe@example.org' },
      ],
      cc: [
        { name: 'Alice', address: 'alice@demo.test' },
        { name: 'Chris', address: 'chris@example.org' },
      ],
      subject: `RE: AW: Quartalsplan ${token} — Grüße`,
      messageId: `<${token}@demo.test>`,
      references: [`<root-${token}@demo.test>`],
      inReplyTo: `<root-${token}@demo.test>`,
      html: '<p>Hallo Alice, hier der <b>Plan</b>.</p><p><img src="cid:logo@bob"></p>',
      text: 'Hallo Alice, hier der Plan.',
      attachments: [
        { filename: 'logo.png', content: PNG, contentType: 'image/png', cid: 'logo@bob' },
        { filename: 'Plan für Q3 – ÄÖÜ.pdf', content: Buffer.from('%PDF-1.4 plan'), contentType: 'application/pdf' },
      ],
    });
    transport.close();

    imap = new ImapFlow({ host: stack.imap.host, port: stack.imap.port, secure: false, auth: { user: 'alice@demo.test', pass: 'demo' }, logger: false });
    await imap.connect();
    // A real MTA queues first and delivers a moment later.
    for (let i = 0; i < 60 && !uid; i++) {
      const lock = await imap.getMailboxLock('INBOX');
      try {
        const found = await imap.search({ header: { 'message-id': `<${token}@demo.test>` } }, { uid: true });
        uid = found && found.length ? found[0]! : 0;
      } finally {
        lock.release();
      }
      if (!uid) await new Promise((r) => setTimeout(r, 250));
    }
    expect(uid).toBeGreaterThan(0);
    const lock = await imap.getMailboxLock('INBOX');
    try {
      const msg = await imap.fetchOne(String(uid), { source: true }, { uid: true });
      raw = msg && msg.source ? msg.source : Buffer.alloc(0);
    } finally {
      lock.release();
    }
  }, 60_000);

  afterAll(async () => {
    await imap?.logout().catch(() => undefined);
    await stack?.close();
  });

  const prefill = async (body: object) => alice.send('post', '/api/compose/prefill', body);

  it('reply: to the sender, one "Re:", threaded, quoted, from the identity the mail was addressed to', async () => {
    await stack.ctx.preferences.update('alice@demo.test', { composeFormat: 'html' });
    const res = await prefill({ mode: 'reply', mailbox: 'INBOX', uid });
    expect(res.status).toBe(200);
    const { state } = res.body as ComposeStateResponse;
    expect(state.to).toEqual([{ name: 'Bob Marley-Hughes', address: 'bob@demo.test' }]);
    expect(state.cc).toEqual([]);
    expect(state.subject).toBe(`Re: Quartalsplan ${token} — Grüße`);
    expect(state.inReplyTo).toBe(`<${token}@demo.test>`);
    expect(state.references).toEqual([`<root-${token}@demo.test>`, `<${token}@demo.test>`]);
    const work = (await stack.ctx.identities.list('alice@demo.test')).find((i) => i.email === 'alice.work@demo.test');
    expect(state.identityId).toBe(work?.id);
    expect(state.source).toEqual({ mailbox: 'INBOX', uid, kind: 'reply' });
    expect(state.html).toContain('Bob Marley-Hughes &lt;bob@demo.test&gt; wrote:</p><blockquote type="cite">');
    expect(state.html).toContain('hier der <b>Plan</b>');
    // The inline image came along as an upload of Alice's.
    const img = /\/api\/uploads\/([A-Za-z0-9_-]+)/.exec(state.html)?.[1];
    expect(img).toBeTruthy();
    expect((await stack.ctx.uploads.read('alice@demo.test', img!))?.content.equals(PNG)).toBe(true);
  });

  it('reply all: sender, To and Cc without Alice or any of her identities; plain text when that is the preference', async () => {
    await stack.ctx.preferences.update('alice@demo.test', { composeFormat: 'text' });
    const res = await prefill({ mode: 'replyAll', mailbox: 'INBOX', uid });
    expect(res.status).toBe(200);
    const { state } = res.body as ComposeStateResponse;
    expect(state.to.map((r) => r.address)).toEqual(['bob@demo.test', 'zoe@example.org']);
    expect(state.cc.map((r) => r.address)).toEqual(['chris@example.org']);
    expect(state.format).toBe('text');
    expect(state.text).toMatch(/wrote:\n> Hallo Alice, hier der Plan\./);
    await stack.ctx.preferences.update('alice@demo.test', { composeFormat: 'html' });
  });

  it('reply to a reply does not pile up prefixes', async () => {
    const first = (await prefill({ mode: 'reply', mailbox: 'INBOX', uid })).body as ComposeStateResponse;
    expect(first.state.subject.match(/re:/gi)).toHaveLength(1);
  });

  it('forward: Fwd: subject, header block, the original attachments carried over as uploads', async () => {
    const res = await prefill({ mode: 'forward', mailbox: 'INBOX', uid });
    expect(res.status).toBe(200);
    const { state, attachments } = res.body as ComposeStateResponse;
    expect(state.subject).toBe(`Fwd: Quartalsplan ${token} — Grüße`);
    expect(state.to).toEqual([]);
    expect(state.inReplyTo).toBeUndefined();
    expect(state.source).toEqual({ mailbox: 'INBOX', uid, kind: 'forward' });
    expect(state.html).toContain('-------- Forwarded Message --------');
    expect(state.html).toContain('From: Bob Marley-Hughes &lt;bob@demo.test&gt;');
    expect(attachments.map((a) => a.filename)).toEqual(['Plan für Q3 – ÄÖÜ.pdf']);
    expect(state.attachments).toEqual(attachments.map((a) => a.id));
    const pdf = await stack.ctx.uploads.read('alice@demo.test', attachments[0]!.id);
    expect(pdf?.content.toString()).toBe('%PDF-1.4 plan');
    // The upload is Alice's: the uploads route serves it to her.
    const got = await alice.get(attachments[0]!.url);
    expect(got.status).toBe(200);
  });

  it('forward as attachment: the whole message as message/rfc822 named after the subject', async () => {
    const res = await prefill({ mode: 'forwardAttachment', mailbox: 'INBOX', uid });
    expect(res.status).toBe(200);
    const { state, attachments } = res.body as ComposeStateResponse;
    expect(state.subject).toBe(`Fwd: Quartalsplan ${token} — Grüße`);
    expect(attachments).toHaveLength(1);
    expect(attachments[0]).toMatchObject({ filename: `Quartalsplan ${token} — Grüße.eml`, contentType: 'message/rfc822' });
    expect((await stack.ctx.uploads.read('alice@demo.test', attachments[0]!.id))?.content.equals(raw)).toBe(true);
  });

  it('edit as new: same recipients, subject, body and attachments, no threading', async () => {
    const res = await prefill({ mode: 'editAsNew', mailbox: 'INBOX', uid });
    expect(res.status).toBe(200);
    const { state, attachments } = res.body as ComposeStateResponse;
    expect(state.subject).toBe(`RE: AW: Quartalsplan ${token} — Grüße`);
    expect(state.to.map((r) => r.address)).toEqual(['alice.work@demo.test', 'zoe@example.org']);
    expect(state.cc.map((r) => r.address)).toEqual(['alice@demo.test', 'chris@example.org']);
    expect(state.inReplyTo).toBeUndefined();
    expect(state.references).toBeUndefined();
    expect(state.source).toBeUndefined();
    expect(state.html).toContain('hier der <b>Plan</b>');
    expect(attachments.map((a) => a.filename)).toEqual(['Plan für Q3 – ÄÖÜ.pdf']);
  });

  it('a reply sent from the prefilled state joins the conversation, and a saved draft of it goes away once sent', async () => {
    // From Alice's own address (the embedded submission server accepts only addresses that are hers).
    const main = (await stack.ctx.identities.list('alice@demo.test')).find((i) => i.email === 'alice@demo.test')!;
    const { state } = (await prefill({ mode: 'reply', mailbox: 'INBOX', uid, identityId: main.id })).body as ComposeStateResponse;
    expect(state.identityId).toBe(main.id);
    const draft = await alice.agent
      .put('/api/drafts')
      .set(CSRF_HEADER, alice.csrf)
      .send({ ...state, html: `<p>Gern!</p>${state.html}` });
    expect(draft.status).toBe(200);
    const draftUid = (draft.body as SaveDraftResponse).uid!;
    const sent = await alice.send('post', '/api/messages/send', { ...state, html: `<p>Gern!</p>${state.html}`, draftUid, undoDelayMs: 0 });
    expect(sent.status).toBe(202);
    let replyUid = 0;
    for (let i = 0; i < 60 && !replyUid; i++) {
      [replyUid = 0] = await uidsWithSubject(stack.imap, 'bob@demo.test', 'INBOX', state.subject);
      if (!replyUid) await new Promise((r) => setTimeout(r, 250));
    }
    expect(replyUid).toBeGreaterThan(0);
    const reply = await withImap(stack.imap, 'bob@demo.test', async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        const msg = await c.fetchOne(String(replyUid), { source: true }, { uid: true });
        return simpleParser(msg && msg.source ? msg.source : Buffer.alloc(0), { skipImageLinks: true });
      } finally {
        lock.release();
      }
    });
    expect(reply.inReplyTo).toBe(`<${token}@demo.test>`);
    expect(reply.references).toEqual([`<root-${token}@demo.test>`, `<${token}@demo.test>`]);
    expect(reply.from?.value[0]?.address).toBe('alice@demo.test');
    expect(reply.html).toContain('<p>Gern!</p>');
    expect(reply.text).toContain('Gern!');
    // The quoted inline image went out as a cid: part.
    expect(reply.attachments.some((a) => a.contentType === 'image/png' && a.related)).toBe(true);
    // The original is answered; the draft is gone.
    const flags = await withImap(stack.imap, 'alice@demo.test', async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        const msg = await c.fetchOne(String(uid), { flags: true }, { uid: true });
        return [...((msg && msg.flags) || [])];
      } finally {
        lock.release();
      }
    });
    expect(flags).toContain('\\Answered');
    const drafts = await withImap(stack.imap, 'alice@demo.test', async (c) => {
      const path = await specialUse(c, '\\Drafts');
      const lock = await c.getMailboxLock(path);
      try {
        return (await c.search({ uid: String(draftUid) }, { uid: true })) || [];
      } finally {
        lock.release();
      }
    });
    expect(drafts).toEqual([]);
  });

  it('answers a missing message with 404 and a bad request with 400', async () => {
    expect((await prefill({ mode: 'reply', mailbox: 'INBOX', uid: 999_999 })).status).toBe(404);
    expect((await prefill({ mode: 'nonsense', mailbox: 'INBOX', uid })).status).toBe(400);
    expect((await prefill({ mode: 'reply', mailbox: 'No such folder', uid: 1 })).status).toBe(404);
  });

  it('limits: the smaller of the webmail limit and the server SIZE, SMTPUTF8 as announced, 60 s undo', async () => {
    const res = await alice.get('/api/compose/limits');
    expect(res.status).toBe(200);
    const limits = res.body as ComposeLimits;
    const answer = await ehlo(stack.submission.host, stack.submission.port);
    const size = Number(/^250[ -]SIZE[ \t]+(\d+)/im.exec(answer)?.[1] ?? 0);
    const expected = Math.min(stack.config.maxMessageBytes, ...(size > 0 ? [size] : []));
    expect(limits.maxMessageBytes).toBeLessThanOrEqual(expected);
    expect(limits.maxMessageBytes).toBeGreaterThan(0);
    const appendLimit = imap.capabilities.get('APPENDLIMIT');
    if (typeof appendLimit !== 'number') expect(limits.maxMessageBytes).toBe(expected);
    else expect(limits.maxMessageBytes).toBe(Math.min(expected, appendLimit));
    expect(limits.smtpUtf8).toBe(/^250[ -]SMTPUTF8\b/im.test(answer));
    expect(limits.maxUndoDelayMs).toBe(60_000);
    expect((await new Browser(stack.app).get('/api/compose/limits')).status).toBe(401);
  });
});
