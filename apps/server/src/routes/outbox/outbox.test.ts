import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { startBackend } from '@mailroom/testkit';
import { CSRF_HEADER, type CancelSendResponse, type OutboxItem, type OutboxListResponse, type Upload } from '@mailroom/shared';
import { closeContext, createApp, createContext } from '../../app.js';
import { loadConfig } from '../../config.js';
import { createLogger } from '../../logger.js';
import { Browser, startTestStack, type TestStack } from '../../test-support.js';
import { fetchSignIn, listen, openEvents, specialUse, uidsWithSubject, withImap, type Listening } from '../../outbox/test-helpers.js';

const outboxItem = async (b: Browser, id: string) => (await b.get(`/api/outbox/${id}`)).body as OutboxItem;

// IMAP behaviour (Drafts, flags, Sent) and submission differ between servers: both are used.
describe.each(['embedded', 'dovecot-postfix'] as const)('the outbox with the %s backend: undo send, delayed sends, failures', (kind) => {
  let stack: TestStack;
  let alice: Browser;
  let server: Listening;
  let cookie: string;

  beforeAll(async () => {
    stack = await startTestStack({ backend: kind, perUser: 3 });
    alice = new Browser(stack.app);
    expect((await alice.login('alice@demo.test')).status).toBe(200);
    server = await listen(stack.app);
    cookie = await fetchSignIn(server.base, 'alice@demo.test');
  });
  afterAll(async () => {
    stack?.ctx.sse.closeAll();
    await server?.close();
    await stack?.close();
  });

  it('holds a message for the undo delay, then sends it once: Sent copy, draft removed, original flagged, SSE event', async () => {
    const events = await openEvents(server.base, cookie);
    try {
      await events.next((e) => e.event === 'ready');
      const subject = `Delayed ${Date.now()}`;
      // a draft of this reply in Drafts, and the message it answers in INBOX
      const { draftUid, sourceUid } = await withImap(stack.imap, 'alice@demo.test', async (c) => {
        const drafts = await specialUse(c, '\\Drafts');
        const appended = await c.append(drafts, Buffer.from(`From: alice@demo.test\r\nTo: bob@demo.test\r\nSubject: ${subject}\r\n\r\ndraft\r\n`), ['\\Draft', '\\Seen']);
        const lock = await c.getMailboxLock('INBOX');
        try {
          const uids = (await c.search({ all: true }, { uid: true })) || [];
          return { draftUid: appended && appended.uid, sourceUid: uids[0]! };
        } finally {
          lock.release();
        }
      });
      expect(draftUid).toBeGreaterThan(0);

      const res = await alice.send('post', '/api/messages/send', {
        to: ['bob@demo.test'],
        subject,
        text: 'Agreed.',
        undoDelayMs: 300,
        draftUid,
        source: { mailbox: 'INBOX', uid: sourceUid, kind: 'reply' },
      });
      expect(res.status).toBe(202);
      const item = res.body as OutboxItem;
      expect(item).toMatchObject({ status: 'pending', subject, to: ['bob@demo.test'], error: null });
      expect(Date.parse(item.sendAt)).toBeGreaterThan(Date.now() - 1000);

      const ev = await events.next((e) => e.event === 'outbox' && e.data.id === item.id);
      expect(ev.data).toEqual({ id: item.id, status: 'sent' });
      expect((await outboxItem(alice, item.id)).status).toBe('sent');
      const listed = ((await alice.get('/api/outbox')).body as OutboxListResponse).items.find((i) => i.id === item.id);
      expect(listed?.status).toBe('sent'); // sent items stay listed for a while

      await expect.poll(() => uidsWithSubject(stack.imap, 'bob@demo.test', 'INBOX', subject), { timeout: 10_000, interval: 200 }).toHaveLength(1);
      expect(await uidsWithSubject(stack.imap, 'alice@demo.test', '\\Sent', subject)).toHaveLength(1);
      await withImap(stack.imap, 'alice@demo.test', async (c) => {
        const drafts = await specialUse(c, '\\Drafts');
        let lock = await c.getMailboxLock(drafts);
        try {
          expect((await c.search({ uid: String(draftUid) }, { uid: true })) || []).toEqual([]);
        } finally {
          lock.release();
        }
        lock = await c.getMailboxLock('INBOX');
        try {
          const msg = await c.fetchOne(String(sourceUid), { flags: true }, { uid: true });
          expect(msg && [...(msg.flags ?? [])]).toContain('\\Answered');
        } finally {
          lock.release();
        }
      });

      // too late to undo now
      const late = await alice.send('delete', `/api/outbox/${item.id}`);
      expect(late.status).toBe(409);
      expect(late.body.error.code).toBe('conflict');
    } finally {
      events.close();
    }
  });

  it('undo: a cancelled message never goes out and comes back with its attachments', async () => {
    const up = await alice.agent
      .post('/api/uploads')
      .set(CSRF_HEADER, alice.csrf)
      .set('Content-Type', 'text/plain')
      .set('X-File-Name', encodeURIComponent('Grüße.txt'))
      .send('attached words');
    expect(up.status).toBe(201);
    const subject = `Undo ${Date.now()} — café`;
    const res = await alice.send('post', '/api/messages/send', {
      to: [{ name: 'Bob', address: 'bob@demo.test' }],
      cc: ['alice@demo.test'],
      subject,
      format: 'html',
      html: '<p>Hello <b>Bob</b></p>',
      attachments: [(up.body as Upload).id],
      priority: 'high',
      undoDelayMs: 2000,
    });
    expect(res.status).toBe(202);
    const item = res.body as OutboxItem;
    expect(item.status).toBe('pending');
    expect(((await alice.get('/api/outbox')).body as OutboxListResponse).items.map((i) => i.id)).toContain(item.id);

    // another user cannot see or cancel it
    const bob = new Browser(stack.app);
    await bob.login('bob@demo.test');
    expect((await bob.get(`/api/outbox/${item.id}`)).status).toBe(404);
    expect((await bob.send('delete', `/api/outbox/${item.id}`)).status).toBe(404);

    const cancelled = await alice.send('delete', `/api/outbox/${item.id}`);
    expect(cancelled.status).toBe(200);
    const back = cancelled.body as CancelSendResponse;
    expect(back.state).toMatchObject({ subject, format: 'html', priority: 'high', to: [{ name: 'Bob', address: 'bob@demo.test' }], cc: [{ address: 'alice@demo.test' }] });
    expect(back.state.html).toContain('<b>Bob</b>');
    expect(back.attachments.map((a) => a.filename)).toEqual(['Grüße.txt']);
    expect(back.state.attachments).toEqual([back.attachments[0]!.id]);
    const bytes = await alice.get(back.attachments[0]!.url);
    expect(bytes.text).toBe('attached words');

    expect((await outboxItem(alice, item.id)).status).toBe('cancelled');
    expect((await alice.send('delete', `/api/outbox/${item.id}`)).status).toBe(409);
    // past the time it would have gone out: nothing arrived
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(item.sendAt) - Date.now()) + 700));
    expect(await uidsWithSubject(stack.imap, 'bob@demo.test', 'INBOX', subject)).toEqual([]);
    expect(await uidsWithSubject(stack.imap, 'alice@demo.test', '\\Sent', subject)).toEqual([]);
  });

  it('marks a refused message failed with the error code and tells the browser', async () => {
    const events = await openEvents(server.base, cookie);
    try {
      await events.next((e) => e.event === 'ready');
      const res = await alice.send('post', '/api/messages/send', { to: ['nobody@demo.test'], subject: 'to nobody', text: 'x', undoDelayMs: 100 });
      expect(res.status).toBe(202);
      const id = (res.body as OutboxItem).id;
      const ev = await events.next((e) => e.event === 'outbox' && e.data.id === id);
      expect(ev.data).toMatchObject({ id, status: 'failed', error: { code: 'recipient_refused' } });
      const item = await outboxItem(alice, id);
      expect(item.status).toBe('failed');
      expect(item.error?.code).toBe('recipient_refused');
      expect(item.error?.message).toMatch(/refused/);
      // a failed message can be taken back to compose
      const back = await alice.send('delete', `/api/outbox/${id}`);
      expect(back.status).toBe(200);
      expect((back.body as CancelSendResponse).state.to[0]?.address).toBe('nobody@demo.test');
    } finally {
      events.close();
    }
  });

  it("uses the user's undo delay preference when the request names none", async () => {
    expect((await alice.send('patch', '/api/preferences', { undoSendDelayMs: 0 })).status).toBe(200);
    const now = await alice.send('post', '/api/messages/send', { to: ['bob@demo.test'], subject: `pref0 ${Date.now()}`, text: 'x' });
    expect(now.body.status).toBe('sent');
    expect((await alice.send('patch', '/api/preferences', { undoSendDelayMs: 60_000 })).status).toBe(200);
    const held = await alice.send('post', '/api/messages/send', { to: ['bob@demo.test'], subject: `pref60 ${Date.now()}`, text: 'x' });
    expect(held.body.status).toBe('pending');
    expect(Date.parse(held.body.sendAt)).toBeGreaterThan(Date.now() + 30_000);
    expect((await alice.send('delete', `/api/outbox/${held.body.id}`)).status).toBe(200);
  });

  it('refuses a send time more than a year ahead', async () => {
    const res = await alice.send('post', '/api/messages/send', { to: ['bob@demo.test'], subject: 'x', text: 'x', sendAt: new Date(Date.now() + 400 * 86_400_000).toISOString() });
    expect(res.status).toBe(400);
    expect((await alice.get('/api/outbox/not-an-item')).status).toBe(404);
  });
});

