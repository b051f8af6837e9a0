// SIGKILL during submission (DATA) and during outbound delivery, again and again: every message
// that got 250 is in the local mailbox exactly once and reaches the remote MX (at least once; a
// kill between the remote's 250 and our commit can only repeat a delivery, never lose one), and
// nothing partial appears anywhere. MAILROOM_CRASH_ITERATIONS raises the number of kills (the
// issue asks for 100; the default keeps this file well under 30 s).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/index.js';
import { openQueueDb } from '../src/queue/index.js';
import { mailbox, startFakeMx, waitFor, type FakeMx } from './queue-helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/mta-crash-child.ts', import.meta.url));
const ITERATIONS = Number(process.env.MAILROOM_CRASH_ITERATIONS ?? 4);

let dir: string;
let remote: FakeMx;
let seed = 12345;
const rand = (): number => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 2 ** 32;
};
const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/** id → sha of the body, for every message that got 250. */
const acked = new Map<string, string>();
/** Every message that was sent (acknowledged or not). */
const sent = new Map<string, string>();

function startChild(): Promise<{ port: number; kill: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(remote.port), '20', '100', '50'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /\{"t":"ready","smtp":\d+,"submission":(\d+)\}/.exec(stdout);
      if (m) {
        resolve({
          port: Number(m[1]),
          kill: async () => {
            child.kill('SIGKILL');
            await exited;
          },
        });
      }
    });
    void exited.then(() => reject(new Error(`child exited before it was ready: ${stderr}`)));
  });
}

function message(id: string): string {
  const words = Math.floor(rand() ** 3 * 3_000) + 10;
  let body = '';
  for (let i = 0; i < words; i++) body += `${id} line ${i} of the crash test body\r\n`;
  return `From: alice@local.test\r\nTo: bob@local.test, r@remote.test\r\nSubject: ${id}\r\nMessage-ID: <${id}@local.test>\r\n\r\n${body}`;
}

function bodyOf(raw: Buffer): string {
  const text = raw.toString('utf8');
  return text.slice(text.indexOf('\r\n\r\n') + 4);
}

/** Sends messages one after another on `port` until a send fails (the child died). */
async function sendLoop(port: number, tag: string, stop: { stopped: boolean }): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    auth: { user: 'alice@local.test', pass: 'alice-pw' },
    connectionTimeout: 5_000,
    // one connection for the whole loop: many messages per child life
    pool: true,
    maxConnections: 1,
  });
  for (let n = 0; !stop.stopped; n++) {
    const id = `crash-${tag}-${n}`;
    const raw = message(id);
    sent.set(id, sha(raw.slice(raw.indexOf('\r\n\r\n') + 4)));
    try {
      await transport.sendMail({ envelope: { from: 'alice@local.test', to: ['bob@local.test', 'r@remote.test'] }, raw });
      acked.set(id, sent.get(id)!);
    } catch {
      break;
    }
  }
  transport.close();
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-mta-crash-'));
  remote = await startFakeMx();
});

afterAll(async () => {
  await remote?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SIGKILL during DATA and during queue delivery', () => {
  it(`loses nothing that got 250 over ${ITERATIONS} kills`, { timeout: 60_000 + ITERATIONS * 6_000 }, async () => {
    for (let i = 0; i < ITERATIONS; i++) {
      const child = await startChild();
      const stop = { stopped: false };
      const before = acked.size;
      const loops = [sendLoop(child.port, `${i}a`, stop), sendLoop(child.port, `${i}b`, stop)];
      // kill at a random moment once mail flows: while DATA is streaming, while committing, while
      // the queue delivers
      await waitFor(() => acked.size > before, 'the first 250 of this run');
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 300)));
      await child.kill();
      stop.stopped = true;
      await Promise.all(loops);
    }
    expect(acked.size).toBeGreaterThan(0);

    // a last, undisturbed run lets the queue finish
    const last = await startChild();
    try {
      await waitFor(
        () => [...acked.keys()].every((id) => remote.received.some((m) => m.raw.toString('utf8').includes(`Subject: ${id}\r\n`))),
        'every acknowledged message at the remote MX',
        60_000,
      );
    } finally {
      await last.kill();
    }

    expect(remote.received.length).toBeGreaterThanOrEqual(acked.size);
    const queue = openQueueDb(dir);
    const leftover = queue.list();
    queue.close();
    const store = openStore({ path: path.join(dir, 'mail.sqlite') });
    try {
      const local = await mailbox(store, 'bob@local.test');
      const localIds = new Map<string, number>();
      for (const raw of local) {
        const id = /^Subject: (crash-[\w-]+)\r$/m.exec(raw.toString('utf8'))?.[1];
        expect(id, 'a message without its subject').toBeDefined();
        // nothing partial: the body is byte for byte the body that was sent
        expect(sha(bodyOf(raw))).toBe(sent.get(id!));
        localIds.set(id!, (localIds.get(id!) ?? 0) + 1);
      }
      for (const id of acked.keys()) expect(localIds.get(id), `local copy of ${id}`).toBe(1);
      for (const m of remote.received) {
        const id = /^Subject: (crash-[\w-]+)\r$/m.exec(m.raw.toString('utf8'))?.[1];
        expect(id).toBeDefined();
        expect(sha(bodyOf(m.raw))).toBe(sent.get(id!));
      }
      // whatever is still queued was never acknowledged remotely... or is a retry of an unacked message
      for (const entry of leftover) expect(entry.recipients.every((r) => r.status === 'pending')).toBe(true);
    } finally {
      store.close();
    }
  });
});
