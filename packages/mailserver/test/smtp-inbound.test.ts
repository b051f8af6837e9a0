import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type MailStore } from '../src/store/index.js';
import { startInboundSmtp } from '../src/smtp/inbound.js';
import type { SmtpListener } from '../src/smtp/listener.js';

const MAX_BYTES = 64 * 1024;

let dir: string;
let realStore: MailStore;
let failDeliveries = false;
let smtp: SmtpListener;

/** The real store, with a switch that makes deliver() fail like a broken disk would. */
function failingStore(store: MailStore): MailStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'deliver' && failDeliveries) {
        return async () => {
          throw new Error('SQLITE_IOERR: disk I/O error');
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function client() {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtp.port,
    secure: false,
    ignoreTLS: true,
    name: 'client.example.org',
  });
}

async function inboxRaw(email: string): Promise<string[]> {
  const user = realStore.findUser(email);
  if (!user) throw new Error(`no user ${email}`);
  const box = await realStore.getMailbox(user.id, 'INBOX');
  if (!box) throw new Error('no INBOX');
  const uids = await realStore.listUids(box.id);
  const out: string[] = [];
  for (const uid of uids) out.push((await realStore.getRaw(box.id, uid))?.toString('utf8') ?? '');
  return out;
}

function responseOf(err: unknown): string {
  return String((err as { response?: string }).response ?? (err as Error).message);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-smtp-in-'));
  realStore = openStore({ path: path.join(dir, 'mail.sqlite') });
  realStore.addDomain('example.test');
  realStore.createUser('carol@example.test', 'secret-carol');
  realStore.createUser('dave@example.test', 'secret-dave');
  smtp = await startInboundSmtp({
    store: failingStore(realStore),
    host: '127.0.0.1',
    port: 0,
    hostname: 'mx.example.test',
    maxMessageBytes: MAX_BYTES,
  });
});

