import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type MailStore } from '../src/store/index.js';
import { startInboundSmtp } from '../src/smtp/inbound.js';
import { startSubmissionSmtp } from '../src/smtp/submission.js';
import type { SmtpListener } from '../src/smtp/listener.js';
import { AuthGuard, type SmtpLimits } from '../src/smtp/limits.js';
import { RawSmtp } from './relay-helpers.js';

// Every limit with small numbers, a fake clock for the windows, and loopback not exempt.
let dir: string;
let store: MailStore;
const clock = { now: Date.UTC(2026, 5, 1) };
const now = (): number => clock.now;
const listeners: SmtpListener[] = [];
const clients: RawSmtp[] = [];

async function listen(kind: 'mx' | 'submission', limits: SmtpLimits, maxMessageBytes = 64 * 1024): Promise<SmtpListener> {
  const common = { store, host: '127.0.0.1', port: 0, hostname: 'mx.example.test', maxMessageBytes, now, limits: { exemptIps: [], ...limits } };
  const l = kind === 'mx' ? await startInboundSmtp({ ...common, authChecks: false }) : await startSubmissionSmtp({ ...common, allowInsecureAuth: true });
  listeners.push(l);
  return l;
}

async function connect(port: number) {
  const r = await RawSmtp.connect(port);
  clients.push(r.client);
  return r;
}

