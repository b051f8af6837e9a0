import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../test-support.js';

let stack: TestStack;
let server: Server;
let base: string;

beforeAll(async () => {
  stack = await startTestStack({ perUser: 5 });
  server = stack.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  stack?.ctx.sse.closeAll();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await stack?.close();
});

async function signIn(email: string) {
  const first = await fetch(`${base}/api/session`);
  const csrf = /mr_csrf=([^;]+)/.exec(first.headers.get('set-cookie') ?? '')![1]!;
  const res = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, cookie: `mr_csrf=${csrf}` },
    body: JSON.stringify({ email, password: 'demo' }),
  });
  expect(res.status).toBe(200);
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return cookies;
}

/** Reads SSE frames from a fetch response body until `want` matches one. */
async function nextEvent(reader: ReadableStreamDefaultReader<Uint8Array>, buffer: { text: string }, want: (ev: { event: string; data: any }) => boolean) {
  const decoder = new TextDecoder();
  for (;;) {
    let idx;
    while ((idx = buffer.text.indexOf('\n\n')) >= 0) {
      const frame = buffer.text.slice(0, idx);
      buffer.text = buffer.text.slice(idx + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (event && data) {
        const ev = { event, data: JSON.parse(data) };
        if (want(ev)) return ev;
      }
    }
    const { value, done } = await reader.read();
    if (done) throw new Error('stream ended');
    buffer.text += decoder.decode(value, { stream: true });
  }
}

describe('GET /api/events', () => {
  it('needs a session', async () => {
    expect((await fetch(`${base}/api/events`)).status).toBe(401);
  });

  it('pushes new mail and flag changes made by another client', async () => {
    const cookie = await signIn('alice@demo.test');
    const controller = new AbortController();
    const res = await fetch(`${base}/api/events`, { headers: { cookie }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(res.headers.get('content-encoding')).toBeNull(); // events are never buffered by compression
    const reader = res.body!.getReader();
    const buffer = { text: '' };
    await nextEvent(reader, buffer, (e) => e.event === 'ready');
    await nextEvent(reader, buffer, (e) => e.event === 'mailbox' && e.data.type === 'watching');

    // another client (think Thunderbird) adds a message, then flags it
    const other = new ImapFlow({ host: stack.imap.host, port: stack.imap.port, secure: false, auth: { user: 'alice@demo.test', pass: 'demo' }, logger: false });
    await other.connect();
    const raw = Buffer.from('From: Carol <carol@demo.test>\r\nTo: alice@demo.test\r\nSubject: live\r\n\r\nhello\r\n');
    const appended = await other.append('INBOX', raw);
    const exists = await nextEvent(reader, buffer, (e) => e.event === 'mailbox' && e.data.type === 'exists');
    expect(exists.data.path).toBe('INBOX');

    await other.mailboxOpen('INBOX');
    await other.messageFlagsAdd(String(appended && appended.uid), ['\\Flagged'], { uid: true });
    await other.logout();
    const flags = await nextEvent(reader, buffer, (e) => e.event === 'mailbox' && e.data.type === 'flags');
    expect(flags.data.path).toBe('INBOX');

    controller.abort();
    await expect.poll(() => stack.ctx.watchers.size).toBe(0);
  });

  it('also watches the folder the tab shows', async () => {
    const cookie = await signIn('alice@demo.test');
    const controller = new AbortController();
    const res = await fetch(`${base}/api/events?mailbox=Archive`, { headers: { cookie }, signal: controller.signal });
    const reader = res.body!.getReader();
    const buffer = { text: '' };
    const watching = new Set<string>();
    while (watching.size < 2) watching.add((await nextEvent(reader, buffer, (e) => e.event === 'mailbox' && e.data.type === 'watching')).data.path);
    expect(watching).toEqual(new Set(['INBOX', 'Archive']));
    expect(stack.ctx.watchers.size).toBe(2);

    const other = new ImapFlow({ host: stack.imap.host, port: stack.imap.port, secure: false, auth: { user: 'alice@demo.test', pass: 'demo' }, logger: false });
    await other.connect();
    await other.append('Archive', Buffer.from('Subject: filed elsewhere\r\n\r\nhi\r\n'));
    await other.logout();
    const exists = await nextEvent(reader, buffer, (e) => e.event === 'mailbox' && e.data.type === 'exists');
    expect(exists.data.path).toBe('Archive');
    controller.abort();
    await expect.poll(() => stack.ctx.watchers.size).toBe(0);
  });
});
