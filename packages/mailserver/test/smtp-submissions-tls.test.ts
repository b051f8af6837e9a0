import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate, startMailServer, type RunningMailServer } from '../src/index.js';

// Submission over implicit TLS (RFC 8314, the port 465 style), next to 587-style STARTTLS.
describe('submission over implicit TLS', () => {
  let dir: string;
  let mail: RunningMailServer;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-submissions-'));
    mail = await startMailServer({
      dataDir: dir,
      ports: { imap: 0, smtp: 0, submission: 0, pop3: null, imaps: null },
      tls: await selfSignedCertificate(['localhost', '127.0.0.1']),
      queue: false,
      authChecks: false,
    });
    mail.store.addDomain('tls.test');
    mail.store.createUser('ann@tls.test', 'pw-ann');
    mail.store.createUser('ben@tls.test', 'pw-ben');
  });
  afterAll(async () => {
    await mail?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts authenticated mail on the TLS port and delivers it', async () => {
    expect(mail.ports.submissions).toBeGreaterThan(0);
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: mail.ports.submissions!,
      secure: true,
      auth: { user: 'ann@tls.test', pass: 'pw-ann' },
      tls: { rejectUnauthorized: false },
    });
    const info = await transport.sendMail({ from: 'ann@tls.test', to: 'ben@tls.test', subject: 'over TLS', text: 'hello' });
    transport.close();
    expect(info.response).toMatch(/^250 /);
    const ben = mail.store.findUser('ben@tls.test')!;
    const inbox = (await mail.store.getMailbox(ben.id, 'INBOX'))!;
    expect((await mail.store.mailboxStatus(inbox.id)).messages).toBe(1);
  });

  it('refuses a plaintext client on the TLS port', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: mail.ports.submissions!, secure: false, ignoreTLS: true, connectionTimeout: 3000, greetingTimeout: 3000 });
    await expect(transport.verify()).rejects.toBeTruthy();
    transport.close();
  });

  it('has no TLS port without a certificate', async () => {
    const plainDir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-submissions-plain-'));
    const plain = await startMailServer({ dataDir: plainDir, ports: { imap: 0, smtp: 0, submission: 0, pop3: null }, queue: false });
    try {
      expect(plain.ports.submissions).toBeNull();
    } finally {
      await plain.close();
      rmSync(plainDir, { recursive: true, force: true });
    }
  });
});
