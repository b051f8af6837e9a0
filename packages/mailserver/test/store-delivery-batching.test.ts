import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore, StoreError, type MailStore } from '../src/store/index.js';
import { useTempStoreWithTwoUsers } from './support/temp-store.js';

// The delivery write path: concurrent deliveries share one commit (group commit) without one
// failure undoing the others, and the full-text index of delivered mail is built after the commit
// (fts_pending) but always before anything reads it.

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

const t = useTempStoreWithTwoUsers('mailroom-batching-');

describe('group commit of deliveries', () => {
  it('delivers concurrent messages with distinct UIDs; an over-quota one fails alone', async () => {
    await t.store.deliver('small@example.test', message('first', 'x'.repeat(100)));
    t.store.setQuota('small@example.test', 400);
    const results = await Promise.allSettled([
      t.store.deliver('u@example.test', message('one', 'alpha')),
      t.store.deliver('small@example.test', message('too big', 'y'.repeat(500))),
      t.store.deliver('u@example.test', message('two', 'beta')),
      t.store.deliver('u@example.test', message('three', 'gamma')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const rejected = results[1] as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(StoreError);
    expect((rejected.reason as StoreError).code).toBe('OVERQUOTA');
    const uids = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ uid: number }>).value.uid);
    expect(new Set(uids).size).toBe(3);
    expect(await t.store.listUids(await inboxId(t.store, 'u@example.test'))).toEqual([...uids].sort((a, b) => a - b));
    expect(await t.store.listUids(await inboxId(t.store, 'small@example.test'))).toHaveLength(1);
  });
});

describe('deferred full-text indexing', () => {
  it('a BODY search right after delivery finds the message', async () => {
    await t.store.deliver('u@example.test', message('report', 'the zanzibar-quarterly numbers'));
    const box = await inboxId(t.store, 'u@example.test');
    const found = await t.store.search(box, { type: 'body', value: 'zanzibar-quarterly' });
    expect(found).toHaveLength(1);
  });

  it('a copy made before the index caught up is searchable in its new mailbox', async () => {
    const { uid } = await t.store.deliver('u@example.test', message('copied', 'kilimanjaro-expedition'));
    const user = t.store.findUser('u@example.test')!;
    const box = await inboxId(t.store, 'u@example.test');
    const archive = (await t.store.getMailbox(user.id, 'Archive'))!.id;
    await t.store.copy(box, [uid], archive);
    expect(await t.store.search(archive, { type: 'body', value: 'kilimanjaro' })).toHaveLength(1);
  });

  it('indexes by itself once deliveries pause, and after a restart what a crash left pending', async () => {
    const file = path.join(t.dir, 'restart.sqlite');
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
    const { uid } = await t.store.deliver('u@example.test', message('gone', 'ephemeral-text'));
    const box = await inboxId(t.store, 'u@example.test');
    await t.store.storeFlags(box, [uid], 'add', ['\\Deleted']);
    await t.store.expunge(box);
    expect(await t.store.search(box, { type: 'body', value: 'ephemeral-text' })).toEqual([]);
    expect(pendingRows(t.file)).toBe(0);
  });
});