afterAll(async () => {
  await smtp?.close();
  realStore?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('inbound SMTP (MX)', () => {
  it('delivers to a local user and stores Return-Path and Received before the body', async () => {
    const info = await client().sendMail({
      envelope: { from: 'sender@remote.example', to: ['carol@example.test'] },
      from: 'Sender <sender@remote.example>',
      to: 'carol@example.test',
      subject: 'Hello from outside',
      text: 'First line of the body',
    });
    expect(info.accepted).toEqual(['carol@example.test']);
    expect(info.response).toMatch(/^250 /);

    const stored = await inboxRaw('carol@example.test');
    expect(stored).toHaveLength(1);
    const raw = stored[0]!;
    expect(raw.startsWith('Return-Path: <sender@remote.example>\r\nReceived: from client.example.org')).toBe(true);
    expect(raw).toMatch(/by mx\.example\.test \(Mailroom\) with ESMTP id \S+\r\n\tfor <carol@example\.test>; \w{3}, \d+ \w{3} \d{4}/);
    expect(raw).toContain('Subject: Hello from outside');
    expect(raw).toContain('First line of the body');
  });

  it('maps plus addressing to the user and stores one copy per user', async () => {
    const before = (await inboxRaw('dave@example.test')).length;
    const info = await client().sendMail({
      envelope: { from: 'news@remote.example', to: ['dave+lists@example.test', 'dave@example.test'] },
      from: 'news@remote.example',
      to: 'dave+lists@example.test',
      subject: 'Tagged',
      text: 'tagged mail',
    });
    expect(info.accepted).toHaveLength(2);
    const after = await inboxRaw('dave@example.test');
    expect(after).toHaveLength(before + 1);
    expect(after[after.length - 1]).toContain('for <dave+lists@example.test>');
  });

  it('refuses an unknown local user with 550 5.1.1', async () => {
    const err = await client()
      .sendMail({ from: 'sender@remote.example', to: 'nobody@example.test', subject: 'x', text: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(responseOf(err)).toContain('550 5.1.1 <nobody@example.test>: no such user here');
  });

  it('refuses to relay to a non-local domain with 550 5.7.1', async () => {
    const err = await client()
      .sendMail({ from: 'sender@remote.example', to: 'someone@elsewhere.example', subject: 'x', text: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(responseOf(err)).toMatch(/550 5\.7\.1 Relay access denied/);
  });

  it('accepts the local recipients of a mixed envelope and refuses the others', async () => {
    const info = await client().sendMail({
      envelope: { from: 'sender@remote.example', to: ['carol@example.test', 'ghost@example.test'] },
      from: 'sender@remote.example',
      to: 'carol@example.test',
      subject: 'Mixed',
      text: 'mixed',
    });
    expect(info.accepted).toEqual(['carol@example.test']);
    expect(info.rejected).toEqual(['ghost@example.test']);
  });

  it('refuses a message over the size limit with 552', async () => {
    const before = (await inboxRaw('carol@example.test')).length;
    const err = await client()
      .sendMail({
        from: 'sender@remote.example',
        to: 'carol@example.test',
        subject: 'Too big',
        text: 'x'.repeat(MAX_BYTES * 2),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { responseCode?: number }).responseCode).toBe(552);
    expect(await inboxRaw('carol@example.test')).toHaveLength(before);
  });

  it('answers 451 4.3.0 when the store fails, and keeps working afterwards', async () => {
    const before = (await inboxRaw('carol@example.test')).length;
    failDeliveries = true;
    try {
      const err = await client()
        .sendMail({ from: 'sender@remote.example', to: 'carol@example.test', subject: 'During outage', text: 'x' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as { responseCode?: number }).responseCode).toBe(451);
      expect(responseOf(err)).toContain('4.3.0');
    } finally {
      failDeliveries = false;
    }
    const info = await client().sendMail({
      from: 'sender@remote.example',
      to: 'carol@example.test',
      subject: 'After outage',
      text: 'y',
    });
    expect(info.response).toMatch(/^250 /);
    const after = await inboxRaw('carol@example.test');
    expect(after).toHaveLength(before + 1);
    expect(after[after.length - 1]).toContain('Subject: After outage');
  });

  it('answers 452 4.2.2 for a full mailbox and 552 5.2.2 for a message larger than the quota', async () => {
    // some mail already there, so "full" and "larger than the whole quota" are different cases
    await realStore.deliver('dave@example.test', Buffer.from(`Subject: filler\r\n\r\n${'f'.repeat(4000)}\r\n`));
    const before = (await inboxRaw('dave@example.test')).length;
    const { usedBytes } = await realStore.getQuota(realStore.findUser('dave@example.test')!.id);
    realStore.setQuota('dave@example.test', 5_000);
    try {
      const full = await client()
        .sendMail({ from: 'sender@remote.example', to: 'dave@example.test', subject: 'Too much', text: 'x'.repeat(12_000) })
        .catch((e: unknown) => e);
      expect((full as { responseCode?: number }).responseCode).toBe(552);
      expect(responseOf(full)).toContain('5.2.2');

      realStore.setQuota('dave@example.test', usedBytes + 50);
      const tight = await client()
        .sendMail({ from: 'sender@remote.example', to: 'dave@example.test', subject: 'Small', text: 'hello' })
        .catch((e: unknown) => e);
      expect((tight as { responseCode?: number }).responseCode).toBe(452);
      expect(responseOf(tight)).toContain('4.2.2');
      expect(await inboxRaw('dave@example.test')).toHaveLength(before);
    } finally {
      realStore.setQuota('dave@example.test', null);
    }
  });

  it('refuses a looping message (more than 50 Received fields) with 554 5.4.6', async () => {
    const hops = Array.from({ length: 51 }, (_, i) => `Received: from hop${i}.example by hop${i + 1}.example; Mon, 2 Nov 2026 10:00:00 +0000\r\n`).join('');
    const err = await client()
      .sendMail({
        envelope: { from: 'loop@remote.example', to: ['carol@example.test'] },
        raw: `${hops}From: loop@remote.example\r\nTo: carol@example.test\r\nSubject: loop\r\n\r\nround and round\r\n`,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(responseOf(err)).toContain('554 5.4.6');
  });

  it('does not offer AUTH on the MX port', async () => {
    const transcript = await rawSession(smtp.port, ['EHLO client.example.org', 'AUTH PLAIN AGNhcm9sQGV4YW1wbGUudGVzdABzZWNyZXQtY2Fyb2w=', 'QUIT']);
    expect(transcript).toMatch(/^220 mx\.example\.test /);
    expect(transcript).not.toMatch(/^250[- ]AUTH/m);
    expect(transcript).toMatch(/^5\d\d 5\.5\.2 Error: command not recognized/m);
  });
});

/** Sends commands one by one (each after the previous reply) and returns everything the server said. */
async function rawSession(port: number, commands: string[]): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let waiting: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
    // a complete reply ends with a line "NNN text"
    if (/(^|\r\n)\d{3} [^\r\n]*\r\n$/.test(received)) waiting?.();
  });
  const nextReply = () => new Promise<void>((resolve) => (waiting = resolve));
  await nextReply();
  for (const cmd of commands) {
    const reply = nextReply();
    socket.write(`${cmd}\r\n`);
    await reply;
  }
  socket.destroy();
  return received;
}
