import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type MailStore } from '../src/store/index.js';
import { OutboundQueue, openQueueDb, staticMxResolver, type MxTarget } from '../src/queue/index.js';
import { AdminCommandError, queueCommand } from '../src/mta-admin.js';
import { closedPort, mailbox, startFakeMx, type FakeMx } from './queue-helpers.js';

// The queue alone, with a fake clock (autoStart: false, runDue() drives each attempt): nothing
// here depends on wall-clock time.
const HOUR = 3600_000;

let dir: string;
let store: MailStore;
let remote: FakeMx;
let deadPort: number;

function message(subject: string): Buffer {
  return Buffer.from(`From: alice@local.test\r\nTo: x@remote.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@local.test>\r\n\r\nbody\r\n`);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-queue-dur-'));
  store = openStore({ path: path.join(dir, 'mail.sqlite') });
  store.addDomain('local.test');
  store.createUser('alice@local.test', 'pw');
  remote = await startFakeMx();
  deadPort = await closedPort();
});

afterAll(async () => {
  await remote?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function queueAt(clock: { now: number }, targets: Record<string, MxTarget>, dataDir = dir): OutboundQueue {
  return new OutboundQueue({
    dataDir,
    hostname: 'mx.local.test',
    store,
    resolver: staticMxResolver(targets),
    autoStart: false,
    now: () => clock.now,
    retry: { initialMs: 10 * 60_000, maxMs: 2 * HOUR },
    client: { connectionTimeoutMs: 2_000 },
  });
}

describe('outbound queue durability and schedule', () => {
  it('keeps every queued message across a close and reopen, then delivers each exactly once', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const sub = mkdtempSync(path.join(tmpdir(), 'mailroom-queue-restart-'));
    try {
      const first = queueAt(clock, { 'remote.test': { host: '127.0.0.1', port: deadPort } }, sub);
      const ids = [
        first.enqueue('alice@local.test', ['r1@remote.test', 'r2@remote.test'], message('restart one')),
        first.enqueue('alice@local.test', ['r3@remote.test'], message('restart two')),
        first.enqueue('alice@local.test', ['r4@remote.test'], message('restart three')),
      ];
      await first.runDue(); // the remote is down: all deferred
      expect(first.list().map((e) => e.recipients.map((r) => r.attempts))).toEqual([[1, 1], [1], [1]]);
      await first.close();

      const second = queueAt(clock, { 'remote.test': { host: '127.0.0.1', port: remote.port } }, sub);
      const listed = second.list();
      expect(listed.map((e) => e.id)).toEqual(ids);
      expect(listed[0]!.recipients.map((r) => r.address)).toEqual(['r1@remote.test', 'r2@remote.test']);
      expect(listed[0]!.recipients[0]!.lastError).toMatch(/connection to .* failed/);
      // not due yet: nothing happens
      await second.runDue();
      expect(remote.received.filter((m) => m.raw.toString().includes('restart'))).toHaveLength(0);
      clock.now += 10 * 60_000;
      await second.runDue();
      const got = remote.received.filter((m) => m.raw.toString().includes('Subject: restart'));
      // two connections run side by side (per-domain limit 2): compare regardless of order
      expect(got.map((m) => m.to.join(',')).sort()).toEqual(['r1@remote.test,r2@remote.test', 'r3@remote.test', 'r4@remote.test']);
      expect(second.list()).toEqual([]);
      await second.runDue();
      expect(remote.received.filter((m) => m.raw.toString().includes('Subject: restart'))).toHaveLength(3);
      await second.close();
    } finally {
      rmSync(sub, { recursive: true, force: true });
    }
  });

  it('backs off exponentially, sends one delay notice after 4 hours and a DSN when the lifetime ends', async () => {
    const clock = { now: Date.UTC(2026, 1, 1) };
    const q = queueAt(clock, { 'remote.test': { host: '127.0.0.1', port: deadPort, name: 'mx.remote.test' } });
    const start = clock.now;
    const id = q.enqueue('alice@local.test', ['late@remote.test'], message('slow lane'));
    const nextAttempts: number[] = [];
    const notices = async () =>
      (await mailbox(store, 'alice@local.test')).filter((m) => m.toString().includes('X-Mailroom-Queue-ID: ' + id));

    for (let i = 0; i < 5; i++) {
      await q.runDue();
      const entry = q.list().find((e) => e.id === id)!;
      nextAttempts.push(entry.recipients[0]!.nextAttemptAt.getTime() - clock.now);
      clock.now = entry.recipients[0]!.nextAttemptAt.getTime();
    }
    // 10 min, 20, 40, 80, then capped at 2 h; no notice before 4 hours
    expect(nextAttempts.map((ms) => ms / 60_000)).toEqual([10, 20, 40, 80, 120]);
    expect(await notices()).toHaveLength(0);

    // the attempt at 4.5 hours sends one delay notice, the next one none
    expect(clock.now - start).toBe(270 * 60_000);
    await q.runDue();
    clock.now += 2 * HOUR;
    await q.runDue();
    const delay = await notices();
    expect(delay).toHaveLength(1);
    const parsed = await simpleParser(delay[0]!);
    expect(parsed.subject).toBe('Delayed Mail (still being retried)');
    expect(parsed.text).toMatch(/^Action: delayed$/m);
    expect(parsed.text).toMatch(/^Status: 4\.4\.1$/m);
    expect(parsed.text).toMatch(/^Will-Retry-Until: /m);

    // past 5 days: the message expires and bounces
    clock.now = start + 5 * 24 * HOUR;
    await q.runDue();
    const all = await notices();
    expect(all).toHaveLength(2);
    const expired = await simpleParser(all[1]!);
    expect(expired.subject).toBe('Undelivered Mail Returned to Sender');
    expect(expired.text).toMatch(/^Action: failed$/m);
    expect(expired.text).toMatch(/^Status: 4\.4\.7$/m);
    expect(expired.text).toMatch(/delivery time expired/);
    expect(q.list().find((e) => e.id === id)).toBeUndefined();
    await q.close();
  });

  it('bounces at once when the domain cannot receive mail (no MX, A or AAAA)', async () => {
    const clock = { now: Date.UTC(2026, 2, 1) };
    const q = queueAt(clock, {});
    const id = q.enqueue('alice@local.test', ['x@nowhere.test'], message('nowhere'));
    await q.runDue();
    const dsn = (await mailbox(store, 'alice@local.test')).filter((m) => m.toString().includes(`X-Mailroom-Queue-ID: ${id}`));
    expect(dsn).toHaveLength(1);
    expect((await simpleParser(dsn[0]!)).text).toMatch(/^Status: 5\.1\.2$/m);
    await q.close();
  });

  it('tries the next MX host when the first one is unreachable', async () => {
    const clock = { now: Date.UTC(2026, 6, 1) };
    const routed = new OutboundQueue({
      dataDir: dir,
      hostname: 'mx.local.test',
      store,
      autoStart: false,
      now: () => clock.now,
      resolver: staticMxResolver({
        'remote.test': [
          { host: '127.0.0.1', port: deadPort, name: 'mx1.remote.test' },
          { host: '127.0.0.1', port: remote.port, name: 'mx2.remote.test' },
        ],
      }),
    });
    const id = routed.enqueue('alice@local.test', ['second@remote.test'], message('second mx'));
    await routed.runDue();
    expect(remote.received.some((m) => m.to.includes('second@remote.test'))).toBe(true);
    expect(routed.list().find((e) => e.id === id)).toBeUndefined();
    await routed.close();
  });

  it('bounces a 5xx answer to DATA and retries a 4xx one', async () => {
    const clock = { now: Date.UTC(2026, 7, 1) };
    const q = queueAt(clock, { 'remote.test': { host: '127.0.0.1', port: remote.port, name: 'mx.remote.test' } });
    let answer: string | null = '552 5.3.4 Message too big for this mailbox';
    remote.data = () => answer;
    try {
      const big = q.enqueue('alice@local.test', ['data5@remote.test'], message('data five'));
      await q.runDue();
      const dsn = (await mailbox(store, 'alice@local.test')).filter((m) => m.toString().includes(`X-Mailroom-Queue-ID: ${big}`));
      expect(dsn).toHaveLength(1);
      expect(dsn[0]!.toString()).toMatch(/^Status: 5\.3\.4\r?$/m);
      expect(dsn[0]!.toString()).toMatch(/^Diagnostic-Code: smtp; 552 5\.3\.4 Message too big for this mailbox\r?$/m);

      answer = '451 4.3.0 Try again later';
      const later = q.enqueue('alice@local.test', ['data4@remote.test'], message('data four'));
      await q.runDue();
      expect(q.list().find((e) => e.id === later)?.recipients[0]?.lastError).toContain('451 4.3.0 Try again later');
      answer = null;
      clock.now += 10 * 60_000;
      await q.runDue();
      expect(q.list()).toEqual([]);
      expect(remote.received.some((m) => m.to.includes('data4@remote.test'))).toBe(true);
    } finally {
      remote.data = () => null;
      await q.close();
    }
  });

  it('never bounces a bounce: a failed message from the null sender is dropped', async () => {
    const clock = { now: Date.UTC(2026, 3, 1) };
    const q = queueAt(clock, {});
    q.enqueue('', ['x@nowhere.test'], message('dsn to nowhere'));
    await q.runDue();
    expect(q.list()).toEqual([]);
    await q.close();
  });

  it('lists, flushes and deletes through the queue file alone (the `mailroom queue` commands)', async () => {
    const clock = { now: Date.UTC(2026, 4, 1) };
    const sub = mkdtempSync(path.join(tmpdir(), 'mailroom-queue-admin-'));
    try {
      const q = queueAt(clock, { 'remote.test': { host: '127.0.0.1', port: deadPort } }, sub);
      const keep = q.enqueue('alice@local.test', ['k@remote.test'], message('keep'));
      const drop = q.enqueue('alice@local.test', ['d@remote.test'], message('drop'));
      await q.runDue();
      await q.close();

      // the CLI's text output (`mailroom queue list|delete|flush`)
      const listing = queueCommand(sub, ['list'], clock.now);
      expect(listing).toContain(`${keep}  `);
      expect(listing).toContain('<k@remote.test>  pending, 1 attempts, next attempt in 10 min: 4.4.1 connection to 127.0.0.1 failed');
      expect(listing).toContain('2 messages queued.');
      expect(() => queueCommand(sub, ['delete', 'no-such-id'])).toThrow(AdminCommandError);
      expect(() => queueCommand(sub, ['frobnicate'])).toThrow(/usage: mailroom queue/);

      const db = openQueueDb(sub);
      expect(db.list().map((m) => m.id)).toEqual([keep, drop]);
      expect(db.delete(drop)).toBe(true);
      expect(db.delete(drop)).toBe(false);
      expect(db.flush(clock.now)).toBe(1);
      expect(db.list().map((m) => [m.id, m.recipients[0]!.nextAttemptAt])).toEqual([[keep, clock.now]]);
      db.close();
    } finally {
      rmSync(sub, { recursive: true, force: true });
    }
  });
});
