// `mailroom export` / `mailroom import` end to end through the command line.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/seed/index.js';
import { openStore } from '../src/store/index.js';

const CLI = fileURLToPath(new URL('../../../apps/server/src/cli.ts', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-maildir-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function mailroom(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions', 'development', '--import', 'tsx', CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'silent' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('mailroom export / import', () => {
  it('exports a user to Maildir++ and imports it into another data directory', async () => {
    const src = path.join(tmp, 'src');
    const dst = path.join(tmp, 'dst');
    const maildir = path.join(tmp, 'maildirs');
    fs.mkdirSync(src);
    fs.mkdirSync(dst);
    const a = openStore({ path: path.join(src, 'mail.sqlite') });
    await seedDemo(a, { perUser: 12, now: new Date('2026-01-01T00:00:00Z') });
    a.close();
    const b = openStore({ path: path.join(dst, 'mail.sqlite') });
    b.createUser('bob@demo.test', 'pw');
    b.close();

    // without --user: every user of the store
    const everyone = await mailroom(['export', '--data', src, '--maildir', path.join(tmp, 'all')]);
    expect(everyone.code).toBe(0);
    expect(everyone.stdout).toMatch(/^alice@demo\.test: \d+ messages/m);
    expect(everyone.stdout).toMatch(/^bob@demo\.test: \d+ messages/m);

    const exp = await mailroom(['export', '--data', src, '--maildir', maildir, '--user', 'bob@demo.test']);
    expect(exp.stderr).toBe('');
    expect(exp.code).toBe(0);
    expect(exp.stdout).toMatch(/^bob@demo\.test: \d+ messages in 6 folders/);
    expect(fs.existsSync(path.join(maildir, 'demo.test', 'bob', 'cur'))).toBe(true);

    const imp = await mailroom(['import', '--data', dst, '--maildir', maildir]);
    expect(imp.code).toBe(0);
    const count = Number(/^bob@demo\.test: (\d+) messages imported, 0 already there/.exec(imp.stdout)?.[1]);
    expect(count).toBeGreaterThan(12);

    const missing = await mailroom(['import', '--data', path.join(tmp, 'nowhere'), '--maildir', maildir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no mail store at');

    const c = openStore({ path: path.join(dst, 'mail.sqlite') });
    const bob = c.findUser('bob@demo.test')!;
    const inbox = (await c.getMailbox(bob.id, 'INBOX'))!;
    expect((await c.mailboxStatus(inbox.id)).messages).toBe(12);
    c.close();
  }, 120_000);
});
