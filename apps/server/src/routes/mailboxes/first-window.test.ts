import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import type { MessageListResponse, MessageSummary } from '@mailroom/shared';
import { BACKEND_KINDS, Browser, startTestStack, type BackendKind, type TestStack } from '../../test-support.js';

// A returning sign-in gets INBOX's first window in its answer, read from what the account's last
// session stored, only when INBOX is exactly as it was then (STATUS MESSAGES UIDNEXT UIDVALIDITY
// HIGHESTMODSEQ, CONDSTORE): any change made by another client in between shows in the next
// sign-in's first window.
describe.each(BACKEND_KINDS as BackendKind[])('first window in the sign-in answer on %s', (kind) => {
  let stack: TestStack;
  let other: ImapFlow;
  const FIRST = '/api/mailboxes/INBOX/messages?offset=0&limit=100&sort=date&order=desc';

  beforeAll(async () => {
    stack = await startTestStack({ backend: kind, perUser: 20 });
    other = new ImapFlow({ host: stack.imap.host, port: stack.imap.port, secure: false, doSTARTTLS: false, auth: { user: 'alice@demo.test', pass: 'demo' }, logger: false });
    await other.connect();
  });
  afterAll(async () => {
    await other?.logout().catch(() => undefined);
    await stack?.close();
  });

  // sessions kept open by a test, signed out after it (each holds an IMAP connection)
  const open: Browser[] = [];
  afterEach(async () => {
    for (const b of open.splice(0)) await b.send('delete', '/api/session');
  });

  /** Signs in afresh: the answer's stored window (or undefined) and the session, signed out after the test (or at once). */
  const signIn = async (keep = true) => {
    const browser = new Browser(stack.app);
    const res = await browser.login('alice@demo.test');
    expect(res.status).toBe(200);
    if (keep) open.push(browser);
    else expect((await browser.send('delete', '/api/session')).status).toBe(204);
    return { browser, inbox: res.body.inbox as MessageListResponse | undefined };
  };
  /** What the web app shows first after a sign-in: the answer's window, or the one it asks for. */
  const firstScreen = async () => {
    const { browser, inbox } = await signIn();
    if (inbox) return { stored: true, window: inbox, browser };
    const res = await browser.get(FIRST);
    expect(res.status).toBe(200);
    return { stored: false, window: res.body as MessageListResponse, browser };
  };
  /** Signs in until the answer brings a stored window (the sessions store it in the background). */
  const storedWindow = async () => {
    for (let i = 0; i < 50; i++) {
      const { inbox } = await signIn(false);
      if (inbox) return inbox;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no stored first window after 50 sign-ins');
  };
  const rows = (w: MessageListResponse) => w.messages.map((m: MessageSummary) => [m.uid, m.subject, [...m.flags].sort().join(' '), m.preview]);

  it('answers an unchanged INBOX from the stored window, the same rows the window request gives', async () => {
    const first = await signIn();
    expect(first.inbox).toBeUndefined(); // nothing stored yet
    expect((await first.browser.get(FIRST)).status).toBe(200); // the app asks; the session then stores it
    const stored = await storedWindow();
    const { browser } = await signIn();
    const asked = (await browser.get(FIRST)).body as MessageListResponse;
    expect(rows(stored)).toEqual(rows(asked));
    expect(stored.total).toBe(asked.total);
    expect(stored.messages.length).toBe(20);
    expect(stored.messages.some((m) => m.preview.length > 0)).toBe(true);
  });

  it('shows a flag change, a new message and an expunge made by another client between two sign-ins', async () => {
    await storedWindow();
    await other.mailboxOpen('INBOX');
    const newest = (await firstScreen()).window.messages[0]!;
    expect(newest.flagged).toBe(false);

    // a flag set elsewhere
    await other.messageFlagsAdd(String(newest.uid), ['\\Flagged'], { uid: true });
    const afterFlag = await firstScreen();
    expect(afterFlag.window.messages[0]!.uid).toBe(newest.uid);
    expect(afterFlag.window.messages[0]!.flagged).toBe(true);
    expect(afterFlag.stored).toBe(false); // the stored window was read before the change

    // a new message, the newest by date
    await storedWindow();
    const subject = `Arrived between sign-ins ${Date.now()}`;
    const raw = `From: Bob <bob@demo.test>\r\nTo: alice@demo.test\r\nSubject: ${subject}\r\nDate: ${new Date(Date.now() + 60_000).toUTCString()}\r\nMessage-ID: <between-${Date.now()}@demo.test>\r\n\r\nHello again.\r\n`;
    await other.append('INBOX', raw);
    const afterNew = await firstScreen();
    expect(afterNew.stored).toBe(false);
    expect(afterNew.window.messages[0]!.subject).toBe(subject);
    expect(afterNew.window.total).toBe(21);

    // an expunge
    const stored = await storedWindow();
    expect(stored.messages[0]!.subject).toBe(subject); // stored again, with the new message
    await other.messageDelete(String(stored.messages[0]!.uid), { uid: true });
    const afterExpunge = await firstScreen();
    expect(afterExpunge.stored).toBe(false);
    expect(afterExpunge.window.messages.map((m) => m.subject)).not.toContain(subject);
    expect(afterExpunge.window.total).toBe(20);
  });

  it("follows the session's own changes: a message marked in the webmail is in the next sign-in's stored window", async () => {
    await firstScreen(); // the app asks for the first window: the session stores it
    await storedWindow();
    const { browser, window } = await firstScreen();
    const target = window.messages[1]!;
    const seen = target.seen;
    expect((await browser.send('patch', `/api/mailboxes/INBOX/messages/${target.uid}`, { seen: !seen })).status).toBe(204);
    // the session reads the window again after its change: a later sign-in gets it, with the change
    let found: MessageSummary | undefined;
    for (let i = 0; i < 50 && !found; i++) {
      const { inbox } = await signIn(false);
      const row = inbox?.messages.find((m) => m.uid === target.uid);
      if (row && row.seen === !seen) found = row;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(found?.seen).toBe(!seen);
  });
});
