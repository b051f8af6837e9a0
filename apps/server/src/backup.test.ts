import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, seedDemo, startMailServer } from '@mailroom/mailserver';
import { SqlitePreferences } from './data/preferences.js';
import { BackupError, backup, restore } from './backup.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mailroom-backup-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function snapshot(dataDir: string) {
  const store = openStore({ path: path.join(dataDir, 'mail.sqlite') });
  try {
    const out: Record<string, string[]> = {};
    for (const email of ['alice@demo.test', 'bob@demo.test']) {
      const user = store.findUser(email)!;
      for (const box of await store.listMailboxes(user.id)) {
        const uids = await store.listUids(box.id);
        const msgs = await store.getMessages(box.id, uids);
        out[`${email}/${box.name}`] = await Promise.all(
          msgs.map(async (m) => `${m.uid}:${[...m.flags].sort().join(' ')}:${(await store.getRaw(box.id, m.uid))!.toString('base64').slice(0, 64)}:${m.size}`),
        );
      }
    }
    return out;
  } finally {
    store.close();
  }
}

describe('backup and restore', () => {
  it('backs up a running server, and after a wipe the restore brings everything back', async () => {
    const dataDir = path.join(tmp, 'data');
    mkdirSync(dataDir);
    const mail = await startMailServer({ dataDir, ports: { imap: 0, smtp: 0, submission: 0, pop3: null } });
    await seedDemo(mail.store, { perUser: 25 });
    await mail.store.deliver('alice@demo.test', Buffer.from('Subject: after seeding\r\n\r\nlast one\r\n'), { flags: ['\\Flagged', 'Urgent'] });
    const prefs = new SqlitePreferences(path.join(dataDir, 'webmail.sqlite'));
    await prefs.update('alice@demo.test', { language: 'de', remoteContentSenders: ['news@example.org'] });
    mkdirSync(path.join(dataDir, 'dkim'));
    writeFileSync(path.join(dataDir, 'dkim', 'demo.test.key'), 'PRIVATE KEY');

    const before = await snapshot(dataDir);
    const out = path.join(tmp, 'backup');
    const manifest = await backup(dataDir, out); // while the server runs
    expect(manifest.files.map((f) => f.path).sort()).toEqual(expect.arrayContaining(['mail.sqlite', 'webmail.sqlite', path.join('dkim', 'demo.test.key')]));
    await mail.close();
    prefs.close();

    rmSync(dataDir, { recursive: true, force: true });
    restore(out, dataDir);
    expect(await snapshot(dataDir)).toEqual(before);
    const restoredPrefs = new SqlitePreferences(path.join(dataDir, 'webmail.sqlite'));
    expect(await restoredPrefs.get('alice@demo.test')).toMatchObject({ language: 'de', remoteContentSenders: ['news@example.org'] });
    restoredPrefs.close();
    expect(readFileSync(path.join(dataDir, 'dkim', 'demo.test.key'), 'utf8')).toBe('PRIVATE KEY');

    // the restored data serves again
    const again = await startMailServer({ dataDir, ports: { imap: 0, smtp: 0, submission: 0, pop3: null } });
    expect(await again.store.authenticate('alice@demo.test', 'demo')).not.toBeNull();
    await again.close();
  });

  it('refuses a damaged backup without touching the data, and a non-empty target without --force', async () => {
    const dataDir = path.join(tmp, 'data2');
    mkdirSync(dataDir);
    const store = openStore({ path: path.join(dataDir, 'mail.sqlite') });
    store.addDomain('x.test');
    store.createUser('a@x.test', 'pw');
    store.close();
    const out = path.join(tmp, 'backup2');
    await backup(dataDir, out);
    await expect(backup(dataDir, out)).rejects.toThrow(/not empty/);
    expect(() => restore(out, dataDir)).toThrow(/not empty/);

    writeFileSync(path.join(out, 'mail.sqlite'), 'garbage');
    const target = path.join(tmp, 'fresh');
    expect(() => restore(out, target)).toThrow(BackupError);
    expect(existsSync(target) && readdirSync(target).length).toBeFalsy();
    expect(() => restore(path.join(tmp, 'nothing-here'), target)).toThrow(/not a Mailroom backup/);
  });
});
