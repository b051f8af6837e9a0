import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { simpleParser } from 'mailparser';
import { ImapFlow } from 'imapflow';
import type { MailboxListResponse, MessageDetail, MessageListResponse } from '@mailroom/shared';
import { BACKEND_KINDS, Browser, startTestStack, type TestStack } from './test-support.js';

const inbox = (b: Browser, q = '') => b.get(`/api/mailboxes/INBOX/messages${q}`);

// Every suite runs against each mail backend: the embedded server, Dovecot + Postfix, and the
// embedded server without SORT, THREAD, ESEARCH, QRESYNC, LIST-STATUS and IDLE.
describe.each(BACKEND_KINDS)('with the %s mail backend', (kind) => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ backend: kind, perUser: 30 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  describe('sign in and out', () => {
    it('signs in with the right password, keeps the session in an HttpOnly cookie, and signs out', async () => {
      const b = new Browser(stack.app);
      const res = await b.login('alice@demo.test');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ user: { email: 'alice@demo.test' }, preferences: expect.objectContaining({ conversationView: false }) });
      const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
      const sid = cookies.find((c) => c.startsWith('mr_sid='));
      expect(sid).toMatch(/HttpOnly/i);
      expect(sid).toMatch(/SameSite=Strict/i);
      expect(sid).not.toContain('demo'); // the password never reaches the browser
      expect((await b.get('/api/session')).body.user.email).toBe('alice@demo.test');
      expect((await b.send('delete', '/api/session')).status).toBe(204);
      expect((await b.get('/api/session')).status).toBe(401);
      expect((await b.get('/api/mailboxes')).status).toBe(401);
    });

    it('refuses a wrong password with a clear error and no session', async () => {
      const b = new Browser(stack.app);
      const res = await b.login('alice@demo.test', 'wrong');
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_credentials');
      expect(res.body.error.message).toMatch(/wrong email or password/i);
      expect((await b.get('/api/session')).status).toBe(401);
    });

    it('refuses state-changing requests without the CSRF header', async () => {
      const res = await request(stack.app).post('/api/session').send({ email: 'alice@demo.test', password: 'demo' });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('csrf');
    });

    it('answers a malformed body with 400 and the reason', async () => {
      const b = new Browser(stack.app);
      const res = await b.send('post', '/api/session', { email: 'not-an-address' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
      expect(res.body.error.message).toMatch(/email/);
      const raw = await b.agent.post('/api/session').set('x-csrf-token', b.csrf).set('content-type', 'application/json').send('{"email":');
      expect(raw.status).toBe(400);
      expect(raw.body.error.message).toMatch(/not valid JSON/);
    });
  });

  describe('reading', () => {
    let alice: Browser;
    beforeAll(async () => {
      alice = new Browser(stack.app);
      expect((await alice.login('alice@demo.test')).status).toBe(200);
    });

    it('lists the mailboxes with special-use folders and counts', async () => {
      const res = await alice.get('/api/mailboxes');
      expect(res.status).toBe(200);
      const { mailboxes } = res.body as MailboxListResponse;
      const byPath = new Map(mailboxes.map((m) => [m.path, m]));
      expect(byPath.get('INBOX')?.total).toBeGreaterThanOrEqual(30);
      expect(byPath.get('INBOX')?.unseen).toBeGreaterThan(0);
      for (const use of ['\\Sent', '\\Drafts', '\\Trash', '\\Junk', '\\Archive']) {
        expect(mailboxes.some((m) => m.specialUse === use)).toBe(true);
      }
    });

    it('pages the inbox newest first', async () => {
      const first = (await inbox(alice, '?page=1&pageSize=10')).body as MessageListResponse;
      expect(first.messages).toHaveLength(10);
      expect(first.total).toBeGreaterThanOrEqual(30);
      expect(first.messages[0]?.subject).toBe('Welcome to Mailroom');
      const uids = first.messages.map((m) => m.uid);
      expect([...uids].sort((a, b) => b - a)).toEqual(uids);
      const second = (await inbox(alice, '?page=2&pageSize=10')).body as MessageListResponse;
      expect(second.messages).toHaveLength(10);
      expect(Math.max(...second.messages.map((m) => m.uid))).toBeLessThan(Math.min(...uids));
      const beyond = (await inbox(alice, '?page=999&pageSize=10')).body as MessageListResponse;
      expect(beyond.messages).toEqual([]);
    });

    it('reads a plain message and marks it read', async () => {
      const list = (await inbox(alice, '?pageSize=5')).body as MessageListResponse;
      const welcome = list.messages.find((m) => m.subject === 'Welcome to Mailroom')!;
      const res = await alice.get(`/api/mailboxes/INBOX/messages/${welcome.uid}`);
      expect(res.status).toBe(200);
      const msg = res.body as MessageDetail;
      expect(msg.from[0]?.address).toBe('team@demo.test');
      expect(msg.text).toBeTruthy();
      expect(msg.seen).toBe(true);
      const again = (await inbox(alice, '?pageSize=5')).body as MessageListResponse;
      expect(again.messages.find((m) => m.uid === welcome.uid)?.seen).toBe(true);
    });

    it('reads an HTML newsletter with its raw HTML for the client to sanitise', async () => {
      const list = (await inbox(alice, '?pageSize=5')).body as MessageListResponse;
      const news = list.messages.find((m) => m.subject.startsWith('Mailroom Weekly'))!;
      const msg = (await alice.get(`/api/mailboxes/INBOX/messages/${news.uid}`)).body as MessageDetail;
      expect(msg.html).toMatch(/<img[^>]+src="https?:/i);
    });

    it('lists and downloads attachments safely', async () => {
      const list = (await inbox(alice, '?pageSize=30')).body as MessageListResponse;
      let found: MessageDetail | undefined;
      for (const m of list.messages.filter((x) => x.hasAttachments)) {
        const msg = (await alice.get(`/api/mailboxes/INBOX/messages/${m.uid}`)).body as MessageDetail;
        if (msg.attachments.some((a) => a.contentType === 'application/pdf')) {
          found = msg;
          break;
        }
      }
      expect(found, 'a seeded message with a PDF').toBeDefined();
      const pdf = found!.attachments.find((a) => a.contentType === 'application/pdf')!;
      const res = await alice.agent.get(pdf.url).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-disposition']).toMatch(/^attachment;/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect((res.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
      expect((await alice.get(`/api/mailboxes/INBOX/messages/${found!.uid}/attachments/99`)).status).toBe(404);
    });

    it('changes flags', async () => {
      const list = (await inbox(alice, '?pageSize=3')).body as MessageListResponse;
      const uid = list.messages[2]!.uid;
      expect((await alice.send('patch', `/api/mailboxes/INBOX/messages/${uid}`, { flagged: true, seen: false })).status).toBe(204);
      const after = (await inbox(alice, '?pageSize=3')).body as MessageListResponse;
      const m = after.messages.find((x) => x.uid === uid)!;
      expect(m.flagged).toBe(true);
      expect(m.seen).toBe(false);
      expect((await alice.send('patch', `/api/mailboxes/INBOX/messages/${uid}`, {})).status).toBe(400);
    });

    it('answers an unknown mailbox or UID with 404 and a bad UID with 400', async () => {
      const nobox = await alice.get('/api/mailboxes/No%20Such%20Folder/messages');
      expect(nobox.status).toBe(404);
      expect(nobox.body.error.code).toBe('not_found');
      expect((await alice.get('/api/mailboxes/INBOX/messages/999999')).status).toBe(404);
      expect((await alice.get('/api/mailboxes/INBOX/messages/abc')).status).toBe(400);
      expect((await alice.get('/api/nothing-here')).status).toBe(404);
    });
  });

  describe('sending', () => {
    it('sends to bob, who receives it, and keeps a copy in Sent', async () => {
      const alice = new Browser(stack.app);
      await alice.login('alice@demo.test');
      const subject = `Lunch on Friday? ${Date.now()} — Grüße 🍕`;
      const res = await alice.send('post', '/api/messages/send', {
        to: ['bob@demo.test'],
        bcc: ['alice@demo.test'],
        undoDelayMs: 0,
        subject,
        text: 'Shall we try the new place?\nÀ bientôt',
      });
      expect(res.status).toBe(202);
      expect(res.body.savedToSent).toBe(true);

      const bob = new Browser(stack.app);
      await bob.login('bob@demo.test');
      // a real MTA (Postfix) queues first and delivers a moment after its 250
      let got: MessageListResponse['messages'][number] | undefined;
      await expect
        .poll(
          async () => {
            const list = (await bob.get('/api/mailboxes/INBOX/messages?pageSize=5')).body as MessageListResponse;
            got = list.messages.find((m) => m.subject === subject);
            return got;
          },
          { timeout: 10_000, interval: 200 },
        )
        .toBeDefined();
      expect(got).toBeDefined();
      expect(got!.from[0]?.address).toBe('alice@demo.test');
      const detail = (await bob.get(`/api/mailboxes/INBOX/messages/${got!.uid}`)).body as MessageDetail;
      expect(detail.text).toContain('À bientôt');

      // bob's copy has no Bcc header; alice's Sent copy keeps it
      const client = new ImapFlow({ host: stack.imap.host, port: stack.imap.port, secure: false, auth: { user: 'bob@demo.test', pass: 'demo' }, logger: false });
      await client.connect();
      await client.mailboxOpen('INBOX');
      const raw = await client.fetchOne(String(got!.uid), { source: true }, { uid: true });
      await client.logout();
      const parsed = await simpleParser(raw && raw.source ? raw.source : Buffer.alloc(0));
      expect(parsed.subject).toBe(subject);
      expect(parsed.headers.has('bcc')).toBe(false);

      const mailboxes = (await alice.get('/api/mailboxes')).body as MailboxListResponse;
      const sentPath = mailboxes.mailboxes.find((m) => m.specialUse === '\\Sent')!.path;
      const sent = (await alice.get(`/api/mailboxes/${encodeURIComponent(sentPath)}/messages?pageSize=5`)).body as MessageListResponse;
      expect(sent.messages.some((m) => m.subject === subject)).toBe(true);
    });

    it('refuses to send without recipients', async () => {
      const alice = new Browser(stack.app);
      await alice.login('alice@demo.test');
      const res = await alice.send('post', '/api/messages/send', { subject: 'x', text: 'y' });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/recipient/);
    });

    it('reports a refused recipient clearly', async () => {
      const alice = new Browser(stack.app);
      await alice.login('alice@demo.test');
      const res = await alice.send('post', '/api/messages/send', { to: ['nobody@demo.test'], subject: 'x', text: 'y', undoDelayMs: 0 });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('recipient_refused');
    });
  });

  describe('health', () => {
    it('is 200 when IMAP and SMTP answer', async () => {
      const res = await request(stack.app).get('/api/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', imap: true, smtp: true });
    });
  });
});
