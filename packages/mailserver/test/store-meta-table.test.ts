import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type MailStore } from '../src/store/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-meta-table-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const msg = (subject: string) => Buffer.from(`From: Ann <ann@example.org>\r\nTo: bob@example.test\r\nSubject: ${subject}\r\nDate: Tue, 3 Mar 2026 09:00:00 +0000\r\n\r\nhello\r\n`);

/** The metadata table must equal what the messages themselves say, read the slow way. */
async function expectTableExact(store: MailStore, mailboxId: number) {
  const snap = (await store.metaSnapshot(mailboxId))!;
  const uids = await store.listUids(mailboxId);
  const meta = await store.getMeta(mailboxId, uids);
  expect([...snap.uids]).toEqual(meta.map((m) => m.uid));
  expect([...snap.flags]).toEqual(meta.map((m) => m.flags.join(' ')));
  expect([...snap.modseqs]).toEqual(meta.map((m) => m.modseq));
  expect([...snap.internaldates]).toEqual(meta.map((m) => m.internaldate));
  expect([...snap.sizes]).toEqual(meta.map((m) => m.size));
  const dates = meta.map((m) => m.internaldate);
  expect(snap.arrivalInUidOrder).toBe(dates.every((d, i) => i === 0 || d >= dates[i - 1]!));
  return snap;
}

