// Interop: the outbound queue delivers to Debian's Postfix (MX-like smtpd, local delivery to
// Dovecot over LMTP), started loopback-only by @mailroom/testkit; the message is read back over
// IMAP from Dovecot.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type RunningBackend } from '@mailroom/testkit';
import { startMailServer, staticMxResolver, type RunningMailServer } from '../src/index.js';
import { mailbox, waitFor } from './queue-helpers.js';

let dir: string;
let postfix: RunningBackend;
let mailroom: RunningMailServer;

beforeAll(async () => {
  postfix = await startBackend('dovecot-postfix', { perUser: 1, domain: 'pf.test' });
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-queue-pf-'));
  mailroom = await startMailServer({
    dataDir: dir,
    ports: { imap: 0, smtp: 0, submission: 0, pop3: null },
    hostname: 'mx.a.test',
    allowInsecureAuth: true,
    authChecks: false,
    queue: { resolver: staticMxResolver({ 'pf.test': { host: postfix.smtp.host, port: postfix.smtp.port, name: 'localhost' } }), retry: { initialMs: 50, maxMs: 200 }, pollMs: 100 },
  });
  mailroom.store.addDomain('a.test');
  mailroom.store.createUser('alice@a.test', 'alice-pw');
}, 60_000);

afterAll(async () => {
  await mailroom?.close();
  await postfix?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function submit() {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: mailroom.ports.submission,
    secure: false,
    ignoreTLS: true,
    auth: { user: 'alice@a.test', pass: 'alice-pw' },
  });
}

describe('outbound queue → Postfix', () => {
  it('delivers to a Postfix MX; Dovecot has the message', async () => {
    await submit().sendMail({ from: 'alice@a.test', to: 'bob@pf.test', subject: 'To Postfix', text: 'Hello from Mailroom.' });
    await waitFor(() => mailroom.queue!.list().length === 0, 'the queue to empty', 20_000);
    const imap = new ImapFlow({ host: postfix.imap.host, port: postfix.imap.port, secure: false, auth: { user: 'bob@pf.test', pass: 'demo' }, logger: false });
    await imap.connect();
    try {
      const raw = await waitFor(async () => {
        const lock = await imap.getMailboxLock('INBOX');
        try {
          const uids = (await imap.search({ subject: 'To Postfix' }, { uid: true })) || [];
          if (uids.length === 0) return null;
          const msg = await imap.fetchOne(String(uids[uids.length - 1]), { source: true }, { uid: true });
          return msg ? msg.source : null;
        } finally {
          lock.release();
        }
      }, 'the message in Dovecot', 20_000);
      const parsed = await simpleParser(raw!);
      expect(parsed.text?.trim()).toBe('Hello from Mailroom.');
      expect(raw!.toString()).toContain('by mx.a.test (Mailroom)');
    } finally {
      await imap.logout();
    }
  });

  it('bounces a recipient Postfix does not know (550 5.1.1 from Postfix) into the sender’s INBOX', async () => {
    await submit().sendMail({ from: 'alice@a.test', to: 'nobody@pf.test', subject: 'Unknown at Postfix', text: 'x' });
    const dsn = await waitFor(async () => {
      const m = await mailbox(mailroom.store, 'alice@a.test');
      return m.find((x) => x.toString().includes('Final-Recipient: rfc822; nobody@pf.test'));
    }, 'the DSN', 20_000);
    const text = dsn.toString();
    expect(text).toMatch(/^Action: failed$/m);
    expect(text).toMatch(/^Status: 5\.\d\.\d+$/m);
    expect(text).toMatch(/^Diagnostic-Code: smtp; 5\d\d /m);
  });
});
