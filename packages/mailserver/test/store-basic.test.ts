import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, StoreError, type MailboxEvent } from '../src/store/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-store-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const msg = (subject: string, body = 'hello world') => Buffer.from(`From: Ann <ann@example.org>\r\nTo: bob@example.test\r\nSubject: ${subject}\r\nDate: Tue, 3 Mar 2026 09:00:00 +0000\r\n\r\n${body}\r\n`);

describe('mail store', () => {
  it('creates users with the standard mailboxes and authenticates with scrypt', async () => {
    const store = openStore({ path: ':memory:' });
    store.addDomain('Example.test');
    store.addDomain('example.test');
    expect(store.hasDomain('EXAMPLE.TEST')).toBe(true);
    expect(store.hasDomain('other.test')).toBe(false);
    const u = store.createUser('Bob@example.test', 's3cret');
    expect(() => store.createUser('bob@EXAMPLE.test', 'x')).toThrow(StoreError);
    expect(() => store.createUser('not-an-address', 'x')).toThrow(StoreError);
    expect(store.findUser('BOB@example.test')).toEqual(u);
    expect(store.findUser('nobody@example.test')).toBeNull();
    expect(await store.authenticate('bob@example.test', 's3cret')).toEqual(u);
    expect(await store.authenticate('bob@example.test', 'wrong')).toBeNull();
    expect(await store.authenticate('nobody@example.test', 's3cret')).toBeNull();
    const boxes = await store.listMailboxes(u.id);
    expect(boxes.map((b) => [b.name, b.specialUse, b.subscribed])).toEqual([
      ['Archive', '\\Archive', true], ['Drafts', '\\Drafts', true], ['INBOX', null, true], ['Junk', '\\Junk', true], ['Sent', '\\Sent', true], ['Trash', '\\Trash', true],
    ]);
    store.close();
  });

  it('delivers with strictly increasing, never reused UIDs and emits events after commit', async () => {
    const store = openStore({ path: ':memory:' });
    const u = store.createUser('bob@example.test', 'pw');
    const inbox = (await store.getMailbox(u.id, 'inbox'))!;
    const events: MailboxEvent[] = [];
    const off = store.subscribe(inbox.id, (ev) => events.push(ev));
    expect(await store.deliver('bob@example.test', msg('one'))).toEqual({ mailbox: 'INBOX', uid: 1 });
    expect(await store.deliver('BOB@example.test', msg('two'), { flags: ['\\Seen', '\\seen', 'bad flag'] })).toEqual({ mailbox: 'INBOX', uid: 2 });
    expect(events.map((e) => e.type)).toEqual(['exists', 'exists']);
    await store.storeFlags(inbox.id, [2], 'add', ['\\Deleted']);
    expect(await store.expunge(inbox.id)).toEqual([2]);
    expect(events.map((e) => e.type)).toEqual(['exists', 'exists', 'flags', 'expunge']);
    expect((await store.deliver('bob@example.test', msg('three'))).uid).toBe(3);
    expect(await store.listUids(inbox.id)).toEqual([1, 3]);
    const st = await store.mailboxStatus(inbox.id);
    expect(st).toMatchObject({ messages: 2, unseen: 2, uidnext: 4 });
    off();
    await expect(store.deliver('nobody@example.test', msg('x'))).rejects.toBeInstanceOf(StoreError);
    expect((await store.deliver('bob@example.test', msg('to sent'), { mailbox: 'Sent', flags: ['\\Seen'] })).mailbox).toBe('Sent');
    store.close();
  });

  it('seeds many messages in one transaction and finds them by full-text search', async () => {
    const store = openStore({ path: ':memory:' });
    const u = store.createUser('bob@example.test', 'pw');
    const items = Array.from({ length: 500 }, (_, i) => ({ raw: msg(`Seed ${i}`, i % 50 === 0 ? 'the zebra crossing' : 'plain text'), flags: i % 2 ? ['\\Seen'] : [] }));
    expect(await store.deliverMany('bob@example.test', items)).toBe(500);
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    expect((await store.mailboxStatus(inbox.id)).messages).toBe(500);
    expect(await store.search(inbox.id, { type: 'body', value: 'ZEBRA' })).toEqual([1, 51, 101, 151, 201, 251, 301, 351, 401, 451]);
    expect((await store.search(inbox.id, { type: 'text', value: 'ann@example' })).length).toBe(500);
    expect(await store.search(inbox.id, { type: 'and', keys: [{ type: 'header', field: 'subject', value: 'seed 49' }, { type: 'flag', flag: '\\Seen', has: false }] })).toEqual([491, 493, 495, 497, 499]);
    const odd = Array.from({ length: 250 }, (_, i): [number, number] => [2 * i + 1, 2 * i + 1]);
    expect((await store.search(inbox.id, { type: 'uids', ranges: odd })).length).toBe(250);
    expect(await store.search(inbox.id, { type: 'and', keys: [{ type: 'uids', ranges: odd }, { type: 'body', value: 'zebra' }] })).toEqual([1, 51, 101, 151, 201, 251, 301, 351, 401, 451]);
    const recent = new Set(Array.from({ length: 300 }, (_, i) => i + 1));
    expect((await store.search(inbox.id, { type: 'recent', has: false }, recent)).length).toBe(200);
    const sorted = await store.sort(inbox.id, [{ key: 'subject', reverse: true }], [1, 2, 3]);
    expect(sorted).toEqual([3, 2, 1]);
    store.close();
  });

  it('copies and moves with COPYUID pairs, renames and deletes mailboxes', async () => {
    const store = openStore({ path: ':memory:' });
    const u = store.createUser('bob@example.test', 'pw');
    await store.deliverMany('bob@example.test', [{ raw: msg('a') }, { raw: msg('b') }, { raw: msg('c') }]);
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    const archive = (await store.getMailbox(u.id, 'Archive'))!;
    expect((await store.copy(inbox.id, [1, 3], archive.id)).pairs).toEqual([[1, 1], [3, 2]]);
    expect((await store.copy(inbox.id, [2], archive.id, { move: true })).pairs).toEqual([[2, 3]]);
    expect(await store.listUids(inbox.id)).toEqual([1, 3]);
    expect((await store.getRaw(archive.id, 3))!.toString()).toContain('Subject: b');
    await store.createMailbox(u.id, 'Work/2026/Q1');
    expect((await store.listMailboxes(u.id)).map((b) => b.name)).toEqual(expect.arrayContaining(['Work', 'Work/2026', 'Work/2026/Q1']));
    await expect(store.createMailbox(u.id, 'Work')).rejects.toMatchObject({ code: 'ALREADYEXISTS' });
    await store.renameMailbox(u.id, 'Work', 'Jobs');
    expect((await store.listMailboxes(u.id)).map((b) => b.name).filter((n) => n.startsWith('Jobs'))).toEqual(['Jobs', 'Jobs/2026', 'Jobs/2026/Q1']);
    await expect(store.deleteMailbox(u.id, 'Jobs')).rejects.toMatchObject({ code: 'INUSE' });
    await expect(store.deleteMailbox(u.id, 'INBOX')).rejects.toMatchObject({ code: 'CANNOT' });
    await store.deleteMailbox(u.id, 'Archive');
    expect(await store.getMailbox(u.id, 'Archive')).toBeNull();
    store.close();
  });

  it('persists to a file (WAL) and keeps UIDVALIDITY and UIDNEXT across reopen', async () => {
    const file = path.join(tmp, 'mail.sqlite');
    let store = openStore({ path: file });
    const u = store.createUser('bob@example.test', 'pw');
    await store.deliver('bob@example.test', msg('persist me'));
    const before = (await store.getMailbox(u.id, 'INBOX'))!;
    store.close();
    store = openStore({ path: file });
    const after = (await store.getMailbox(u.id, 'INBOX'))!;
    expect(after.uidvalidity).toBe(before.uidvalidity);
    expect((await store.deliver('bob@example.test', msg('second'))).uid).toBe(2);
    expect(await store.authenticate('bob@example.test', 'pw')).toBeTruthy();
    store.close();
    expect(fs.existsSync(file)).toBe(true);
  });

  it('sorts by RFC 5256 keys: base subject and first address mailbox, case-mapped', async () => {
    const store = openStore({ path: ':memory:' });
    const u = store.createUser('bob@example.test', 'pw');
    const m = (from: string, subject: string, date: string) => ({ raw: Buffer.from(`From: ${from}\r\nSubject: ${subject}\r\nDate: ${date}\r\n\r\nx\r\n`) });
    await store.deliverMany('bob@example.test', [
      m('Zed <alpha@z.example>', 'Re: [list] banana', 'Tue, 3 Mar 2026 10:00:00 +0000'),
      m('"Aaron" <zulu@a.example>', 'apple', 'Mon, 2 Mar 2026 10:00:00 +0000'),
      m('mike@m.example', 'Fwd: Cherry (fwd)', 'Wed, 4 Mar 2026 10:00:00 +0200'),
    ]);
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    const all = [1, 2, 3];
    expect(await store.sort(inbox.id, [{ key: 'subject', reverse: false }], all)).toEqual([2, 1, 3]);
    expect(await store.sort(inbox.id, [{ key: 'from', reverse: false }], all)).toEqual([1, 3, 2]);
    expect(await store.sort(inbox.id, [{ key: 'date', reverse: true }], all)).toEqual([3, 1, 2]);
    store.close();
  });

  it('normalises bare LF to CRLF and rejects empty messages', async () => {
    const store = openStore({ path: ':memory:' });
    const u = store.createUser('bob@example.test', 'pw');
    await store.deliver('bob@example.test', Buffer.from('Subject: lf\nFrom: a@b.example\n\nline1\nline2\r\n'));
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    expect((await store.getRaw(inbox.id, 1))!.toString()).toBe('Subject: lf\r\nFrom: a@b.example\r\n\r\nline1\r\nline2\r\n');
    await expect(store.deliver('bob@example.test', Buffer.alloc(0))).rejects.toBeInstanceOf(StoreError);
    store.close();
  });

  it('applies conditional flag stores (UNCHANGEDSINCE)', async () => {
    const store = openStore({ path: ':memory:' });
    const u = store.createUser('bob@example.test', 'pw');
    await store.deliverMany('bob@example.test', [{ raw: msg('a') }, { raw: msg('b') }]);
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    const [m1] = await store.getMeta(inbox.id, [1]);
    await store.storeFlags(inbox.id, [2], 'add', ['$Label']);
    const res = await store.storeFlags(inbox.id, [1, 2], 'add', ['\\Flagged'], { unchangedSince: m1!.modseq });
    expect(res.updated.map((x) => x.uid)).toEqual([1]);
    expect(res.modified).toEqual([2]);
    store.close();
  });
});
