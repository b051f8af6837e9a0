// `mailroom user …` end to end through the command line, then IMAP with the new account.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapFlow } from 'imapflow';
import { afterAll, describe, expect, it } from 'vitest';
import { startMailServer } from '../src/index.js';
import { parseQuota } from '../src/user-admin.js';
import { openStore } from '../src/store/index.js';

const CLI = fileURLToPath(new URL('../../../apps/server/src/cli.ts', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-user-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function mailroom(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--conditions', 'development', '--import', 'tsx', CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'silent' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin);
  });
}

describe('mailroom user', () => {
  it('adds a user who can log in, changes the password, sets a quota, lists and deletes', async () => {
    const data = path.join(tmp, 'data');
    const add = await mailroom(['user', 'add', 'carol@example.org', '--data', data], 'correct horse\n');
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('User carol@example.org added');
    expect(add.stdout).toContain('mailroom domain add example.org');
    expect((await mailroom(['user', 'add', 'carol@example.org', '--data', data], 'another one\n')).stderr).toContain('already exists');
    expect((await mailroom(['user', 'add', 'dave@example.org', '--data', data], 'short\n')).stderr).toContain('at least 8 characters');
    expect((await mailroom(['user', 'add', 'not-an-address', '--data', data], 'long enough\n')).code).toBe(2);

    const mail = await startMailServer({ dataDir: data, host: '127.0.0.1', ports: { imap: 0, smtp: 0, submission: 0, pop3: 0 }, queue: false, allowInsecureAuth: true });
    try {
      const login = async (pass: string) => {
        const client = new ImapFlow({ host: '127.0.0.1', port: mail.ports.imap, secure: false, auth: { user: 'carol@example.org', pass }, logger: false });
        try {
          await client.connect();
          const boxes = (await client.list()).map((b) => b.path).sort();
          await client.logout();
          return boxes;
        } catch {
          return null;
        }
      };
      expect(await login('correct horse')).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
      const passwd = await mailroom(['user', 'passwd', 'carol@example.org', '--data', data], 'battery staple\n');
      expect(passwd.code).toBe(0);
      expect(await login('correct horse')).toBeNull();
      expect(await login('battery staple')).not.toBeNull();
    } finally {
      await mail.close();
    }

    expect((await mailroom(['user', 'quota', 'carol@example.org', '2G', '--data', data])).stdout).toContain(`${2 * 1024 ** 3} bytes`);
    const list = await mailroom(['user', 'list', '--data', data]);
    expect(list.stdout).toMatch(/^carol@example\.org {2}quota 2147483648 bytes {2}since \d{4}-\d\d-\d\d$/m);

    const refused = await mailroom(['user', 'delete', 'carol@example.org', '--data', data]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--force');
    expect((await mailroom(['user', 'delete', 'carol@example.org', '--force', '--data', data])).code).toBe(0);
    const store = openStore({ path: path.join(data, 'mail.sqlite') });
    expect(store.listUsers()).toEqual([]);
    expect(store.findUser('carol@example.org')).toBeNull();
    store.close();
    expect((await mailroom(['user', 'passwd', 'nobody@example.org', '--data', data], 'whatever1\n')).stderr).toContain('no user nobody@example.org');
  });

  it('parses quota sizes', () => {
    expect(parseQuota('1048576')).toBe(1048576);
    expect(parseQuota('500M')).toBe(500 * 1024 * 1024);
    expect(parseQuota('2gb')).toBe(2 * 1024 ** 3);
    expect(parseQuota('none')).toBeNull();
    expect(() => parseQuota('lots')).toThrow(/not a size/);
  });
});
