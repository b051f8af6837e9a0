import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMailDomain, staticDnsResolver, startMailServer, type DnsRecord, type RunningMailServer } from '../src/index.js';
import type { MxTarget } from '../src/queue/index.js';
import { mailbox, startFakeMx, waitFor, type FakeMx } from './queue-helpers.js';

// Two Mailroom instances on loopback, a.test and b.test, that find each other through a test
// resolver; fake remote MX hosts for the failure cases.
const mx: Record<string, MxTarget[]> = {};

/** The body parts of a multipart message, each with its content type parsed by mailparser. */
async function reportParts(raw: Buffer, boundary: string): Promise<Array<{ type: string; body: string }>> {
  const text = raw.toString('utf8');
  const pieces = text.split(`--${boundary}`).slice(1, -1);
  const out: Array<{ type: string; body: string }> = [];
  for (const piece of pieces) {
    const part = piece.replace(/^\r\n/, '');
    const split = part.indexOf('\r\n\r\n');
    const head = await simpleParser(Buffer.from(`${part.slice(0, split)}\r\n\r\n`));
    const ct = head.headers.get('content-type') as { value: string } | undefined;
    out.push({ type: ct?.value ?? '', body: part.slice(split + 4) });
  }
  return out;
}
const resolver = (domain: string): Promise<MxTarget[]> => {
  const t = mx[domain];
  return t ? Promise.resolve(t) : Promise.reject(new Error(`no test MX for ${domain}`));
};

let dirA: string;
let dirB: string;
let a: RunningMailServer;
let b: RunningMailServer;
let flaky: FakeMx;
let rejecting: FakeMx;
let bulk: FakeMx;
let tlsMx: FakeMx;

const ALICE = { user: 'alice@a.test', pass: 'alice-pw' };
const BOB = { user: 'bob@b.test', pass: 'bob-pw' };

function submit(server: RunningMailServer, auth: { user: string; pass: string }) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: server.ports.submission,
    secure: false,
    ignoreTLS: true,
    auth,
  });
}

beforeAll(async () => {
  dirA = mkdtempSync(path.join(tmpdir(), 'mailroom-queue-a-'));
  dirB = mkdtempSync(path.join(tmpdir(), 'mailroom-queue-b-'));
  const queue = { resolver, retry: { initialMs: 30, maxMs: 200 }, pollMs: 100 };
  // a.test has a DKIM key (`mailroom domain add`); b.test's checks see a.test's published records
  const records = addMailDomain({ dataDir: dirA, domain: 'a.test', mxHost: 'mx.a.test' }).records;
  const txt = (r: DnsRecord): string => [...r.value.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join('');
  const dns = staticDnsResolver({
    'a.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'], MX: [{ exchange: 'mx.a.test', priority: 10 }] },
    'mailroom._domainkey.a.test': { TXT: [txt(records[2]!)] },
    '_dmarc.a.test': { TXT: [txt(records[3]!)] },
    'b.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
  });
  const authChecks = { resolver: dns };
  a = await startMailServer({ dataDir: dirA, ports: { imap: 0, smtp: 0, submission: 0 }, hostname: 'mx.a.test', allowInsecureAuth: true, queue, authChecks });
  b = await startMailServer({ dataDir: dirB, ports: { imap: 0, smtp: 0, submission: 0 }, hostname: 'mx.b.test', allowInsecureAuth: true, queue, authChecks });
  expect(a.store.hasDomain('a.test')).toBe(true);
  a.store.createUser(ALICE.user, ALICE.pass);
  b.store.addDomain('b.test');
  b.store.createUser(BOB.user, BOB.pass);
  mx['a.test'] = [{ host: '127.0.0.1', port: a.ports.smtp, name: 'mx.a.test' }];
  mx['b.test'] = [{ host: '127.0.0.1', port: b.ports.smtp, name: 'mx.b.test' }];
  flaky = await startFakeMx();
  rejecting = await startFakeMx();
  bulk = await startFakeMx();
  mx['flaky.test'] = [{ host: '127.0.0.1', port: flaky.port, name: 'mx.flaky.test' }];
  mx['reject.test'] = [{ host: '127.0.0.1', port: rejecting.port, name: 'mx.reject.test' }];
  mx['bulk.test'] = [{ host: '127.0.0.1', port: bulk.port, name: 'mx.bulk.test' }];
  // a throw-away self-signed certificate (openssl CLI) for the STARTTLS peer
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dirB, 'key.pem'), '-out', path.join(dirB, 'cert.pem'), '-days', '1', '-subj', '/CN=mx.tls.test'], { stdio: 'ignore' });
  tlsMx = await startFakeMx({ tls: { key: readFileSync(path.join(dirB, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dirB, 'cert.pem'), 'utf8') } });
  mx['tls.test'] = [{ host: '127.0.0.1', port: tlsMx.port, name: 'mx.tls.test' }];
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await flaky?.close();
  await rejecting?.close();
  await bulk?.close();
  await tlsMx?.close();
  rmSync(dirA, { recursive: true, force: true });
  rmSync(dirB, { recursive: true, force: true });
});