describe('send later', () => {
  it('goes out even when the webmail restarted in between (same data directory)', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-outbox-'));
    const backend = await startBackend('embedded', { perUser: 1 });
    const config = loadConfig(
      {},
      {
        imapHost: backend.imap.host,
        imapPort: backend.imap.port,
        submissionHost: backend.submission.host,
        submissionPort: backend.submission.port,
        dataDir,
        logLevel: 'silent',
      },
    );
    let ctx = createContext(config, createLogger('silent'));
    try {
      const before = new Browser(createApp(ctx));
      await before.login('alice@demo.test');
      const subject = `Later ${Date.now()}`;
      const sendAt = new Date(Date.now() + 1500).toISOString();
      const res = await before.send('post', '/api/messages/send', { to: ['bob@demo.test'], subject, text: 'see you', sendAt });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'pending', sendAt });
      const id = (res.body as OutboxItem).id;

      // the browser is gone and the webmail restarts: a new context on the same data directory
      await closeContext(ctx);
      ctx = createContext(config, createLogger('silent'));
      const after = new Browser(createApp(ctx));
      await after.login('alice@demo.test');
      await expect.poll(async () => (await outboxItem(after, id)).status, { timeout: 15_000, interval: 200 }).toBe('sent');
      await expect.poll(() => uidsWithSubject(backend.imap, 'bob@demo.test', 'INBOX', subject), { timeout: 10_000, interval: 200 }).toHaveLength(1);
      const bobSees = await uidsWithSubject(backend.imap, 'bob@demo.test', 'INBOX', subject);
      const raw = await withImap(backend.imap, 'bob@demo.test', async (c) => {
        const lock = await c.getMailboxLock('INBOX');
        try {
          const msg = await c.fetchOne(String(bobSees[0]), { source: true }, { uid: true });
          if (!msg || !msg.source) throw new Error('message not found');
          return msg.source;
        } finally {
          lock.release();
        }
      });
      expect((await simpleParser(raw)).text?.trim()).toBe('see you');
      // the Sent copy follows the send (recorded as sent first, so a crash never sends twice)
      await expect.poll(() => uidsWithSubject(backend.imap, 'alice@demo.test', '\\Sent', subject), { timeout: 10_000, interval: 200 }).toHaveLength(1);
    } finally {
      await closeContext(ctx);
      await backend.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
