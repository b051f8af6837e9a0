// Helpers for the sending tests (not used by the server): IMAP look-ups as the user, a listening
// server with a fetch-based signed-in client, and an SSE frame reader.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ImapFlow } from 'imapflow';
import type { Express } from 'express';

export async function withImap<T>(imap: { host: string; port: number }, user: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({ host: imap.host, port: imap.port, secure: false, auth: { user, pass: 'demo' }, logger: false });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

export async function specialUse(c: ImapFlow, use: string): Promise<string> {
  const path = (await c.list()).find((m) => m.specialUse === use)?.path;
  if (!path) throw new Error(`no ${use} folder`);
  return path;
}

/** UIDs of the messages whose Subject contains `subject` in a mailbox (a special-use name like \\Sent works too). */
export function uidsWithSubject(imap: { host: string; port: number }, user: string, mailbox: string, subject: string): Promise<number[]> {
  return withImap(imap, user, async (c) => {
    const path = mailbox.startsWith('\\') ? await specialUse(c, mailbox) : mailbox;
    const lock = await c.getMailboxLock(path);
    try {
      return (await c.search({ subject }, { uid: true })) || [];
    } finally {
      lock.release();
    }
  });
}

export interface Listening {
  base: string;
  close(): Promise<void>;
}

export async function listen(app: Express): Promise<Listening> {
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Signs in with fetch; returns the cookie header. */
export async function fetchSignIn(base: string, email: string): Promise<string> {
  const first = await fetch(`${base}/api/session`);
  const csrf = /mr_csrf=([^;]+)/.exec(first.headers.get('set-cookie') ?? '')![1]!;
  const res = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, cookie: `mr_csrf=${csrf}` },
    body: JSON.stringify({ email, password: 'demo' }),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

export interface SseEvent {
  event: string;
  data: any;
}

/** Opens /api/events and returns a reader of its frames. */
export async function openEvents(base: string, cookie: string) {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/events`, { headers: { cookie }, signal: controller.signal });
  if (res.status !== 200) throw new Error(`events: ${res.status}`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    async next(want: (ev: SseEvent) => boolean): Promise<SseEvent> {
      for (;;) {
        let idx;
        while ((idx = text.indexOf('\n\n')) >= 0) {
          const frame = text.slice(0, idx);
          text = text.slice(idx + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data) {
            const ev = { event, data: JSON.parse(data) as unknown };
            if (want(ev)) return ev;
          }
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += decoder.decode(value, { stream: true });
      }
    },
    close() {
      controller.abort();
    },
  };
}