describe('outbound queue between two Mailroom instances', () => {
  it('delivers mail from a.test to b.test (DKIM-signed by a, spf/dkim/dmarc=pass at b) and the reply back', async () => {
    const info = await submit(a, ALICE).sendMail({
      from: ALICE.user,
      to: BOB.user,
      subject: 'Across domains',
      text: 'Hello Bob, from the other instance.',
    });
    expect(info.accepted).toEqual([BOB.user]);
    const inbox = await waitFor(async () => {
      const m = await mailbox(b.store, BOB.user);
      return m.length > 0 ? m : null;
    }, 'delivery to b.test');
    const text = inbox[0]!.toString('utf8');
    expect(text.startsWith('Return-Path: <alice@a.test>\r\n')).toBe(true);
    expect(text).toContain('by mx.b.test (Mailroom)');
    expect(text).toContain('by mx.a.test (Mailroom)');
    // signed by a.test on submission, verified by b.test on receipt
    const results = /^Authentication-Results: mx\.b\.test;[^\r\n]*(?:\r\n[ \t][^\r\n]*)*/m.exec(text)?.[0].replace(/\r\n[ \t]+/g, ' ') ?? '';
    expect(results).toMatch(/dkim=pass [^;]*header\.i=@a\.test/);
    expect(results).toMatch(/spf=pass [^;]*smtp\.mailfrom=alice@a\.test/);
    expect(results).toMatch(/dmarc=pass [^;]*header\.from=a\.test/);
    const parsed = await simpleParser(inbox[0]!);
    expect(parsed.subject).toBe('Across domains');
    expect(parsed.text?.trim()).toBe('Hello Bob, from the other instance.');
    await waitFor(() => a.queue!.list().length === 0, 'the queue of a.test to empty');

    await submit(b, BOB).sendMail({ from: BOB.user, to: ALICE.user, subject: 'Re: Across domains', text: 'Got it.' });
    const back = await waitFor(async () => {
      const m = await mailbox(a.store, ALICE.user);
      return m.find((x) => x.toString('utf8').includes('Re: Across domains'));
    }, 'the reply');
    expect((await simpleParser(back)).text?.trim()).toBe('Got it.');
  });

  it('delivers local and remote recipients of one message (local at once, remote through the queue)', async () => {
    a.store.createUser('carol@a.test', 'carol-pw');
    await submit(a, ALICE).sendMail({ from: ALICE.user, to: ['carol@a.test', BOB.user], subject: 'Mixed envelope', text: 'x' });
    expect((await mailbox(a.store, 'carol@a.test')).some((m) => m.toString().includes('Mixed envelope'))).toBe(true);
    await waitFor(async () => (await mailbox(b.store, BOB.user)).some((m) => m.toString().includes('Mixed envelope')), 'remote copy');
  });

  it('retries after a temporary 451 and then delivers', async () => {
    let attempts = 0;
    flaky.rcpt = () => (++attempts <= 2 ? '451 4.3.0 Greylisted, try again later' : null);
    await submit(a, ALICE).sendMail({ from: ALICE.user, to: 'dora@flaky.test', subject: 'Greylisted', text: 'x' });
    const got = await waitFor(() => flaky.received.find((m) => m.raw.toString().includes('Subject: Greylisted')), 'delivery after retries');
    expect(attempts).toBe(3);
    expect(got.to).toEqual(['dora@flaky.test']);
    expect(got.from).toBe(ALICE.user);
    await waitFor(() => a.queue!.list().length === 0, 'the queue to empty');
    // no DSN of any kind for a message that was delivered in the end
    const dsn = (await mailbox(a.store, ALICE.user)).filter((m) => m.toString().includes('MAILER-DAEMON'));
    expect(dsn).toHaveLength(0);
  });

  it('bounces a permanent 550 to the sender as an RFC 3464 report in the INBOX', async () => {
    rejecting.rcpt = (address) => (address.startsWith('nobody@') ? '550 5.1.1 <nobody@reject.test>: no such user' : null);
    const info = await submit(a, ALICE).sendMail({
      from: ALICE.user,
      to: ['nobody@reject.test', 'someone@reject.test'],
      subject: 'Will partly bounce',
      messageId: '<bounce-me@a.test>',
      text: 'x',
    });
    expect(info.accepted).toHaveLength(2);
    const dsnRaw = await waitFor(async () => {
      const m = await mailbox(a.store, ALICE.user);
      return m.find((x) => x.toString().includes('Undelivered Mail Returned to Sender'));
    }, 'the DSN');
    // the other recipient was delivered
    expect(rejecting.received.map((m) => m.to)).toEqual([['someone@reject.test']]);

    expect(dsnRaw.toString().startsWith('Return-Path: <>\r\n')).toBe(true);
    const dsn = await simpleParser(dsnRaw);
    expect(dsn.headers.get('content-type')).toMatchObject({
      value: 'multipart/report',
      params: { 'report-type': 'delivery-status' },
    });
    expect(dsn.from?.text).toContain('MAILER-DAEMON@mx.a.test');
    expect(dsn.text).toContain('<nobody@reject.test>: 550 5.1.1');
    // mailparser folds message/delivery-status into .text; take the report apart by its boundary
    const parts = await reportParts(dsnRaw, (dsn.headers.get('content-type') as { params: { boundary: string } }).params.boundary);
    expect(parts.map((p) => p.type)).toEqual(['text/plain', 'message/delivery-status', 'text/rfc822-headers']);
    const report = parts[1]!.body;
    expect(report).toMatch(/^Reporting-MTA: dns; mx\.a\.test$/m);
    expect(report).toMatch(/^Final-Recipient: rfc822; nobody@reject\.test$/m);
    expect(report).toMatch(/^Action: failed$/m);
    expect(report).toMatch(/^Status: 5\.1\.1$/m);
    expect(report).toMatch(/^Remote-MTA: dns; mx\.reject\.test$/m);
    expect(report).toMatch(/^Diagnostic-Code: smtp; 550 5\.1\.1 <nobody@reject\.test>: no such user$/m);
    expect(report).not.toContain('someone@reject.test');
    expect(parts[2]!.body).toContain('Message-ID: <bounce-me@a.test>');
    expect(dsn.attachments.find((p) => p.contentType === 'text/rfc822-headers')?.content.toString()).toContain('Subject: Will partly bounce');
    await waitFor(() => a.queue!.list().length === 0, 'the queue to empty');
  });

  it('uses STARTTLS when the remote offers it (opportunistic, self-signed certificate accepted)', async () => {
    await submit(a, ALICE).sendMail({ from: ALICE.user, to: 'tina@tls.test', subject: 'Over TLS', text: 'x' });
    const got = await waitFor(() => tlsMx.received.find((m) => m.raw.toString().includes('Subject: Over TLS')), 'TLS delivery');
    expect(got.secure).toBe(true);
    // and plaintext to a server without STARTTLS (the other tests) still works
    expect(bulk.received.every((m) => !m.secure)).toBe(true);
  });

  it('reuses one connection for several messages to one domain and respects the per-domain limit', async () => {
    // stop the timer-driven runs from picking messages up one by one while they are queued
    const q = a.queue!;
    const before = bulk.connections;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(q.enqueue(ALICE.user, [`r${i}@bulk.test`], Buffer.from(`Subject: bulk ${i}\r\n\r\nbody ${i}\r\n`)));
    }
    await waitFor(() => bulk.received.length >= 6, 'six deliveries');
    await waitFor(() => q.list().length === 0, 'the queue to empty');
    const used = bulk.connections - before;
    // 6 messages, at most 2 connections at once (default per-domain limit): fewer connections than messages
    expect(used).toBeLessThan(6);
    expect(bulk.maxConcurrent).toBeLessThanOrEqual(2);
    const perConnection = new Map<string, number>();
    for (const m of bulk.received) perConnection.set(m.connection, (perConnection.get(m.connection) ?? 0) + 1);
    expect(Math.max(...perConnection.values())).toBeGreaterThan(1);
  });
});
