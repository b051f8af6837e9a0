import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type MailStore } from '../src/store/index.js';
import { ftsPathFor } from '../src/store/fts-index.js';

// Message ids are never given out twice. The full-text index file (mail.fts.sqlite) knows messages
// by id and is copied apart from mail.sqlite (`mailroom backup`); with a reused id, an index entry
// of a deleted message answered searches for the message that got its id.
const dir = mkdtempSync(path.join(tmpdir(), 'mailroom-message-ids-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const USER = 'u@example.test';

function message(subject: string, body: string): Buffer {
  return Buffer.from(`From: a@remote.example\r\nTo: ${USER}\r\nSubject: ${subject}\r\n\r\n${body}\r\n`);
}

function setup(file: string): MailStore {
  const s = openStore({ path: file });
  s.addDomain('example.test');
  s.createUser(USER, 'pw');
  return s;
}

async function box(s: MailStore, name = 'INBOX'): Promise<number> {
  return (await s.getMailbox(s.findUser(USER)!.id, name))!.id;
}

/** uid → message id of a mailbox, read from the file. */
function ids(file: string, mailboxId: number): Map<number, number> {
  const db = new Database(file, { readonly: true });
  try {
    return new Map(db.prepare<[number], [number, number]>('SELECT uid, id FROM messages WHERE mailbox_id = ? ORDER BY uid').raw().all(mailboxId));
  } finally {
    db.close();
  }
}

function pending(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM fts_pending').pluck().get() as number;
  } finally {
    db.close();
  }
}

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(done()).toBe(true);
}

async function expungeUids(s: MailStore, mailboxId: number, uids: number[]): Promise<void> {
  await s.storeFlags(mailboxId, uids, 'add', ['\\Deleted']);
  await s.expunge(mailboxId, { uids });
}

describe('message ids', () => {
  it('are not reused after the newest message is expunged, also across a restart, by delivery, APPEND and COPY', async () => {
    const file = path.join(dir, 'ids.sqlite');
    const s = setup(file);
    const inbox = await box(s);
    for (let i = 0; i < 3; i++) await s.deliver(USER, message(`m${i}`, `body ${i}`));
    const before = ids(file, inbox);
    const highest = Math.max(...before.values());
    await expungeUids(s, inbox, [3]);
    await s.deliver(USER, message('m3', 'body 3'));
    const afterDelivery = ids(file, inbox).get(4)!;
    expect(afterDelivery).toBeGreaterThan(highest);

    await expungeUids(s, inbox, [4]);
    s.close();
    const t = openStore({ path: file });
    try {
      await t.append(inbox, message('m4', 'body 4'));
      const afterAppend = ids(file, inbox).get(5)!;
      expect(afterAppend).toBeGreaterThan(afterDelivery);
      await expungeUids(t, inbox, [5]);
      await t.copy(inbox, [1], inbox);
      expect(ids(file, inbox).get(6)!).toBeGreaterThan(afterAppend);
    } finally {
      t.close();
    }
  });

  it('are not reused after the mailbox holding the newest message is deleted', async () => {
    const file = path.join(dir, 'ids-mailbox.sqlite');
    const s = setup(file);
    try {
      const userId = s.findUser(USER)!.id;
      await s.createMailbox(userId, 'Projects');
      const projects = await box(s, 'Projects');
      await s.append(projects, message('p', 'project text'));
      const highest = ids(file, projects).get(1)!;
      await s.deleteMailbox(userId, 'Projects');
      await s.deliver(USER, message('n', 'new text'));
      expect(ids(file, await box(s)).get(1)!).toBeGreaterThan(highest);
    } finally {
      s.close();
    }
  });

  it('an index file copied before an expunge and a new delivery does not answer with the expunged text (backup taken between the two files)', async () => {
    const file = path.join(dir, 'backup.sqlite');
    const s = setup(file);
    const inbox = await box(s);
    await s.deliver(USER, message('old', 'quokka-before-backup'));
    expect(await s.search(inbox, { type: 'body', value: 'quokka-before-backup' })).toEqual([1]);
    // the index file as `mailroom backup` copies it (SQLite's backup API), before the main file
    const copied = path.join(dir, 'fts-copy.sqlite');
    const fts = new Database(ftsPathFor(file), { readonly: true });
    await fts.backup(copied);
    fts.close();
    // the main file moves on: the message is expunged, a new one arrives
    await expungeUids(s, inbox, [1]);
    await s.deliver(USER, message('new', 'wombat-after-expunge'));
    expect(await s.search(inbox, { type: 'body', value: 'wombat-after-expunge' })).toEqual([2]);
    // the worker's commit is acknowledged in the main file: nothing is left to index there
    await until(() => pending(file) === 0);
    s.close();

    // restore: the main file as it is now, the index file from before
    for (const suffix of ['-wal', '-shm']) rmSync(ftsPathFor(file) + suffix, { force: true });
    copyFileSync(copied, ftsPathFor(file));
    const r = openStore({ path: file });
    try {
      expect(await r.search(inbox, { type: 'body', value: 'quokka-before-backup' })).toEqual([]);
      expect(await r.search(inbox, { type: 'body', value: 'wombat-after-expunge' })).toEqual([2]);
    } finally {
      r.close();
    }
  });
});
