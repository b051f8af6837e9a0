import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type MailStore } from '../src/store/index.js';
import { startSubmissionSmtp } from '../src/smtp/submission.js';
import type { SmtpListener } from '../src/smtp/listener.js';

let dir: string;
let store: MailStore;
let submission: SmtpListener;
let strict: SmtpListener;

const ERIN = { user: 'erin@example.test', pass: 'erin-password' };

function client(auth: { user: string; pass: string } | null = ERIN, port = submission.port) {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, auth: auth ?? undefined });
}

async function mailbox(email: string, name = 'INBOX'): Promise<Buffer[]> {
  const user = store.findUser(email);
  if (!user) throw new Error(`no user ${email}`);
  const box = await store.getMailbox(user.id, name);
  if (!box) throw new Error(`no ${name}`);
  const out: Buffer[] = [];
  for (const uid of await store.listUids(box.id)) out.push((await store.getRaw(box.id, uid)) ?? Buffer.alloc(0));
  return out;
}

function failure(err: unknown): { code: number | undefined; response: string } {
  const e = err as { responseCode?: number; response?: string; message?: string };
  return { code: e.responseCode, response: String(e.response ?? e.message) };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-smtp-sub-'));
  store = openStore({ path: path.join(dir, 'mail.sqlite') });
  store.addDomain('example.test');
  store.createUser(ERIN.user, ERIN.pass);
  store.createUser('frank@example.test', 'frank-password');
  store.createUser('gina@example.test', 'gina-password');
  const common = { store, host: '127.0.0.1', port: 0, hostname: 'smtp.example.test', maxMessageBytes: 1024 * 1024 };
  submission = await startSubmissionSmtp({ ...common, allowInsecureAuth: true });
  strict = await startSubmissionSmtp({ ...common, allowInsecureAuth: false });
});

afterAll(async () => {
  await submission?.close();
  await strict?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('submission SMTP', () => {
  it('delivers an authenticated message to local recipients, without Bcc, with Message-ID and Date added', async () => {
    const beforeFrank = (await mailbox('frank@example.test')).length;
    const beforeGina = (await mailbox('gina@example.test')).length;
    const raw =
      'From: Erin <erin@example.test>\r\n' +
      'To: Frank <frank@example.test>\r\n' +
      'Bcc: Gina <gina@example.test>,\r\n secret-watcher@example.test\r\n' +
      'Subject: Quarterly numbers\r\n' +
      '\r\n' +
      'See you at the review.\r\n';
    const info = await client().sendMail({
      envelope: { from: ERIN.user, to: ['frank@example.test', 'gina@example.test'] },
      raw,
    });
    expect(info.accepted).toEqual(['frank@example.test', 'gina@example.test']);

    const frank = await mailbox('frank@example.test');
    const gina = await mailbox('gina@example.test');
    expect(frank).toHaveLength(beforeFrank + 1);
    expect(gina).toHaveLength(beforeGina + 1);
    for (const copy of [frank[frank.length - 1]!, gina[gina.length - 1]!]) {
      const text = copy.toString('utf8');
      expect(text).not.toMatch(/^Bcc:/im);
      expect(text).not.toContain('secret-watcher');
      expect(text.startsWith('Return-Path: <erin@example.test>\r\nReceived: ')).toBe(true);
      expect(text).toMatch(/with ESMTPA? id/);
      const parsed = await simpleParser(copy);
      expect(parsed.messageId).toMatch(/^<[^@>]+@smtp\.example\.test>$/);
      expect(parsed.date).toBeInstanceOf(Date);
      expect(parsed.subject).toBe('Quarterly numbers');
      expect(parsed.text?.trim()).toBe('See you at the review.');
    }
  });

  it('keeps a Message-ID the client set', async () => {
    await client().sendMail({
      from: ERIN.user,
      to: 'frank@example.test',
      subject: 'Own id',
      text: 'x',
      messageId: '<fixed-id-1@erin.example.test>',
    });
    const frank = await mailbox('frank@example.test');
    const parsed = await simpleParser(frank[frank.length - 1]!);
    expect(parsed.messageId).toBe('<fixed-id-1@erin.example.test>');
    expect(frank[frank.length - 1]!.toString('utf8').match(/^Message-ID:/gim)).toHaveLength(1);
  });

  it('refuses mail without AUTH', async () => {
    const err = await client(null)
      .sendMail({ from: ERIN.user, to: 'frank@example.test', subject: 'x', text: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(failure(err).code).toBe(530);
  });

  it('refuses a wrong password', async () => {
    const err = await client({ user: ERIN.user, pass: 'not-the-password' })
      .sendMail({ from: ERIN.user, to: 'frank@example.test', subject: 'x', text: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(failure(err).code).toBe(535);
    expect((err as { code?: string }).code).toBe('EAUTH');
  });

  it('refuses plaintext AUTH without TLS unless allowInsecureAuth is set', async () => {
    const err = await client(ERIN, strict.port)
      .sendMail({ from: ERIN.user, to: 'frank@example.test', subject: 'x', text: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(failure(err).code).toBe(538);
  });

  it('refuses a MAIL FROM that is not the authenticated user with 553 5.7.1', async () => {
    const err = await client()
      .sendMail({
        envelope: { from: 'frank@example.test', to: ['gina@example.test'] },
        from: 'frank@example.test',
        to: 'gina@example.test',
        subject: 'spoof',
        text: 'x',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(failure(err).code).toBe(553);
    expect(failure(err).response).toContain('5.7.1');
  });

  it('accepts the user’s own +tag address as sender', async () => {
    const info = await client().sendMail({
      envelope: { from: 'erin+news@example.test', to: ['frank@example.test'] },
      from: 'erin+news@example.test',
      to: 'frank@example.test',
      subject: 'tagged sender',
      text: 'x',
    });
    expect(info.accepted).toEqual(['frank@example.test']);
  });

  it('refuses remote recipients until the outbound queue exists', async () => {
    const err = await client()
      .sendMail({ from: ERIN.user, to: 'someone@elsewhere.example', subject: 'x', text: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(failure(err).response).toContain('550 5.7.1 delivery to remote domains is not enabled yet');
  });

  it('refuses unknown local recipients with 550 5.1.1', async () => {
    const err = await client()
      .sendMail({ from: ERIN.user, to: 'nobody@example.test', subject: 'x', text: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(failure(err).response).toContain('550 5.1.1 <nobody@example.test>: no such user here');
  });
});