function plain(user: string, pass: string): string {
  return Buffer.from(`\0${user}\0${pass}`).toString('base64');
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-limits-'));
  store = openStore({ path: path.join(dir, 'mail.sqlite') });
  store.addDomain('example.test');
  store.createUser('carol@example.test', 'carol-pw');
  store.createUser('dave@example.test', 'dave-pw');
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  for (const l of listeners) await l.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SMTP limits', () => {
  it('caps simultaneous connections per IP (421 4.7.0)', async () => {
    const mx = await listen('mx', { maxConnectionsPerIp: 2 });
    expect((await connect(mx.port)).greeting.code).toBe(220);
    expect((await connect(mx.port)).greeting.code).toBe(220);
    const third = await connect(mx.port);
    expect(third.greeting.code).toBe(421);
    expect(third.greeting.text).toContain('4.7.0 Too many connections from your address');
  });

  it('caps connections in total (421)', async () => {
    const mx = await listen('mx', { maxConnections: 2 });
    await connect(mx.port);
    await connect(mx.port);
    expect((await connect(mx.port)).greeting.code).toBe(421);
  });

  it('limits the connection rate per IP within a window', async () => {
    const mx = await listen('mx', { ipConnectionRate: { max: 3, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) {
      const { client, greeting } = await connect(mx.port);
      expect(greeting.code).toBe(220);
      expect((await client.command('QUIT')).code).toBe(221);
    }
    const over = await connect(mx.port);
    expect(over.greeting.code).toBe(421);
    expect(over.greeting.text).toContain('4.7.0 Connection rate limit exceeded');
    clock.now += 60_001;
    expect((await connect(mx.port)).greeting.code).toBe(220);
  });

  it('limits recipients per message (452 4.5.3) and keeps the accepted ones', async () => {
    const mx = await listen('mx', { maxRecipients: 2 });
    const { client } = await connect(mx.port);
    await client.command('EHLO client.example.org');
    await client.command('MAIL FROM:<sender@elsewhere.example>');
    expect((await client.command('RCPT TO:<carol@example.test>')).code).toBe(250);
    expect((await client.command('RCPT TO:<dave@example.test>')).code).toBe(250);
    const third = await client.command('RCPT TO:<carol+x@example.test>');
    expect(third.code).toBe(452);
    expect(third.text).toContain('4.5.3');
    expect((await client.command('DATA')).code).toBe(354);
    client.write('Subject: two of three\r\n\r\nx\r\n.\r\n');
    expect((await client.reply()).code).toBe(250);
  });

  it('enforces the message size, declared (MAIL FROM SIZE=) and actual (552)', async () => {
    const mx = await listen('mx', {}, 1024);
    const { client } = await connect(mx.port);
    const ehlo = await client.command('EHLO client.example.org');
    expect(ehlo.text).toMatch(/^250[- ]SIZE 1024$/m);
    for (const ext of ['PIPELINING', '8BITMIME', 'SMTPUTF8']) expect(ehlo.text).toMatch(new RegExp(`^250[- ]${ext}$`, 'm'));
    expect(ehlo.text).not.toMatch(/^250[- ]DSN$/m);
    const declared = await client.command('MAIL FROM:<sender@elsewhere.example> SIZE=5000');
    expect(declared.code).toBe(552);
    expect((await client.command('MAIL FROM:<sender@elsewhere.example>')).code).toBe(250);
    await client.command('RCPT TO:<carol@example.test>');
    await client.command('DATA');
    client.write(`Subject: big\r\n\r\n${'x'.repeat(70)}\r\n`.repeat(30) + '.\r\n');
    const reply = await client.reply();
    expect(reply.code).toBe(552);
  });

  it('limits messages per authenticated user per window (451 4.7.1)', async () => {
    const sub = await listen('submission', { userMessageRate: { max: 2, windowMs: 3600_000 } });
    const { client } = await connect(sub.port);
    await client.command('EHLO client.example.org');
    expect((await client.command(`AUTH PLAIN ${plain('carol@example.test', 'carol-pw')}`)).code).toBe(235);
    for (let i = 0; i < 2; i++) {
      expect((await client.command('MAIL FROM:<carol@example.test>')).code).toBe(250);
      expect((await client.command('RSET')).code).toBe(250);
    }
    const over = await client.command('MAIL FROM:<carol@example.test>');
    expect(over.code).toBe(451);
    expect(over.text).toContain('4.7.1 Sending rate limit exceeded');
    clock.now += 3600_001;
    expect((await client.command('MAIL FROM:<carol@example.test>')).code).toBe(250);
  });

  it('locks a user name out from that address after repeated failed AUTH, even with the right password, until the lock ends', async () => {
    const sub = await listen('submission', {
      authLockout: { freeFailures: 1, baseDelayMs: 1, maxDelayMs: 4, lockAfter: 4, userLockAfter: 50, lockMs: 10 * 60_000, windowMs: 10 * 60_000 },
    });
    const { client } = await connect(sub.port);
    await client.command('EHLO client.example.org');
    for (let i = 0; i < 4; i++) {
      const r = await client.command(`AUTH PLAIN ${plain('dave@example.test', `wrong-${i}`)}`);
      expect(r.code).toBe(535);
    }
    const locked = await client.command(`AUTH PLAIN ${plain('dave@example.test', 'dave-pw')}`);
    expect(locked.code).toBe(454);
    expect(locked.text).toContain('4.7.0 Too many failed authentication attempts');
    // from a new connection too (the same IP is locked as well)
    const other = await connect(sub.port);
    await other.client.command('EHLO client.example.org');
    expect((await other.client.command(`AUTH PLAIN ${plain('carol@example.test', 'carol-pw')}`)).code).toBe(454);
    clock.now += 10 * 60_000 + 1;
    expect((await other.client.command(`AUTH PLAIN ${plain('dave@example.test', 'dave-pw')}`)).code).toBe(235);
  });

  it('grows the delay before each failure answer, up to the maximum', () => {
    let t = 0;
    const guard = new AuthGuard({ freeFailures: 3, baseDelayMs: 1_000, maxDelayMs: 8_000, lockAfter: 100, userLockAfter: 100, lockMs: 1, windowMs: 60_000 }, () => t, []);
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      delays.push(guard.fail('192.0.2.7', 'eve@example.test'));
      t += 1_000;
    }
    expect(delays).toEqual([0, 0, 0, 1_000, 2_000, 4_000, 8_000]);
    // failures leave the window: back to no delay
    t += 60_000;
    expect(guard.fail('192.0.2.7', 'eve@example.test')).toBe(0);
  });

  it('locks per user name and IP: a stranger cannot lock the owner out from elsewhere; user-wide only at userLockAfter', () => {
    const t = 0;
    const guard = new AuthGuard({ freeFailures: 0, baseDelayMs: 1, maxDelayMs: 1, lockAfter: 3, userLockAfter: 6, lockMs: 60_000, windowMs: 60_000 }, () => t, []);
    for (let i = 0; i < 3; i++) guard.fail('203.0.113.5', 'eve@example.test');
    expect(guard.check('203.0.113.5', 'eve@example.test')?.responseCode).toBe(454);
    expect(guard.check('198.51.100.9', 'eve@example.test')).toBeNull();
    for (let i = 0; i < 3; i++) guard.fail(`192.0.2.${i + 1}`, 'eve@example.test');
    expect(guard.check('198.51.100.9', 'eve@example.test')?.responseCode).toBe(454);
    expect(guard.check('198.51.100.9', 'carol@example.test')).toBeNull();
  });

  it('keeps per-IP limits off loopback by default, per-user lockout still on', () => {
    const t = 0;
    const guard = new AuthGuard({ freeFailures: 0, baseDelayMs: 1, maxDelayMs: 1, lockAfter: 2, userLockAfter: 2, lockMs: 60_000, windowMs: 60_000 }, () => t);
    guard.fail('127.0.0.1', 'eve@example.test');
    guard.fail('127.0.0.1', 'eve@example.test');
    expect(guard.check('127.0.0.1', 'eve@example.test')?.responseCode).toBe(454);
    // another user behind the same loopback client (the webmail) is not locked out
    expect(guard.check('127.0.0.1', 'carol@example.test')).toBeNull();
  });
});
