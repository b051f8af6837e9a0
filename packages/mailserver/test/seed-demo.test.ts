import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type MailStore } from '../src/store/index.js';
import { seedDemo, WEEKLY_SUBJECT, WELCOME_SUBJECT } from '../src/seed/index.js';

let dir: string;
let store: MailStore;
let users: string[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-seed-'));
  store = openStore({ path: path.join(dir, 'mail.sqlite') });
  ({ users } = await seedDemo(store));
});

afterAll(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function uidsOf(email: string, mailbox: string) {
  const user = store.findUser(email);
  if (!user) throw new Error(`no user ${email}`);
  const box = await store.getMailbox(user.id, mailbox);
  if (!box) throw new Error(`no mailbox ${mailbox}`);
  return { box, uids: await store.listUids(box.id) };
}

describe('seedDemo', () => {
  it('creates alice and bob on demo.test with the demo password', async () => {
    expect(users).toEqual(['alice@demo.test', 'bob@demo.test']);
    expect(store.hasDomain('demo.test')).toBe(true);
    expect(await store.authenticate('alice@demo.test', 'demo')).toMatchObject({ email: 'alice@demo.test' });
    expect(await store.authenticate('bob@demo.test', 'demo')).toMatchObject({ email: 'bob@demo.test' });
  });

  it('fills each INBOX with at least 200 messages, the welcome message newest and the weekly newsletter next', async () => {
    for (const email of users) {
      const { box, uids } = await uidsOf(email, 'INBOX');
      expect(uids.length).toBe(240);
      const newest = await simpleParser((await store.getRaw(box.id, uids[uids.length - 1]!))!);
      expect(newest.subject).toBe(WELCOME_SUBJECT);
      expect(newest.from?.value[0]).toEqual({ name: 'Mailroom Team', address: 'team@demo.test' });
      expect(newest.to && !Array.isArray(newest.to) ? newest.to.value[0]?.address : '').toBe(email);
      const second = await simpleParser((await store.getRaw(box.id, uids[uids.length - 2]!))!);
      expect(second.subject).toBe(WEEKLY_SUBJECT);
      expect(second.html).toMatch(/<img[^>]+src="https:\/\//);

      const [meta] = await store.getMeta(box.id, [uids[uids.length - 1]!]);
      const [older] = await store.getMeta(box.id, [uids[0]!]);
      expect(meta!.internaldate).toBeGreaterThan(older!.internaldate);
      expect(meta!.flags).not.toContain('\\Seen');

      const status = await store.mailboxStatus(box.id);
      expect(status.unseen / status.messages).toBeGreaterThan(0.15);
      expect(status.unseen / status.messages).toBeLessThan(0.45);

      const sent = await uidsOf(email, 'Sent');
      expect(sent.uids.length).toBeGreaterThan(0);
    }
  });

  it('does not add mail twice when run again', async () => {
    const before = (await uidsOf('alice@demo.test', 'INBOX')).uids.length;
    await seedDemo(store);
    expect((await uidsOf('alice@demo.test', 'INBOX')).uids.length).toBe(before);
  });
});
