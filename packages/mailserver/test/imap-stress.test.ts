import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImapFlow } from 'imapflow';
import { compose, connectClient, startTestServer, USER, type TestServer } from './imap-helpers.js';

let srv: TestServer;
const clients: ImapFlow[] = [];

beforeAll(async () => {
  srv = await startTestServer();
  const raw = await compose({ from: 'a@example.org', to: USER, subject: 'seed', text: 'seed text' });
  await srv.store.deliverMany(USER, Array.from({ length: 40 }, () => ({ raw })));
});
afterAll(async () => {
  for (const c of clients) await c.logout().catch(() => undefined);
  await srv?.close();
});

describe('concurrent sessions on one mailbox', () => {
  it('stay consistent while others deliver, flag, move and expunge', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await connectClient(srv.port);
      clients.push(c);
      await c.mailboxOpen('INBOX');
    }
    const raw = await compose({ from: 'b@example.org', to: USER, subject: 'live', text: 'live text' });
    // a deterministic pseudo-random sequence keeps failures reproducible
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    const work = clients.map(async (c, idx) => {
      for (let step = 0; step < 30; step++) {
        const uids = (await c.search({ all: true }, { uid: true })) || [];
        const pick = uids.length ? uids[rnd(uids.length)]! : null;
        switch ((idx + step) % 5) {
          case 0: await srv.store.deliver(USER, raw); break;
          case 1: if (pick) await c.messageFlagsAdd(String(pick), ['\\Seen'], { uid: true }); break;
          case 2: if (pick) await c.messageDelete(String(pick), { uid: true }); break;
          case 3: if (pick) await c.messageMove(String(pick), 'Archive', { uid: true }); break;
          case 4: await c.fetchAll('1:*', { uid: true, flags: true }); break;
        }
      }
    });
    await Promise.all(work);
    for (const c of clients) await c.noop();
    const inbox = (await srv.store.getMailbox(1, 'INBOX'))!;
    const truth = await srv.store.listUids(inbox.id);
    for (const c of clients) {
      expect(c.mailbox && c.mailbox.exists).toBe(truth.length);
      expect(await c.search({ all: true }, { uid: true })).toEqual(truth);
    }
    const archive = (await srv.store.getMailbox(1, 'Archive'))!;
    const archived = await srv.store.listUids(archive.id);
    expect(new Set(archived).size).toBe(archived.length);
  });
});
