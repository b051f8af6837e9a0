import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type MailStore } from '../src/store/index.js';
import { startInboundSmtp } from '../src/smtp/inbound.js';
import { startSubmissionSmtp } from '../src/smtp/submission.js';
import type { SmtpListener } from '../src/smtp/listener.js';
import { RawSmtp, type Reply } from './relay-helpers.js';

// Never an open relay: every classic trick, on the MX port and on submission, with the exact
// reply. A recording queue proves that nothing was handed on for remote delivery.
let dir: string;
let store: MailStore;
let mx: SmtpListener;
let submission: SmtpListener;
const queued: Array<{ from: string; to: string[] }> = [];
const open: RawSmtp[] = [];

async function session(port: number): Promise<RawSmtp> {
  const { client, greeting } = await RawSmtp.connect(port);
  open.push(client);
  expect(greeting.code).toBe(220);
  expect((await client.command('EHLO client.example.org')).code).toBe(250);
  return client;
}

async function authed(): Promise<RawSmtp> {
  const c = await session(submission.port);
  const token = Buffer.from('\0carol@example.test\0carol-pw').toString('base64');
  expect((await c.command(`AUTH PLAIN ${token}`)).code).toBe(235);
  return c;
}

function expectReply(reply: Reply, code: number, enhanced: string, text?: RegExp): void {
  expect(reply.code, reply.text).toBe(code);
  expect(reply.text).toContain(` ${enhanced}`);
  if (text) expect(reply.text).toMatch(text);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-relay-'));
  store = openStore({ path: path.join(dir, 'mail.sqlite') });
  store.addDomain('example.test');
  store.createUser('carol@example.test', 'carol-pw');
  const common = { store, host: '127.0.0.1', port: 0, hostname: 'mx.example.test', maxMessageBytes: 1024 * 1024 };
  mx = await startInboundSmtp({ ...common, authChecks: false });
  submission = await startSubmissionSmtp({
    ...common,
    allowInsecureAuth: true,
    queue: {
      enqueue: (from: string, to: string[]) => {
        queued.push({ from, to });
        return 'q1';
      },
    },
  });
});

beforeEach(() => {
  for (const c of open.splice(0)) c.close();
});

