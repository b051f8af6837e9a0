import { describe, expect, it } from 'vitest';
import { openStore, StoreError } from '../src/store/index.js';
import { useTempStoreWithTwoUsers } from './support/temp-store.js';

// Deliveries that arrive while the WAL fsync of the previous group commit runs wait for it and
// are committed together when it returns (store/index.ts, groupCommit and settle). None may stall,
// none may be lost, one failing (over quota) must not take the others with it, and everything
// acknowledged is in the store after it is closed and opened again.

function message(n: number, size = 2000): Buffer {
  return Buffer.from(`From: a@remote.example\r\nTo: u@example.test\r\nSubject: wave ${n}\r\n\r\n${'z'.repeat(size)}\r\n`);
}

const t = useTempStoreWithTwoUsers('mailroom-commit-fsync-');

describe('group commit while the WAL fsync runs', () => {
  it('deliveries spread over many turns of the event loop all commit, with distinct UIDs, and survive a reopen', async () => {
    t.store.setQuota('small@example.test', 3000);
    const pending: Array<Promise<{ uid: number }>> = [];
    // settled at once (a rejection nobody handles yet would be reported as unhandled meanwhile)
    const failing: Array<Promise<unknown>> = [];
    // 200 deliveries, a few per turn of the event loop: most of them arrive while an fsync runs
    for (let n = 0; n < 200; n++) {
      pending.push(t.store.deliver('u@example.test', message(n)));
      if (n % 50 === 25) failing.push(t.store.deliver('small@example.test', message(n, 5000)).then(() => 'delivered', (err: unknown) => err));
      if (n % 3 === 0) await new Promise((r) => setImmediate(r));
    }
    const uids = (await Promise.all(pending)).map((r) => r.uid);
    expect(new Set(uids).size).toBe(200);
    const refused = await Promise.all(failing);
    expect(refused).toHaveLength(4);
    for (const err of refused) {
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('OVERQUOTA');
    }
    const user = t.store.findUser('u@example.test')!;
    const inbox = (await t.store.getMailbox(user.id, 'INBOX'))!;
    expect(await t.store.listUids(inbox.id)).toEqual([...uids].sort((a, b) => a - b));

    t.store.close();
    t.store = openStore({ path: t.file });
    const again = (await t.store.getMailbox(t.store.findUser('u@example.test')!.id, 'INBOX'))!;
    expect(await t.store.listUids(again.id)).toEqual([...uids].sort((a, b) => a - b));
    const raw = await t.store.getRaw(again.id, uids[199]!);
    expect(raw?.toString('latin1')).toContain('Subject: wave 199\r\n');
  });
});
