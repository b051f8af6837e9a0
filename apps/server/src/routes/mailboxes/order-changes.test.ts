import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import type { MessageListResponse } from '@mailroom/shared';
import { BACKEND_KINDS, Browser, startTestStack, type BackendKind, type TestStack } from '../../test-support.js';

// The orders the BFF caches per mailbox state must follow the mailbox when, between two list
// requests of one session, a message arrives and another one is expunged (the count stays the same).
describe.each(BACKEND_KINDS as BackendKind[])('sorted windows after an arrival and an expunge on %s', (kind) => {
  let stack: TestStack;
  let alice: Browser;
  let other: ImapFlow;

  beforeAll(async () => {
    stack = await startTestStack({ backend: kind, perUser: 12 });
    alice = new Browser(stack.app);
    expect((await alice.login('alice@demo.test')).status).toBe(200);
    other = new ImapFlow({ host: stack.imap.host, port: stack.imap.port, secure: false, doSTARTTLS: false, auth: { user: 'alice@demo.test', pass: 'demo' }, logger: false });
    await other.connect();
  });
  afterAll(async () => {
    await other?.logout().catch(() => undefined);
    await stack?.close();
  });

  const list = async () => {
    const res = await alice.get('/api/mailboxes/INBOX/messages?offset=0&limit=50&sort=date&order=desc&previews=0');
    expect(res.status).toBe(200);
    return res.body as MessageListResponse;
  };

  it('shows the new message and drops the expunged one', async () => {
    const before = await list();
    expect(before.total).toBe(12);
    const gone = before.messages[5]!;
    const subject = `Arrived while another left ${Date.now()}`;
    await other.append('INBOX', `From: Bob <bob@demo.test>\r\nTo: alice@demo.test\r\nSubject: ${subject}\r\nDate: ${new Date(Date.now() + 60_000).toUTCString()}\r\n\r\nHi.\r\n`);
    await other.mailboxOpen('INBOX');
    await other.messageDelete(String(gone.uid), { uid: true });
    const after = await list();
    expect(after.total).toBe(12);
    expect(after.messages.length).toBe(12);
    expect(after.messages[0]!.subject).toBe(subject);
    expect(after.messages.map((m) => m.uid)).not.toContain(gone.uid);
  });
});
