import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ImapFlow } from 'imapflow';
import pino from 'pino';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo, startMailServer, WELCOME_SUBJECT, type RunningMailServer } from '../src/index.js';

let dir: string;
let server: RunningMailServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-mailserver-'));
  server = await startMailServer({
    dataDir: path.join(dir, 'data'),
    ports: { imap: 0, smtp: 0, submission: 0 },
    hostname: 'mail.demo.test',
    allowInsecureAuth: true,
    // debug logging on, written nowhere: exercises the structured logging paths
    logger: pino({ level: 'debug' }, new Writable({ write: (_chunk, _enc, cb) => cb() })),
  });
  await seedDemo(server.store, { perUser: 30 });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves true when something accepts TCP connections on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function imapSubjects(user: string, pass: string, port: number): Promise<string[]> {
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass }, logger: false });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const subjects: string[] = [];
      for await (const msg of client.fetch('1:*', { envelope: true })) subjects.push(msg.envelope?.subject ?? '');
      return subjects;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

describe('startMailServer', () => {
  it('listens on three distinct ephemeral ports', () => {
    const { imap, smtp, submission } = server.ports;
    for (const p of [imap, smtp, submission]) expect(p).toBeGreaterThan(0);
    expect(new Set([imap, smtp, submission]).size).toBe(3);
  });

  it('serves the seeded demo mailbox over IMAP, the welcome message last', async () => {
    const subjects = await imapSubjects('alice@demo.test', 'demo', server.ports.imap);
    expect(subjects.length).toBeGreaterThanOrEqual(25);
    expect(subjects[subjects.length - 1]).toBe(WELCOME_SUBJECT);
  });

  it('delivers mail submitted by one demo user to another, and MX mail from outside, readable over IMAP', async () => {
    await nodemailer
      .createTransport({
        host: '127.0.0.1',
        port: server.ports.submission,
        secure: false,
        ignoreTLS: true,
        auth: { user: 'alice@demo.test', pass: 'demo' },
      })
      .sendMail({ from: 'alice@demo.test', to: 'bob@demo.test', subject: 'Lunch? 🍜', text: 'At noon.' });
    await nodemailer
      .createTransport({ host: '127.0.0.1', port: server.ports.smtp, secure: false, ignoreTLS: true })
      .sendMail({ from: 'someone@outside.example', to: 'bob@demo.test', subject: 'From outside', text: 'Hi Bob' });
    const subjects = await imapSubjects('bob@demo.test', 'demo', server.ports.imap);
    expect(subjects.slice(-2)).toEqual(['Lunch? 🍜', 'From outside']);
  });

  it('rejects with a clear error naming the port when a port is taken, and closes what it opened', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const taken = (blocker.address() as net.AddressInfo).port;
    const imapProbe = net.createServer();
    await new Promise<void>((resolve) => imapProbe.listen(0, '127.0.0.1', () => resolve()));
    const freeImap = (imapProbe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => imapProbe.close(() => resolve()));
    try {
      const err = await startMailServer({
        dataDir: path.join(dir, 'second'),
        ports: { imap: freeImap, smtp: taken, submission: 0 },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain(`127.0.0.1:${taken}`);
      expect((err as Error).message).toMatch(/SMTP \(inbound\).*address already in use/);
      // the IMAP listener started before the failure is closed again
      expect(await accepts(freeImap)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
    // the data directory is usable again: the store was closed
    const again = await startMailServer({ dataDir: path.join(dir, 'second'), ports: { imap: 0, smtp: 0, submission: 0 } });
    await again.close();
  });

  it('close() stops every listener, closes open connections and is safe to call twice', async () => {
    const other = await startMailServer({ dataDir: path.join(dir, 'third'), ports: { imap: 0, smtp: 0, submission: 0 } });
    const { smtp, submission, imap } = other.ports;
    // an idle SMTP session stays open until the server closes it
    const idle = net.connect(smtp, '127.0.0.1');
    await new Promise<void>((resolve) => idle.once('data', () => resolve()));
    const ended = new Promise<string>((resolve) => {
      let said = '';
      idle.on('data', (d: Buffer) => (said += d.toString()));
      idle.once('close', () => resolve(said));
    });
    await Promise.all([other.close(), other.close()]);
    await other.close();
    expect(await ended).toMatch(/^421 /m);
    for (const p of [smtp, submission, imap]) expect(await accepts(p)).toBe(false);
  });
});
