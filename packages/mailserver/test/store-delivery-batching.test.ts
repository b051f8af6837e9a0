import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, StoreError, type MailStore } from '../src/store/index.js';

// The delivery write path: concurrent deliveries share one commit (group commit) without one
// failure undoing the others, and the full-text index of delivered mail is built after the commit
// (fts_pending) but always before anything reads it.
let dir: string;
let store: MailStore;

function message(subject: string, body: string): Buffer {
  return Buffer.from(`From: a@remote.example\r\nTo: u@example.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`);
}

async function inboxId(s: MailStore, email: string): Promise<number> {
  const user = s.findUser(email)!;
  return (await s.getMailbox(user.id, 'INBOX'))!.id;
}

function pendingRows(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM fts_pending').pluck().get() as number;
  } finally {
    db.close();
  }
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-batching-'));
  store = openStore({ path: path.join(dir, 'mail.sqlite') });
  store.addDomain('example.test');
  store.createUser('u@example.test', 'pw');
  store.createUser('small@example.test', 'pw');
});

afterAll(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('group commit of deliveries', () => {
  it('delivers concurrent messages with distinct UIDs; an over-quota one fails alone', async () => {
    await store.deliver('small@example.test', message('first', 'x'.repeat(100)));
    store.setQuota('small@example.test', 400);
    const results = await Promise.allSettled([
      store.deliver('u@example.test', message('one', 'alpha')),
      store.deliver('small@example.test', message('too big', 'y'.repeat(500))),
      store.deliver('u@example.test', message('two', 'beta')),
      store.deliver('u@example.test', message('three', 'gamma')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const rejected = results[1] as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(StoreError);
    expect((rejected.reason as StoreError).code).toBe('OVERQUOTA');
    const uids = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ uid: number }>).value.uid);
    expect(new Set(uids).size).toBe(3);
    expect(await store.listUids(await inboxId(store, 'u@example.test'))).toEqual([...uids].sort((a, b) => a - b));
    expect(await store.listUids(await inboxId(store, 'small@example.test'))).toHaveLength(1);
  });
});

describe('deferred full-text indexing', () => {
  it('a BODY search right after delivery finds the message', async () => {
    await store.deliver('u@example.test', message('report', 'the zanzibar-quarterly numbers'));
    const box = await inboxId(store, 'u@example.test');
    const found = await store.search(box, { type: 'body', value: 'zanzibar-quarterly' });
    expect(found).toHaveLength(1);
  });

  it('a copy made before the index caught up is searchable in its new mailbox', async () => {
    const { uid } = await store.deliver('u@example.test', message('copied', 'kilimanjaro-expedition'));
    const user = store.findUser('u@example.test')!;
    const box = await inboxId(store, 'u@example.test');
    const archive = (await store.getMailbox(user.id, 'Archive'))!.id;
    await store.copy(box, [uid], archive);
    expect(await store.search(archive, { type: 'body', value: 'kilimanjaro' })).toHaveLength(1);
  });

  it('indexes by itself once deliveries pause, and after a restart what a crash left pending', async () => {
    const file = path.join(dir, 'restart.sqlite');
    const a = openStore({ path: file });
    a.addDomain('example.test');
    a.createUser('u@example.test', 'pw');
    await a.deliver('u@example.test', message('idle', 'orinoco-delta'));
    for (let i = 0; i < 100 && pendingRows(file) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(pendingRows(file)).toBe(0);

    // a delivery committed, then the process "crashed" before the indexer ran
    await a.deliver('u@example.test', message('crash', 'mekong-river'));
    a.close();
    expect(pendingRows(file)).toBe(1);
    const b = openStore({ path: file });
    try {
      for (let i = 0; i < 100 && pendingRows(file) > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(pendingRows(file)).toBe(0);
      const box = await inboxId(b, 'u@example.test');
      expect(await b.search(box, { type: 'body', value: 'mekong-river' })).toHaveLength(1);
      expect(await b.search(box, { type: 'body', value: 'orinoco' })).toHaveLength(1);
    } finally {
      b.close();
    }
  });

  it('an expunged message leaves nothing pending', async () => {
    const { uid } = await store.deliver('u@example.test', message('gone', 'ephemeral-text'));
    const box = await inboxId(store, 'u@example.test');
    await store.storeFlags(box, [uid], 'add', ['\\Deleted']);
    await store.expunge(box);
    expect(await store.search(box, { type: 'body', value: 'ephemeral-text' })).toEqual([]);
    expect(pendingRows(path.join(dir, 'mail.sqlite'))).toBe(0);
  });
});