afterAll(async () => {
  for (const c of open.splice(0)) c.close();
  await mx?.close();
  await submission?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('MX port: never an open relay', () => {
  it('refuses a remote recipient without authentication (550 5.7.1)', async () => {
    const c = await session(mx.port);
    expect((await c.command('MAIL FROM:<spammer@elsewhere.example>')).code).toBe(250);
    expectReply(await c.command('RCPT TO:<victim@remote.example>'), 550, '5.7.1', /Relay access denied/);
  });

  it('refuses the percent hack (user%remote@local) with 550 5.7.1', async () => {
    const c = await session(mx.port);
    await c.command('MAIL FROM:<spammer@elsewhere.example>');
    expectReply(await c.command('RCPT TO:<victim%remote.example@example.test>'), 550, '5.7.1', /percent/);
    expectReply(await c.command('RCPT TO:<carol%remote.example@example.test>'), 550, '5.7.1', /percent/);
  });

  it('refuses bang paths (remote!user@local) with 550 5.7.1', async () => {
    const c = await session(mx.port);
    await c.command('MAIL FROM:<spammer@elsewhere.example>');
    expectReply(await c.command('RCPT TO:<remote.example!victim@example.test>'), 550, '5.7.1', /bang/);
  });

  it('refuses a source route that leads to a remote domain (550 5.7.1); a route to a local user only reaches that user', async () => {
    const c = await session(mx.port);
    await c.command('MAIL FROM:<spammer@elsewhere.example>');
    expectReply(await c.command('RCPT TO:<@example.test:victim@remote.example>'), 550, '5.7.1', /Relay access denied/);
    expectReply(await c.command('RCPT TO:<@example.test,@mx.example.test:victim@remote.example>'), 550, '5.7.1');
    // RFC 5321 appendix C: the route is ignored, the mailbox is local; nothing leaves this server
    expect((await c.command('RCPT TO:<@remote.example:carol@example.test>')).code).toBe(250);
  });

  it('refuses quoted local parts that hold an @ or a route', async () => {
    const c = await session(mx.port);
    await c.command('MAIL FROM:<spammer@elsewhere.example>');
    for (const rcpt of ['"victim@remote.example"@example.test', '"@remote.example:victim"@example.test', 'victim@remote.example@example.test']) {
      const reply = await c.command(`RCPT TO:<${rcpt}>`);
      expect(reply.code, `${rcpt}: ${reply.text}`).toBeGreaterThanOrEqual(500);
      expect(reply.code).not.toBe(250);
    }
  });

  it('limits the null sender to one local recipient and never relays it', async () => {
    const c = await session(mx.port);
    expect((await c.command('MAIL FROM:<>')).code).toBe(250);
    expectReply(await c.command('RCPT TO:<victim@remote.example>'), 550, '5.7.1', /Relay access denied/);
    expect((await c.command('RCPT TO:<carol@example.test>')).code).toBe(250);
    expectReply(await c.command('RCPT TO:<carol+again@example.test>'), 550, '5.7.1', /null sender/);
  });

  it('offers no AUTH on the MX port, so credentials cannot unlock relaying there', async () => {
    const c = await session(mx.port);
    const reply = await c.command('AUTH PLAIN AGNhcm9sQGV4YW1wbGUudGVzdABjYXJvbC1wdw==');
    expect(reply.code).toBeGreaterThanOrEqual(500);
    await c.command('MAIL FROM:<carol@example.test>');
    expectReply(await c.command('RCPT TO:<victim@remote.example>'), 550, '5.7.1');
  });
});

describe('submission port: relaying only for authenticated users, only as themselves', () => {
  it('refuses everything before AUTH (530 5.7.0)', async () => {
    const c = await session(submission.port);
    expectReply(await c.command('MAIL FROM:<carol@example.test>'), 530, '5.7.0');
    expectReply(await c.command('RCPT TO:<victim@remote.example>'), 530, '5.7.0');
  });

  it('refuses the null sender and other people’s addresses from an authenticated user (553 5.7.1)', async () => {
    const c = await authed();
    expectReply(await c.command('MAIL FROM:<>'), 553, '5.7.1');
    expectReply(await c.command('MAIL FROM:<ceo@remote.example>'), 553, '5.7.1');
    expectReply(await c.command('MAIL FROM:<carol%remote.example@example.test>'), 553, '5.7.1');
  });

  it('refuses relay tricks in local recipients even when authenticated', async () => {
    const c = await authed();
    expect((await c.command('MAIL FROM:<carol@example.test>')).code).toBe(250);
    expectReply(await c.command('RCPT TO:<victim%remote.example@example.test>'), 550, '5.7.1');
    expectReply(await c.command('RCPT TO:<remote.example!victim@example.test>'), 550, '5.7.1');
  });

  it('refuses a message whose From or Sender header is not the authenticated user (550 5.7.1)', async () => {
    for (const header of ['From: CEO <ceo@remote.example>', 'From: carol@example.test\r\nSender: dave@example.test', 'From: carol@example.test, boss@example.test']) {
      const c = await authed();
      expect((await c.command('MAIL FROM:<carol@example.test>')).code).toBe(250);
      expect((await c.command('RCPT TO:<friend@remote.example>')).code).toBe(250);
      expect((await c.command('DATA')).code).toBe(354);
      c.write(`${header}\r\nTo: friend@remote.example\r\nSubject: spoof\r\n\r\nhello\r\n.\r\n`);
      const reply = await c.reply();
      expectReply(reply, 550, '5.7.1', /not owned by the authenticated user/);
    }
    expect(queued).toEqual([]);
  });

  it('queues a remote recipient of an authenticated user, and nothing of the refused attempts', async () => {
    const c = await authed();
    expect((await c.command('MAIL FROM:<carol@example.test>')).code).toBe(250);
    expect((await c.command('RCPT TO:<friend@remote.example>')).code).toBe(250);
    expect((await c.command('DATA')).code).toBe(354);
    c.write('From: carol@example.test\r\nTo: friend@remote.example\r\nSubject: hi\r\n\r\nhello\r\n.\r\n');
    expect((await c.reply()).code).toBe(250);
    expect(queued).toEqual([{ from: 'carol@example.test', to: ['friend@remote.example'] }]);
  });
});
