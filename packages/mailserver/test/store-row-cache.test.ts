import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/index.js';
import { CacheValidity, DATA_VERSION_TTL_MS, RowCache } from '../src/store/row-cache.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-row-cache-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const msg = (subject: string) => Buffer.from(`From: Ann <ann@example.org>\r\nTo: bob@example.test\r\nSubject: ${subject}\r\n\r\nhello\r\n`);

describe('mailbox rows cached between writes', () => {
  it('STATUS follows every change this connection makes, at once', async () => {
    const store = openStore({ path: ':memory:' });
    const u = store.createUser('bob@example.test', 'pw');
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    const status = () => store.mailboxStatus(inbox.id, { recent: false, firstUnseen: false });
    expect((await status()).messages).toBe(0);
    await store.deliver('bob@example.test', msg('one'));
    await store.deliver('bob@example.test', msg('two'));
    let st = await status();
    expect([st.messages, st.unseen, st.uidnext]).toEqual([2, 2, 3]);
    await store.storeFlags(inbox.id, [1], 'add', ['\\Seen']);
    st = await status();
    expect(st.unseen).toBe(1);
    expect(st.highestmodseq).toBeGreaterThan(inbox.highestmodseq);
    await store.storeFlags(inbox.id, [2], 'add', ['\\Deleted']);
    await store.expunge(inbox.id);
    st = await status();
    expect([st.messages, st.unseen]).toEqual([1, 0]);
    // names: a renamed mailbox is gone under its old name and found under the new one
    await store.createMailbox(u.id, 'Projects');
    expect(await store.getMailbox(u.id, 'Projects')).not.toBeNull();
    await store.renameMailbox(u.id, 'Projects', 'Work');
    expect(await store.getMailbox(u.id, 'Projects')).toBeNull();
    expect((await store.getMailbox(u.id, 'Work'))?.name).toBe('Work');
    await store.deleteMailbox(u.id, 'Work');
    expect(await store.getMailbox(u.id, 'Work')).toBeNull();
    store.close();
  });

  it('sees what another process committed once DATA_VERSION_TTL_MS has passed', async () => {
    const file = path.join(tmp, 'two.sqlite');
    const a = openStore({ path: file });
    const u = a.createUser('bob@example.test', 'pw');
    const box = (await a.getMailbox(u.id, 'INBOX'))!;
    expect((await a.mailboxStatus(box.id, { recent: false, firstUnseen: false })).messages).toBe(0);
    expect(await a.getMailbox(u.id, 'Later')).toBeNull();
    const b = openStore({ path: file });
    await b.deliver('bob@example.test', msg('from b'));
    await b.createMailbox(u.id, 'Later');
    b.close();
    await sleep(DATA_VERSION_TTL_MS + 5);
    expect((await a.mailboxStatus(box.id, { recent: false, firstUnseen: false })).messages).toBe(1);
    expect(await a.getMailbox(u.id, 'Later')).not.toBeNull();
    a.close();
  });

  it('never keeps a row read inside a transaction that is rolled back, and hands out frozen rows', async () => {
    const db = new Database(path.join(tmp, 'raw.sqlite'));
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)');
    db.prepare('INSERT INTO t VALUES (1, 10)').run();
    const read = db.prepare<[number], { id: number; n: number }>('SELECT * FROM t WHERE id = ?');
    let loads = 0;
    const cache = new RowCache<number, { id: number; n: number }>(db, new CacheValidity(db), (id) => {
      loads++;
      return read.get(id);
    });
    expect(cache.get(1)?.n).toBe(10);
    expect(cache.get(1)?.n).toBe(10);
    expect(loads).toBe(1);
    expect(() => {
      (cache.get(1) as { n: number }).n = 99;
    }).toThrow(TypeError);

    const update = db.prepare('UPDATE t SET n = ? WHERE id = 1');
    expect(() =>
      db.transaction(() => {
        update.run(11);
        expect(cache.get(1)?.n).toBe(11); // inside: read through, not cached
        throw new Error('roll back');
      })(),
    ).toThrow('roll back');
    expect(cache.get(1)?.n).toBe(10);
    update.run(12);
    expect(cache.get(1)?.n).toBe(12);
    expect(cache.get(2)).toBeUndefined();
    db.prepare('INSERT INTO t VALUES (2, 20)').run();
    expect(cache.get(2)?.n).toBe(20);
    db.close();
  });
});
