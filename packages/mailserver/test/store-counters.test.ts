import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type MailStore } from '../src/store/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-counters-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const msg = (subject: string, body = 'hello world') => Buffer.from(`From: Ann <ann@example.org>\r\nTo: bob@example.test\r\nSubject: ${subject}\r\nDate: Tue, 3 Mar 2026 09:00:00 +0000\r\n\r\n${body}\r\n`);

/** What STATUS must report, computed the slow way from the messages themselves. */
async function recount(store: MailStore, mailboxId: number) {
  const uids = await store.listUids(mailboxId);
  const meta = await store.getMeta(mailboxId, uids);
  const unseen = meta.filter((m) => !m.flags.includes('\\Seen')).map((m) => m.uid);
  return { messages: meta.length, unseen: unseen.length, size: meta.reduce((a, m) => a + m.size, 0), firstUnseenUid: unseen[0] ?? null };
}

async function expectConsistent(store: MailStore, mailboxId: number) {
  const st = await store.mailboxStatus(mailboxId);
  expect({ messages: st.messages, unseen: st.unseen, size: st.size, firstUnseenUid: st.firstUnseenUid }).toEqual(await recount(store, mailboxId));
}

describe('mailbox counters and UID lists', () => {
  it('stay exact through delivery, flag changes, copy, move, expunge, RENAME INBOX and mailbox deletion', async () => {
    const store = openStore({ path: ':memory:' });
    const u = store.createUser('bob@example.test', 'pw');
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    await store.deliverMany('bob@example.test', Array.from({ length: 30 }, (_, i) => ({ raw: msg(`m${i}`, 'x'.repeat(i)), flags: i % 3 === 0 ? ['\\Seen'] : [] })));
    await expectConsistent(store, inbox.id);
    expect((await store.mailboxStatus(inbox.id)).recent).toBe(30);
    expect(await store.claimRecent(inbox.id)).toHaveLength(30);
    expect((await store.mailboxStatus(inbox.id)).recent).toBe(0);

    await store.storeFlags(inbox.id, [2, 3, 4], 'add', ['\\Seen', '\\Flagged']);
    await expectConsistent(store, inbox.id);
    await store.storeFlags(inbox.id, [1, 2], 'remove', ['\\Seen']);
    await store.storeFlags(inbox.id, [5], 'set', ['\\Flagged']);
    await store.storeFlags(inbox.id, [6], 'set', ['\\Seen', '$Label']);
    await expectConsistent(store, inbox.id);

    const archive = (await store.getMailbox(u.id, 'Archive'))!;
    await store.copy(inbox.id, [1, 2, 3, 10], archive.id);
    await store.copy(inbox.id, [11, 12], archive.id, { move: true });
    await expectConsistent(store, inbox.id);
    await expectConsistent(store, archive.id);
    expect(await store.listUids(archive.id)).toEqual([1, 2, 3, 4, 5, 6]);

    await store.storeFlags(inbox.id, [1, 7, 8, 30], 'add', ['\\Deleted']);
    const before = await store.listUids(inbox.id);
    expect(await store.expunge(inbox.id, { uids: [1, 7, 30] })).toEqual([1, 7, 30]);
    expect(await store.listUids(inbox.id)).toEqual(before.filter((x) => ![1, 7, 30].includes(x)));
    expect(await store.expunge(inbox.id)).toEqual([8]);
    await expectConsistent(store, inbox.id);
    await store.append(inbox.id, msg('appended'), { flags: ['\\Seen'] });
    expect((await store.listUids(inbox.id)).at(-1)).toBe(31);
    await expectConsistent(store, inbox.id);

    const moved = await store.listUids(inbox.id);
    await store.renameMailbox(u.id, 'INBOX', 'Old');
    expect(await store.listUids(inbox.id)).toEqual([]);
    await expectConsistent(store, inbox.id);
    const old = (await store.getMailbox(u.id, 'Old'))!;
    expect(await store.listUids(old.id)).toHaveLength(moved.length);
    await expectConsistent(store, old.id);

    await store.deleteMailbox(u.id, 'Old');
    await expect(store.mailboxStatus(old.id)).rejects.toThrow();
    await expectConsistent(store, archive.id);
    store.close();
  });

  it('a returned UID list is the caller\'s own copy', async () => {
    const store = openStore({ path: ':memory:' });
    const u = store.createUser('bob@example.test', 'pw');
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    for (let i = 0; i < 3; i++) await store.deliver('bob@example.test', msg(`m${i}`));
    const a = await store.listUids(inbox.id);
    a.splice(0, 1);
    expect(await store.listUids(inbox.id)).toEqual([1, 2, 3]);
    store.close();
  });

  it('sorts by ARRIVAL and REVERSE ARRIVAL with ties broken by ascending UID, only the given UIDs', async () => {
    const store = openStore({ path: ':memory:' });
    const u = store.createUser('bob@example.test', 'pw');
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    const dates = [5, 3, 5, 1, 3, 5, 2, 9, 1, 3];
    await store.deliverMany('bob@example.test', dates.map((d, i) => ({ raw: msg(`m${i}`), internalDate: new Date(Date.UTC(2026, 0, d)) })));
    const all = dates.map((d, i) => ({ uid: i + 1, d }));
    const expected = (reverse: boolean, uids: number[]) => all.filter((m) => uids.includes(m.uid)).sort((a, b) => (reverse ? b.d - a.d : a.d - b.d) || a.uid - b.uid).map((m) => m.uid);
    for (const uids of [all.map((m) => m.uid), [2, 3, 5, 8, 10], [7], [], [4, 99]]) {
      expect(await store.sort(inbox.id, [{ key: 'arrival', reverse: false }], uids)).toEqual(expected(false, uids));
      expect(await store.sort(inbox.id, [{ key: 'arrival', reverse: true }], uids)).toEqual(expected(true, uids));
    }
    // the general SQL path agrees when a second key is added that never breaks a tie first
    expect(await store.sort(inbox.id, [{ key: 'arrival', reverse: true }, { key: 'size', reverse: false }], all.map((m) => m.uid))).toEqual(expected(true, all.map((m) => m.uid)));
    store.close();
  });

  it('counts the messages of a database created before the counters existed', async () => {
    const file = path.join(tmp, 'old.sqlite');
    let store = openStore({ path: file });
    store.createUser('bob@example.test', 'pw');
    await store.deliverMany('bob@example.test', Array.from({ length: 12 }, (_, i) => ({ raw: msg(`m${i}`), flags: i < 5 ? ['\\Seen'] : [] })));
    store.close();
    // make it look like an older database: no triggers, counters at their column default
    const db = new Database(file);
    for (const t of ['messages_counters_ins', 'messages_counters_del', 'messages_counters_flags', 'messages_counters_move']) db.exec(`DROP TRIGGER ${t}`);
    db.exec('UPDATE mailboxes SET msg_count = 0, unseen_count = 0, total_size = 0');
    db.close();
    store = openStore({ path: file });
    const u = store.findUser('bob@example.test')!;
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    expect(await store.mailboxStatus(inbox.id)).toMatchObject({ messages: 12, unseen: 7, firstUnseenUid: 6 });
    await expectConsistent(store, inbox.id);
    await store.deliver('bob@example.test', msg('new'));
    expect(await store.mailboxStatus(inbox.id)).toMatchObject({ messages: 13, unseen: 8 });
    store.close();
  });
});