describe('metadata table (flag syncs, UID lists, SORT ARRIVAL)', () => {
  it('follows delivery, flag changes, expunge, copy, move and RENAME INBOX incrementally', async () => {
    const store = openStore({ path: ':memory:' });
    const u = store.createUser('bob@example.test', 'pw');
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    const archive = (await store.getMailbox(u.id, 'Archive'))!;
    await store.deliverMany('bob@example.test', Array.from({ length: 40 }, (_, i) => ({ raw: msg(`m${i}`), flags: i % 4 === 0 ? ['\\Seen'] : [], internalDate: new Date(Date.UTC(2026, 0, 1 + i)) })));
    const first = await expectTableExact(store, inbox.id);
    expect(first.arrivalInUidOrder).toBe(true);

    await store.storeFlags(inbox.id, [2, 3, 4], 'add', ['\\Flagged', '$Work']);
    await expectTableExact(store, inbox.id);
    // a snapshot handed out before an expunge keeps its own rows
    const before = await store.metaSnapshot(inbox.id);
    const beforeUids = [...before!.uids];
    await store.storeFlags(inbox.id, [5, 6, 30], 'add', ['\\Deleted']);
    expect(await store.expunge(inbox.id)).toEqual([5, 6, 30]);
    await expectTableExact(store, inbox.id);
    expect([...before!.uids]).toEqual(beforeUids);

    // an older INTERNALDATE than the last message: ARRIVAL is no longer UID order
    await store.append(inbox.id, msg('old'), { internalDate: new Date(Date.UTC(2020, 0, 1)) });
    expect((await expectTableExact(store, inbox.id)).arrivalInUidOrder).toBe(false);
    expect((await store.sort(inbox.id, [{ key: 'arrival', reverse: false }], await store.listUids(inbox.id)))[0]).toBe(41);

    await store.copy(inbox.id, [1, 2], archive.id);
    await store.copy(inbox.id, [7, 8], archive.id, { move: true });
    await expectTableExact(store, inbox.id);
    await expectTableExact(store, archive.id);
    await store.deliver('bob@example.test', msg('to archive'), { mailbox: 'Archive' });
    await expectTableExact(store, archive.id);

    await store.renameMailbox(u.id, 'INBOX', 'Old');
    expect([...(await expectTableExact(store, inbox.id)).uids]).toEqual([]);
    const old = (await store.getMailbox(u.id, 'Old'))!;
    expect((await expectTableExact(store, old.id)).uids).toHaveLength(36);

    await store.deleteMailbox(u.id, 'Old');
    expect(await store.metaSnapshot(old.id)).toBeNull();
    // a new mailbox may get the deleted one's id: its table starts empty
    const again = await store.createMailbox(u.id, 'Old');
    expect([...(await expectTableExact(store, again.id)).uids]).toEqual([]);
    store.close();
  });

  it('sees changes another process made to the same database file', async () => {
    const file = path.join(tmp, 'two.sqlite');
    const a = openStore({ path: file });
    const u = a.createUser('bob@example.test', 'pw');
    const box = (await a.getMailbox(u.id, 'INBOX'))!;
    await a.deliverMany('bob@example.test', Array.from({ length: 10 }, (_, i) => ({ raw: msg(`m${i}`) })));
    await expectTableExact(a, box.id);
    const b = openStore({ path: file });
    await b.storeFlags(box.id, [3], 'set', ['\\Answered']);
    await b.storeFlags(box.id, [4], 'add', ['\\Deleted']);
    await b.expunge(box.id);
    await b.deliver('bob@example.test', msg('late'));
    b.close();
    const snap = await expectTableExact(a, box.id);
    expect(snap.flags[snap.uids.indexOf(3)]).toBe('\\Answered');
    expect(snap.uids).not.toContain(4);
    a.close();
  });

  it('reads the whole table again when the tombstones it relies on are gone', async () => {
    const file = path.join(tmp, 'pruned.sqlite');
    const store = openStore({ path: file });
    const u = store.createUser('bob@example.test', 'pw');
    const box = (await store.getMailbox(u.id, 'INBOX'))!;
    await store.deliverMany('bob@example.test', Array.from({ length: 10 }, (_, i) => ({ raw: msg(`m${i}`) })));
    await expectTableExact(store, box.id);
    await store.storeFlags(box.id, [2], 'add', ['\\Deleted']);
    await store.expunge(box.id);
    const db = new Database(file);
    db.prepare('DELETE FROM expunged').run();
    db.close();
    expect([...(await expectTableExact(store, box.id)).uids]).not.toContain(2);
    store.close();
  });

  it('\\Recent in a store from before recent_floor: the column is added and the stored flags keep their meaning', async () => {
    const file = path.join(tmp, 'old-recent.sqlite');
    const store = openStore({ path: file });
    const u = store.createUser('bob@example.test', 'pw');
    const box = (await store.getMailbox(u.id, 'INBOX'))!;
    await store.deliverMany('bob@example.test', Array.from({ length: 4 }, (_, i) => ({ raw: msg(`m${i}`) })));
    store.close();
    // the old schema: no recent_floor, \\Recent cleared row by row (messages 1 and 2 were seen by a session)
    const db = new Database(file);
    db.exec('ALTER TABLE mailboxes DROP COLUMN recent_floor');
    db.prepare('UPDATE messages SET recent = 0 WHERE uid <= 2').run();
    db.close();
    const again = openStore({ path: file });
    expect((await again.mailboxStatus(box.id)).recent).toBe(2);
    expect(await again.claimRecent(box.id)).toEqual([3, 4]);
    expect((await again.mailboxStatus(box.id)).recent).toBe(0);
    again.close();
  });

  it('\\Recent: SELECT claims the new messages without rewriting them, STATUS counts what is left', async () => {
    const store = openStore({ path: ':memory:' });
    const u = store.createUser('bob@example.test', 'pw');
    const box = (await store.getMailbox(u.id, 'INBOX'))!;
    await store.deliverMany('bob@example.test', Array.from({ length: 5 }, (_, i) => ({ raw: msg(`m${i}`) })));
    expect((await store.mailboxStatus(box.id)).recent).toBe(5);
    expect(await store.claimRecent(box.id)).toEqual([1, 2, 3, 4, 5]);
    expect(await store.claimRecent(box.id)).toEqual([]);
    await store.deliver('bob@example.test', msg('new'));
    await store.copy(box.id, [1], box.id);
    expect((await store.mailboxStatus(box.id)).recent).toBe(2);
    expect(await store.claimRecent(box.id)).toEqual([6, 7]);
    expect((await store.mailboxStatus(box.id)).recent).toBe(0);
    store.close();
  });
});
