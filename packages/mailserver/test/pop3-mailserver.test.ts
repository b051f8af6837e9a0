// POP3 as part of startMailServer: mail that arrives over SMTP is fetched over POP3.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailServer, type RunningMailServer } from '../src/index.js';
import { python, RawPop3 } from './pop3-helpers.js';

let dir: string;
let server: RunningMailServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pop3-mailserver-'));
  server = await startMailServer({ dataDir: path.join(dir, 'main'), ports: { imap: 0, smtp: 0, submission: 0 } });
  server.store.addDomain('example.test');
  server.store.createUser('alice@example.test', 'correct horse battery staple');
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('startMailServer with POP3', () => {
  it('starts POP3 on an ephemeral port when the other ports are ephemeral, and serves SMTP-delivered mail', async () => {
    expect(server.ports.pop3).toEqual(expect.any(Number));
    expect(server.ports.pop3).toBeGreaterThan(0);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.ports.smtp, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'someone@example.org', to: 'alice@example.test', subject: 'via MX', text: 'fetched over POP3' });
    transport.close();
    const out = await python(
      server.ports.pop3!,
      `
p = poplib.POP3('127.0.0.1', PORT, timeout=10)
p.user(USER); p.pass_(PASS)
_, lines, _ = p.retr(1)
p.dele(1)
p.quit()
print(json.dumps([l.decode() for l in lines]))
`,
    );
    const lines = JSON.parse(out) as string[];
    expect(lines).toContain('Subject: via MX');
    expect(lines).toContain('fetched over POP3');
    const user = server.store.findUser('alice@example.test')!;
    const box = (await server.store.getMailbox(user.id, 'INBOX'))!;
    expect(await server.store.listUids(box.id)).toEqual([]);
  });

  it('can be disabled with ports.pop3 = null, or given an explicit port', async () => {
    const off = await startMailServer({ dataDir: path.join(dir, 'off'), ports: { imap: 0, smtp: 0, submission: 0, pop3: null } });
    expect(off.ports.pop3).toBeNull();
    await off.close();
    const explicit = await startMailServer({ dataDir: path.join(dir, 'explicit'), ports: { imap: 0, smtp: 0, submission: 0, pop3: 0 } });
    const c = new RawPop3();
    expect(await c.connect(explicit.ports.pop3!)).toMatch(/^\+OK/);
    // close() ends open POP3 sessions too
    await explicit.close();
    await c.waitClosed();
  });
});
