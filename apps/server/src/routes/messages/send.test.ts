import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import type { ContactListResponse, Identity, OutboxListResponse, SendMessageResponse } from '@mailroom/shared';
import { Browser, startTestStack, type TestStack } from '../../test-support.js';
import { uidsWithSubject, withImap, specialUse } from '../../outbox/test-helpers.js';

// Sending at once (no undo delay): the submission server decides, so it runs against both servers.
describe.each(['embedded', 'dovecot-postfix'] as const)('sending at once with the %s backend', (kind) => {
  let stack: TestStack;
  let alice: Browser;

  beforeAll(async () => {
    stack = await startTestStack({ backend: kind, perUser: 2, config: { maxMessageBytes: 200_000 } });
    alice = new Browser(stack.app);
    expect((await alice.login('alice@demo.test')).status).toBe(200);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('sends from the chosen identity, keeps a Sent copy and records the recipients as contacts', async () => {
    const identity = (await alice.send('post', '/api/identities', { name: 'Alice Liddell', email: 'alice@demo.test', replyTo: 'help@demo.test' })).body as Identity;
    const subject = `Now ${Date.now()} Grüße`;
    const res = await alice.send('post', '/api/messages/send', {
      identityId: identity.id,
      to: [{ name: 'Bob Builder', address: 'bob@demo.test' }],
      bcc: ['alice@demo.test'],
      subject,
      text: 'Hello Bob\nÀ bientôt',
      undoDelayMs: 0,
    });
    expect(res.status).toBe(202);
    const body = res.body as SendMessageResponse;
    expect(body).toMatchObject({ status: 'sent', subject, to: ['bob@demo.test', 'alice@demo.test'], savedToSent: true, error: null });
    expect(body.messageId).toMatch(/^<.+@demo\.test>$/);

    // a real MTA queues first and delivers a moment after its 250
    await expect.poll(() => uidsWithSubject(stack.imap, 'bob@demo.test', 'INBOX', subject), { timeout: 15_000, interval: 200 }).toHaveLength(1);
    const [uid] = await uidsWithSubject(stack.imap, 'bob@demo.test', 'INBOX', subject);
    const raw = await withImap(stack.imap, 'bob@demo.test', async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        const msg = await c.fetchOne(String(uid), { source: true }, { uid: true });
        if (!msg || !msg.source) throw new Error('message not found');
        return msg.source;
      } finally {
        lock.release();
      }
    });
    const parsed = await simpleParser(raw);
    expect(parsed.from?.value[0]).toMatchObject({ name: 'Alice Liddell', address: 'alice@demo.test' });
    expect(parsed.replyTo?.value[0]?.address).toBe('help@demo.test');
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.messageId).toBe(body.messageId);

    const sent = await withImap(stack.imap, 'alice@demo.test', async (c) => {
      const path = await specialUse(c, '\\Sent');
      const lock = await c.getMailboxLock(path);
      try {
        const uids = (await c.search({ subject }, { uid: true })) || [];
        const msg = await c.fetchOne(String(uids[0]), { flags: true, source: true }, { uid: true });
        return { count: uids.length, flags: msg ? [...(msg.flags ?? [])] : [], source: msg ? msg.source : undefined };
      } finally {
        lock.release();
      }
    });
    expect(sent.count).toBe(1);
    expect(sent.flags).toContain('\\Seen');
    expect((await simpleParser(sent.source!)).bcc).toBeDefined(); // the Sent copy keeps Bcc

    const contacts = (await alice.get('/api/contacts?q=bob')).body as ContactListResponse;
    expect(contacts.contacts[0]).toMatchObject({ address: 'bob@demo.test', name: 'Bob Builder', saved: false });
    expect(contacts.contacts[0]!.timesContacted).toBeGreaterThanOrEqual(1);
    // sent at once: nothing waits in the outbox
    expect(((await alice.get('/api/outbox')).body as OutboxListResponse).items.filter((i) => i.subject === subject)).toEqual([]);
  });

  it('sends from the default identity when none is chosen, and refuses an unknown one', async () => {
    const subject = `Default ${Date.now()}`;
    const res = await alice.send('post', '/api/messages/send', { to: ['bob@demo.test'], subject, text: 'x', undoDelayMs: 0 });
    expect(res.status).toBe(202);
    const unknown = await alice.send('post', '/api/messages/send', { identityId: 'nope', to: ['bob@demo.test'], subject, text: 'x', undoDelayMs: 0 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/identity/);
  });

  it('reports a refused recipient with 422 recipient_refused', async () => {
    const res = await alice.send('post', '/api/messages/send', { to: ['nobody@demo.test'], subject: 'x', text: 'y', undoDelayMs: 0 });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('recipient_refused');
  });

  it('refuses a message over the limit with 413 before sending, and a message without recipients with 400', async () => {
    const subject = `Big ${Date.now()}`;
    const res = await alice.send('post', '/api/messages/send', { to: ['bob@demo.test'], subject, text: 'a'.repeat(250_000), undoDelayMs: 0 });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('message_too_large');
    const none = await alice.send('post', '/api/messages/send', { subject: 'x', text: 'y' });
    expect(none.status).toBe(400);
    expect(none.body.error.message).toMatch(/recipient/);
  });
});
