import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type MailStore } from '../src/store/index.js';
import { startInboundSmtp } from '../src/smtp/inbound.js';
import { startSubmissionSmtp } from '../src/smtp/submission.js';
import type { SmtpListener } from '../src/smtp/listener.js';
import { RawSmtp, type Reply } from './relay-helpers.js';

// ENHANCEDSTATUSCODES (RFC 2034): advertised on both roles, and then every reply after the
// greeting and EHLO carries exactly one enhanced status code. Plus the greeting delay policy.
let dir: string;
let store: MailStore;
let mx: SmtpListener;
let submission: SmtpListener;
let slowMx: SmtpListener;
let remoteSubmission: SmtpListener;
const open: RawSmtp[] = [];

const MAX_BYTES = 64 * 1024;
const ONE_CODE = /^\d{3}[ -][245]\.\d{1,3}\.\d{1,3} (?![245]\.\d{1,3}\.\d{1,3}\b)/;

function expectOneCode(reply: Reply, code: number, enhanced: string): void {
  expect(reply.code, reply.text).toBe(code);
  for (const line of reply.text.split(/\r?\n/)) {
    expect(line, reply.text).toMatch(ONE_CODE);
    expect(line.slice(4).startsWith(`${enhanced} `), reply.text).toBe(true);
  }
}

async function session(port: number): Promise<RawSmtp> {
  const { client, greeting } = await RawSmtp.connect(port);
  open.push(client);
  expect(greeting.code).toBe(220);
  const ehlo = await client.command('EHLO client.example.org');
  expect(ehlo.code).toBe(250);
  expect(ehlo.text).toMatch(/^250[- ]ENHANCEDSTATUSCODES$/m);
  // EHLO lines carry no enhanced code (RFC 2034 section 3)
  expect(ehlo.text).not.toMatch(/^250[- ]2\.\d/m);
  return client;
}

async function authed(user = 'erin@example.test', pass = 'erin-pw'): Promise<RawSmtp> {
  const c = await session(submission.port);
  expectOneCode(await c.command(`AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString('base64')}`), 235, '2.7.0');
  return c;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-smtp-replies-'));
  store = openStore({ path: path.join(dir, 'mail.sqlite') });
  store.addDomain('example.test');
  store.createUser('erin@example.test', 'erin-pw');
  store.createUser('full@example.test', 'full-pw');
  await store.deliver('full@example.test', Buffer.from('Subject: fills the mailbox\r\n\r\nhello\r\n'));
  store.setQuota('full@example.test', 10);
  const common = { store, host: '127.0.0.1', port: 0, hostname: 'mx.example.test', maxMessageBytes: MAX_BYTES };
  mx = await startInboundSmtp({ ...common, authChecks: false });
  submission = await startSubmissionSmtp({ ...common, allowInsecureAuth: true });
  // loopback greeted like any remote client, with a long greeting delay on the MX port
  slowMx = await startInboundSmtp({ ...common, authChecks: false, limits: { greetingDelayMs: 5_000, greetingDelayExemptIps: [] } });
  remoteSubmission = await startSubmissionSmtp({ ...common, allowInsecureAuth: true, limits: { greetingDelayExemptIps: [] } });
});

