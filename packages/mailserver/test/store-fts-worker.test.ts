import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ftsIndexOf, openStore, type MailStore } from '../src/store/index.js';
import { ftsPathFor } from '../src/store/fts-index.js';

// The full-text index lives in its own SQLite file, written by a worker thread after the commit.
// Whatever happens to the worker or the index file, SEARCH sees every delivered message.
const dir = mkdtempSync(path.join(tmpdir(), 'mailroom-fts-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function message(subject: string, body: string): Buffer {
  return Buffer.from(`From: a@remote.example\r\nTo: u@example.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`);
}

function setup(file: string): MailStore {
  const s = openStore({ path: file });
  s.addDomain('example.test');
  s.createUser('u@example.test', 'pw');
  return s;
}

async function inbox(s: MailStore): Promise<number> {
  return (await s.getMailbox(s.findUser('u@example.test')!.id, 'INBOX'))!.id;
}

function count(file: string, sql: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('full-text index on a worker thread', () => {
  it('a search right after 60 concurrent deliveries finds every one of them, 100 KB bodies included', async () => {
    const file = path.join(dir, 'burst.sqlite');
    const s = setup(file);
    try {
      const big = 'lorem ipsum dolor '.repeat(6000);
      await Promise.all(Array.from({ length: 60 }, (_, i) => s.deliver('u@example.test', message(`m${i}`, `${i % 2 ? big : ''} needle-${i} shared-word`))));
      const box = await inbox(s);
      expect(await s.search(box, { type: 'body', value: 'shared-word' })).toHaveLength(60);
      expect(await s.search(box, { type: 'body', value: 'needle-17' })).toEqual([18]);
      expect(existsSync(ftsPathFor(file))).toBe(true);
    } finally {
      s.close();
    }
  });

  it('more text than may be in flight at once is indexed in the background, without a search asking for it', async () => {
    const file = path.join(dir, 'backlog.sqlite');
    const s = openStore({ path: file, ftsMaxInflightChars: 20_000 });
    try {
      s.addDomain('example.test');
      s.createUser('u@example.test', 'pw');
      for (let round = 0; round < 3; round++) {
        await Promise.all(Array.from({ length: 150 }, (_, i) => s.deliver('u@example.test', message(`b${round}-${i}`, `backlog-text-${round} ${'filler words '.repeat(80)}`))));
      }
      for (let i = 0; i < 250 && count(file, 'SELECT count(*) FROM fts_pending') > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(count(file, 'SELECT count(*) FROM fts_pending')).toBe(0);
      const box = await inbox(s);
      for (let round = 0; round < 3; round++) expect(await s.search(box, { type: 'body', value: `backlog-text-${round}` })).toHaveLength(150);
    } finally {
      s.close();
    }
  });

  it('a search while more than may be in flight waits is complete', async () => {
    const file = path.join(dir, 'backlog-search.sqlite');
    const s = openStore({ path: file, ftsMaxInflightChars: 20_000 });
    try {
      s.addDomain('example.test');
      s.createUser('u@example.test', 'pw');
      await Promise.all(Array.from({ length: 80 }, (_, i) => s.deliver('u@example.test', message(`c${i}`, `crowded-text ${'more filler '.repeat(300)}`))));
      expect(await s.search(await inbox(s), { type: 'body', value: 'crowded-text' })).toHaveLength(80);
    } finally {
      s.close();
    }
  });

  it('a worker that dies is replaced and nothing it held is missing from searches', async () => {
    const file = path.join(dir, 'crash.sqlite');
    const s = setup(file);
    try {
      const box = await inbox(s);
      await s.deliver('u@example.test', message('first', 'before-the-crash'));
      expect(await s.search(box, { type: 'body', value: 'before-the-crash' })).toHaveLength(1);
      const fts = ftsIndexOf(s)!;
      for (let round = 0; round < 2; round++) {
        const delivered = Promise.all(Array.from({ length: 20 }, (_, i) => s.deliver('u@example.test', message(`r${round}-${i}`, `round-${round}-text`))));
        await delivered;
        expect(await fts.killWorker()).toBe(true);
        expect(await s.search(box, { type: 'body', value: `round-${round}-text` })).toHaveLength(20);
      }
      expect(await s.search(box, { type: 'body', value: 'before-the-crash' })).toHaveLength(1);
      // the pending rows go once the new worker committed the entries
      for (let i = 0; i < 100 && count(file, 'SELECT count(*) FROM fts_pending') > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(count(file, 'SELECT count(*) FROM fts_pending')).toBe(0);
    } finally {
      s.close();
    }
  });

  it('rebuilds what is missing when the index file is lost, and drops entries of messages that are gone', async () => {
    const file = path.join(dir, 'lost.sqlite');
    const a = setup(file);
    const box = await inbox(a);
    for (let i = 0; i < 5; i++) await a.deliver('u@example.test', message(`keep${i}`, `persistent-text-${i}`));
    expect(await a.search(box, { type: 'body', value: 'persistent-text' })).toHaveLength(5);
    a.close();
    await new Promise((r) => setTimeout(r, 100)); // the worker finishes what it was given
    for (const suffix of ['', '-wal', '-shm']) rmSync(ftsPathFor(file) + suffix, { force: true });

    const b = openStore({ path: file });
    try {
      expect(await b.search(await inbox(b), { type: 'body', value: 'persistent-text' })).toHaveLength(5);
      expect(await b.search(await inbox(b), { type: 'body', value: 'persistent-text-3' })).toEqual([4]);
      // expunge two; after a restart the index holds entries of the three left only
      await b.storeFlags(await inbox(b), [1, 2], 'add', ['\\Deleted']);
      await b.expunge(await inbox(b));
      expect(await b.search(await inbox(b), { type: 'body', value: 'persistent-text' })).toEqual([3, 4, 5]);
    } finally {
      b.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    const c = openStore({ path: file });
    try {
      expect(await c.search(await inbox(c), { type: 'body', value: 'persistent-text' })).toEqual([3, 4, 5]);
      expect(count(ftsPathFor(file), 'SELECT count(*) FROM messages_fts')).toBe(3);
    } finally {
      c.close();
    }
  });

  it('moves an index kept in the store file by an older version into its own file', async () => {
    const file = path.join(dir, 'legacy.sqlite');
    const a = setup(file);
    for (let i = 0; i < 3; i++) await a.deliver('u@example.test', message(`old${i}`, `legacy-body-${i}`));
    await a.search(await inbox(a), { type: 'body', value: 'legacy' });
    a.close();
    await new Promise((r) => setTimeout(r, 100));
    // what an older version left: the FTS table inside mail.sqlite, no index file
    for (const suffix of ['', '-wal', '-shm']) rmSync(ftsPathFor(file) + suffix, { force: true });
    const db = new Database(file);
    db.exec("CREATE VIRTUAL TABLE messages_fts USING fts5 (subject, sender, recipients, body, tokenize = 'trigram')");
    db.close();

    const b = openStore({ path: file });
    try {
      expect(await b.search(await inbox(b), { type: 'body', value: 'legacy-body' })).toHaveLength(3);
    } finally {
      b.close();
    }
    expect(count(file, "SELECT count(*) FROM sqlite_master WHERE name = 'messages_fts'")).toBe(0);
  });

  it('once close() returned, nothing touches the files any more (the directory can go at once)', async () => {
    const sub = mkdtempSync(path.join(dir, 'close-'));
    const s = setup(path.join(sub, 'mail.sqlite'));
    await Promise.all(Array.from({ length: 30 }, (_, i) => s.deliver('u@example.test', message(`z${i}`, `closing-text ${'pad '.repeat(2000)}`))));
    s.close();
    const before = readdirSync(sub).sort();
    expect(before).toEqual(['mail.fts.sqlite', 'mail.sqlite']); // WAL files removed by the last connection
    rmSync(sub, { recursive: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(sub)).toBe(false);
  });

  it('an in-memory store indexes on the main thread', async () => {
    const s = openStore({ path: ':memory:' });
    try {
      s.createUser('u@example.test', 'pw');
      await s.deliver('u@example.test', message('mem', 'memory-only-text'));
      expect(await s.search(await inbox(s), { type: 'body', value: 'memory-only' })).toHaveLength(1);
      expect(await ftsIndexOf(s)!.killWorker()).toBe(false);
    } finally {
      s.close();
    }
  });
});