afterAll(async () => {
  for (const c of open) c.close();
  await mx?.close();
  await submission?.close();
  await slowMx?.close();
  await remoteSubmission?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('enhanced status codes', () => {
  it('MX: one enhanced code on every reply of a whole transaction and its errors', async () => {
    const c = await session(mx.port);
    expectOneCode(await c.command('NOOP'), 250, '2.0.0');
    expectOneCode(await c.command('RCPT TO:<erin@example.test>'), 503, '5.5.1');
    expectOneCode(await c.command(`MAIL FROM:<a@remote.example> SIZE=${MAX_BYTES + 1}`), 552, '5.3.4');
    expectOneCode(await c.command('MAIL FROM:<a@remote.example>'), 250, '2.1.0');
    expectOneCode(await c.command('MAIL FROM:<b@remote.example>'), 503, '5.5.1');
    const unknown = await c.command('RCPT TO:<nobody@example.test>');
    expectOneCode(unknown, 550, '5.1.1');
    expect(unknown.text).toContain('<nobody@example.test>: no such user here');
    const relay = await c.command('RCPT TO:<someone@remote.example>');
    expectOneCode(relay, 550, '5.7.1');
    expect(relay.text).toContain('Relay access denied');
    expectOneCode(await c.command('RCPT TO:<erin@example.test>'), 250, '2.1.5');
    expectOneCode(await c.command('RCPT TO:<full@example.test>'), 452, '4.2.2');
    expect((await c.command('DATA')).code).toBe(354);
    c.write('Subject: codes\r\n\r\nhello\r\n.\r\n');
    const stored = await c.reply();
    expectOneCode(stored, 250, '2.0.0');
    expect(stored.text).toContain('message stored');
    expectOneCode(await c.command('RSET'), 250, '2.0.0');
    expectOneCode(await c.command('VRFY erin'), 252, '2.1.5');
    expectOneCode(await c.command('AUTH PLAIN AGVyaW4AZXJpbi1wdw=='), 500, '5.5.2');
    expectOneCode(await c.command('FROBNICATE'), 500, '5.5.2');
    expectOneCode(await c.command('QUIT'), 221, '2.0.0');
  });

  it('MX: an oversized DATA gets one code', async () => {
    const c = await session(mx.port);
    expectOneCode(await c.command('MAIL FROM:<a@remote.example>'), 250, '2.1.0');
    expectOneCode(await c.command('RCPT TO:<erin@example.test>'), 250, '2.1.5');
    expect((await c.command('DATA')).code).toBe(354);
    c.write(`Subject: big\r\n\r\n${'x'.repeat(998)}\r\n`.repeat(80) + '.\r\n');
    expectOneCode(await c.reply(), 552, '5.3.4');
  });

  it('submission: authentication, sender and recipient errors carry one code each', async () => {
    const anon = await session(submission.port);
    expectOneCode(await anon.command('MAIL FROM:<erin@example.test>'), 530, '5.7.0');
    expectOneCode(await anon.command(`AUTH PLAIN ${Buffer.from('\0erin@example.test\0wrong').toString('base64')}`), 535, '5.7.8');

    const c = await authed();
    const foreign = await c.command('MAIL FROM:<ceo@remote.example>');
    expectOneCode(foreign, 553, '5.7.1');
    expect(foreign.text).toContain('not owned by the authenticated user erin@example.test');
    expectOneCode(await c.command('MAIL FROM:<erin@example.test>'), 250, '2.1.0');
    expectOneCode(await c.command('RCPT TO:<nobody@example.test>'), 550, '5.1.1');
    // no outbound queue on this listener: remote recipients are refused
    expectOneCode(await c.command('RCPT TO:<x@remote.example>'), 550, '5.7.1');
    expectOneCode(await c.command('RCPT TO:<full@example.test>'), 452, '4.2.2');
    expectOneCode(await c.command('RCPT TO:<erin+notes@example.test>'), 250, '2.1.5');
    expect((await c.command('DATA')).code).toBe(354);
    c.write('From: Someone Else <ceo@remote.example>\r\nSubject: spoof\r\n\r\nhi\r\n.\r\n');
    const header = await c.reply();
    expectOneCode(header, 550, '5.7.1');
    expect(header.text).toContain('From/Sender header address <ceo@remote.example> is not owned by the authenticated user');
  });

  it('submission over plain text without allowInsecureAuth: 538 with one code', async () => {
    const strict = await startSubmissionSmtp({ store, host: '127.0.0.1', port: 0, hostname: 'smtp.example.test', maxMessageBytes: MAX_BYTES });
    try {
      const c = await session(strict.port);
      expectOneCode(await c.command(`AUTH PLAIN ${Buffer.from('\0erin@example.test\0erin-pw').toString('base64')}`), 538, '5.7.11');
      c.close();
    } finally {
      await strict.close();
    }
  });
});

/** Connects and writes `line` at once, before any greeting; returns everything the server said. */
async function talkFirst(port: number, line: string): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1');
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(line);
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (/\r\n221 /.test(text) || /^421 /m.test(text)) resolve();
    };
    socket.on('data', check);
    socket.on('close', () => resolve());
    check();
  });
  socket.destroy();
  return text;
}

describe('greeting delay', () => {
  it('the MX port turns away a remote client that talks before the greeting', async () => {
    const text = await talkFirst(slowMx.port, 'EHLO early.example.org\r\n');
    expect(text).toMatch(/^421 .*You talk too soon/m);
    expect(text).not.toMatch(/^250/m);
  });

  it('submission greets at once: a client that talks first is served', async () => {
    const text = await talkFirst(remoteSubmission.port, 'EHLO early.example.org\r\nQUIT\r\n');
    expect(text).toMatch(/^220 /);
    expect(text).toMatch(/^250-mx\.example\.test/m);
    expect(text).not.toContain('too soon');
  });

  it('the MX port greets loopback clients at once', async () => {
    const text = await talkFirst(mx.port, 'EHLO early.example.org\r\nQUIT\r\n');
    expect(text).toMatch(/^220 /);
    expect(text).toMatch(/^250-/m);
    expect(text).not.toContain('too soon');
  });
});
