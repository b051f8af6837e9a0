// Durability of the whole MTA under SIGKILL (issue #4, point 7). A child process runs
// startMailServer; the parent sends mail over SMTP on two persistent connections (MX port → local
// users, submission with AUTH → a remote domain, which goes through the outbound queue to a sink
// on loopback that the parent runs) and kills the child with SIGKILL at a random point: at a
// random byte of a DATA (MX or submission), while the queue delivers (the sink has the whole
// message but has not answered, or has just answered 250), or after a random delay. After every
// kill the data dir is checked and the child restarted on it:
//  - every message that got 250 is in its local mailboxes exactly once, or (remote) still queued
//    or at the sink; the sink may hold a second copy only when the kill fell between the sink's
//    250 and the queue recording it (the queue still had it pending after that kill); such
//    duplicates are counted and printed, never a loss;
//  - nothing partial anywhere: every stored or queued message parses and is byte for byte what
//    was sent, preceded only by the Return-Path/Received trace fields the server adds.
// All randomness comes from fixed seeds. MAILROOM_SMTP_CRASH_ITERATIONS changes the number of
// kills (default 100). The TypeScript child is bundled once with esbuild (the tsx loader costs
// ~0.5 s per start on this machine, 100 restarts would take too long); MAILROOM_SMTP_CRASH_TSX=1
// runs it with `node --import tsx` instead.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type MailStore } from '../src/store/index.js';
import { openQueueDb } from '../src/queue/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD_TS = fileURLToPath(new URL('./fixtures/mta-crash-child.ts', import.meta.url));
const ITERATIONS = Number(process.env.MAILROOM_SMTP_CRASH_ITERATIONS ?? 100);
const USE_TSX = process.env.MAILROOM_SMTP_CRASH_TSX === '1';
const LOCAL_USERS = ['bob@local.test', 'carol@local.test'] as const;
const REMOTE_RCPT = 'r@remote.test';

/** xorshift32 with a fixed seed: the same kill points on every run (timing aside). */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}
const rand = prng(0x5eed_c4a5);
const randInt = (n: number): number => Math.floor(rand() * n);

let tmp: string;
let dataDir: string;
let childEntry: string[];

// ---------------------------------------------------------------------------------------------
// Bookkeeping

interface Sent {
  id: string;
  kind: 'mx' | 'sub';
  rcpts: string[];
  bytes: Buffer;
  acked: boolean;
}
const sent = new Map<string, Sent>();
/** Sink receipts: message id → epochs (child lives) in which a copy arrived. */
const atSink = new Map<string, number[]>();
/** Ids the sink answered 250 for while the queue still had them pending after the kill. */
const ackedButPending = new Set<string>();
let epoch = 0;
const stats = { kills: {} as Record<string, number>, acked: 0, sent: 0, localChecked: 0, remoteDuplicates: 0 };

function makeMessage(id: string, kind: 'mx' | 'sub', rcpts: string[]): Buffer {
  const from = kind === 'mx' ? 'sender@elsewhere.test' : 'alice@local.test';
  // small messages, a few larger ones so that DATA spans several TCP writes
  const lines = 2 + Math.floor(rand() ** 4 * 1500);
  let body = '';
  for (let i = 0; i < lines; i++) body += `${id} line ${i} ${'x'.repeat(randInt(60))}\r\n`;
  return Buffer.from(
    `From: ${from}\r\nTo: ${rcpts.join(', ')}\r\nSubject: crash ${id}\r\nMessage-ID: <${id}@crash.test>\r\n` +
      `Date: Tue, 24 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
    'utf8',
  );
}

const idOf = (raw: Buffer): string | undefined => /^Message-ID: <([\w-]+)@crash\.test>\r$/m.exec(raw.toString('latin1'))?.[1];

/** The message is what was sent, preceded only by trace fields; returns the id. */
async function checkComplete(raw: Buffer, where: string): Promise<string> {
  const id = idOf(raw);
  expect(id, `${where}: a message without its Message-ID`).toBeDefined();
  const s = sent.get(id!);
  expect(s, `${where}: unknown message ${id}`).toBeDefined();
  const prefixLen = raw.length - s!.bytes.length;
  expect(prefixLen, `${where}: ${id} is shorter than what was sent`).toBeGreaterThanOrEqual(0);
  expect(raw.subarray(prefixLen).equals(s!.bytes), `${where}: ${id} differs from what was sent`).toBe(true);
  const prefix = raw.subarray(0, prefixLen).toString('latin1');
  expect(prefix, `${where}: ${id} has more than trace fields in front`).toMatch(/^(?:(?:Return-Path|Received):[^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*)*$/);
  const parsed = await simpleParser(raw);
  expect(parsed.messageId).toBe(`<${id}@crash.test>`);
  return id!;
}

// ---------------------------------------------------------------------------------------------
// The sink (remote MX of remote.test), with kill hooks for "during queue delivery"

let sinkPort = 0;
let sink: SMTPServer;
/** Set per life: called when the sink has a whole message, before it answers. */
let onSinkData: ((answer: (accept: boolean) => void) => void) | null = null;

function startSink(): Promise<void> {
  sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const answer = (accept: boolean): void => {
          if (!accept) {
            const err = new Error('4.3.0 try again later') as Error & { responseCode: number };
            err.responseCode = 451;
            callback(err);
            return;
          }
          const id = idOf(raw) ?? '?';
          const list = atSink.get(id) ?? [];
          list.push(epoch);
          atSink.set(id, list);
          sinkRaw.push(raw);
          callback();
        };
        if (onSinkData) onSinkData(answer);
        else answer(true);
      });
    },
  });
  sink.on('error', () => undefined);
  return new Promise((resolve) =>
    sink.listen(0, '127.0.0.1', () => {
      const a = sink.server.address();
      sinkPort = typeof a === 'object' && a ? a.port : 0;
      resolve();
    }),
  );
}
const sinkRaw: Buffer[] = [];

// ---------------------------------------------------------------------------------------------
// The child

interface Child {
  smtp: number;
  submission: number;
  proc: ChildProcess;
  kill(): void;
  exited: Promise<void>;
}

function startChild(): Promise<Child> {
  const proc = spawn(process.execPath, [...childEntry, dataDir, String(sinkPort), '10', '50', '25'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => proc.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /\{"t":"ready","smtp":(\d+),"submission":(\d+)\}/.exec(stdout);
      if (m) resolve({ smtp: Number(m[1]), submission: Number(m[2]), proc, exited, kill: () => proc.kill('SIGKILL') });
    });
    void exited.then(() => reject(new Error(`child exited before it was ready: ${stderr}`)));
  });
}

// ---------------------------------------------------------------------------------------------
// A bare SMTP client: byte-level control over DATA so that kills land inside it

class SmtpClient {
  private buf = '';
  private waiting: Array<(reply: { code: number; text: string } | null) => void> = [];
  private replies: Array<{ code: number; text: string } | null> = [];
  private closed = false;

  constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      let nl: number;
      let text = '';
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).replace(/\r$/, '');
        this.buf = this.buf.slice(nl + 1);
        text += `${line}\n`;
        if (line[3] !== '-') {
          this.push({ code: Number(line.slice(0, 3)), text });
          text = '';
        }
      }
    });
    const end = (): void => {
      this.closed = true;
      while (this.waiting.length) this.waiting.shift()!(null);
    };
    sock.on('close', end);
    sock.on('error', end);
  }

  private push(r: { code: number; text: string } | null): void {
    const w = this.waiting.shift();
    if (w) w(r);
    else this.replies.push(r);
  }

  static connect(port: number): Promise<SmtpClient | null> {
    return new Promise((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => resolve(new SmtpClient(sock)));
      sock.once('error', () => resolve(null));
    });
  }

  reply(): Promise<{ code: number; text: string } | null> {
    if (this.replies.length) return Promise.resolve(this.replies.shift()!);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  write(data: string | Buffer): boolean {
    if (this.closed) return false;
    this.sock.write(data);
    return true;
  }

  async cmd(line: string): Promise<number> {
    if (!this.write(`${line}\r\n`)) return 0;
    return (await this.reply())?.code ?? 0;
  }

  close(): void {
    this.sock.destroy();
  }
}

interface DataKill {
  /** Which message of the loop (0-based) is cut. */
  n: number;
  /** Bytes of the DATA payload (message + CRLF.CRLF) written before the kill. */
  offset: number;
  kill: () => void;
}

/** Sends messages on one connection until it breaks. Returns when the child is gone. */
async function sendLoop(kind: 'mx' | 'sub', port: number, life: number, dataKill: DataKill | null): Promise<void> {
  const c = await SmtpClient.connect(port);
  if (!c) return;
  try {
    if ((await c.reply())?.code !== 220) return;
    if ((await c.cmd('EHLO client.crash.test')) !== 250) return;
    if (kind === 'sub') {
      const token = Buffer.from('\0alice@local.test\0alice-pw').toString('base64');
      if ((await c.cmd(`AUTH PLAIN ${token}`)) !== 235) return;
    }
    for (let n = 0; ; n++) {
      const id = `${life}-${kind}-${n}`;
      const rcpts = kind === 'mx' ? LOCAL_USERS.filter(() => rand() < 0.7) : [REMOTE_RCPT];
      if (rcpts.length === 0) rcpts.push(LOCAL_USERS[0]);
      const bytes = makeMessage(id, kind, rcpts);
      const s: Sent = { id, kind, rcpts, bytes, acked: false };
      sent.set(id, s);
      stats.sent++;
      const mailFrom = kind === 'mx' ? 'sender@elsewhere.test' : 'alice@local.test';
      if ((await c.cmd(`MAIL FROM:<${mailFrom}>`)) !== 250) return;
      for (const r of rcpts) if ((await c.cmd(`RCPT TO:<${r}>`)) !== 250) return;
      if ((await c.cmd('DATA')) !== 354) return;
      const payload = Buffer.concat([bytes, Buffer.from('.\r\n')]);
      if (dataKill && dataKill.n === n) {
        const cut = Math.min(dataKill.offset, payload.length);
        c.write(payload.subarray(0, cut));
        // let the bytes reach the server before the kill
        await new Promise((r) => setTimeout(r, randInt(3)));
        dataKill.kill();
        if (cut < payload.length) c.write(payload.subarray(cut));
      } else {
        // in a few pieces, like a real client on a slow link
        const a = randInt(payload.length);
        c.write(payload.subarray(0, a));
        c.write(payload.subarray(a));
      }
      const r = await c.reply();
      if (r?.code !== 250) return;
      s.acked = true;
      stats.acked++;
    }
  } finally {
    c.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Checks on the data dir of a dead child

const verifiedUids = new Map<string, number>();
const localCopies = new Map<string, Map<string, number>>();

async function checkDataDir(after: string): Promise<void> {
  const store: MailStore = openStore({ path: path.join(dataDir, 'mail.sqlite') });
  try {
    for (const email of LOCAL_USERS) {
      const user = store.findUser(email);
      if (!user) continue; // the very first life may die before the users exist
      const box = await store.getMailbox(user.id, 'INBOX');
      if (!box) continue;
      const seen = localCopies.get(email) ?? new Map<string, number>();
      localCopies.set(email, seen);
      const from = verifiedUids.get(email) ?? 0;
      for (const uid of await store.listUids(box.id)) {
        if (uid <= from) continue;
        const raw = await store.getRaw(box.id, uid);
        expect(raw, `${after}: ${email} uid ${uid} without content`).toBeTruthy();
        const id = await checkComplete(raw!, `${after}: ${email} uid ${uid}`);
        expect(sent.get(id)!.rcpts, `${after}: ${id} delivered to ${email}, not a recipient`).toContain(email);
        seen.set(id, (seen.get(id) ?? 0) + 1);
        expect(seen.get(id), `${after}: ${id} twice in ${email}`).toBe(1);
        verifiedUids.set(email, uid);
        stats.localChecked++;
      }
    }
  } finally {
    store.close();
  }
  for (const s of sent.values()) {
    if (!s.acked || s.kind !== 'mx') continue;
    for (const r of s.rcpts) expect(localCopies.get(r)?.get(s.id), `${after}: acknowledged ${s.id} missing for ${r}`).toBe(1);
  }

  // queue first: nothing moves now (the child is dead), but keep the safe order anyway
  const pending = new Set<string>();
  if (fs.existsSync(path.join(dataDir, 'queue.sqlite'))) {
    const q = openQueueDb(dataDir);
    try {
      for (const m of q.list()) {
        const raw = q.getRaw(m.id);
        expect(raw, `${after}: queue entry ${m.id} without content`).toBeTruthy();
        const id = await checkComplete(raw!, `${after}: queue entry ${m.id}`);
        if (m.recipients.some((r) => r.status === 'pending')) pending.add(id);
      }
    } finally {
      q.close();
    }
  }
  for (const s of sent.values()) {
    if (!s.acked || s.kind !== 'sub') continue;
    expect(pending.has(s.id) || atSink.has(s.id), `${after}: acknowledged ${s.id} neither queued nor at the sink`).toBe(true);
  }
  // copies at the sink that the queue has not recorded yet: the next life sends them again
  for (const [id, epochs] of atSink) if (pending.has(id) && epochs.includes(epoch)) ackedButPending.add(id);
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-smtp-crash-'));
  dataDir = path.join(tmp, 'data');
  if (USE_TSX) {
    childEntry = ['--import', 'tsx', CHILD_TS];
  } else {
    // next to node_modules so that the external better-sqlite3 resolves
    const outDir = fs.mkdtempSync(path.join(ROOT, 'node_modules', '.cache-smtp-crash-'));
    const out = path.join(outDir, 'child.mjs');
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'esbuild'), [
      CHILD_TS,
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--target=node20',
      '--external:better-sqlite3',
      '--conditions=development',
      "--banner:js=import { createRequire as __mrCreateRequire } from 'node:module'; const require = __mrCreateRequire(import.meta.url);",
      `--outfile=${out}`,
      '--log-level=error',
    ]);
    childEntry = [out];
    cleanup.push(outDir);
  }
  await startSink();
});
const cleanup: string[] = [];

afterAll(async () => {
  await new Promise<void>((resolve) => (sink ? sink.close(() => resolve()) : resolve()));
  for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

type Mode = 'mx-data' | 'sub-data' | 'queue-before-250' | 'queue-after-250' | 'timer';
const MODES: Mode[] = ['mx-data', 'sub-data', 'queue-before-250', 'queue-after-250', 'timer'];

describe('SIGKILL during SMTP DATA and during queue delivery', () => {
  it(`nothing acknowledged is lost, nothing partial is stored, over ${ITERATIONS} kills`, { timeout: 120_000 + ITERATIONS * 1_500 }, async () => {
    for (let i = 0; i < ITERATIONS; i++) {
      epoch = i;
      const mode = MODES[i % MODES.length]!;
      stats.kills[mode] = (stats.kills[mode] ?? 0) + 1;
      const child = await startChild();
      let killed = false;
      const kill = (): void => {
        if (killed) return;
        killed = true;
        child.kill();
      };
      // whatever happens, this life ends within a bounded time (queue kills need a submission, a
      // queue run and a connection to the sink first)
      const queueMode = mode === 'queue-before-250' || mode === 'queue-after-250';
      const guard = setTimeout(kill, (queueMode ? 700 : 400) + randInt(300));
      let mxKill: DataKill | null = null;
      let subKill: DataKill | null = null;
      if (mode === 'mx-data' || mode === 'sub-data') {
        const k: DataKill = { n: randInt(2), offset: randInt(3_000), kill };
        // a third of the time the whole payload (the final dot included) is out before the kill
        if (rand() < 0.33) k.offset = Number.MAX_SAFE_INTEGER;
        if (mode === 'mx-data') mxKill = k;
        else subKill = k;
      } else if (mode === 'timer') {
        setTimeout(kill, 20 + randInt(250));
      }
      if (queueMode) {
        let remaining = 1 + randInt(2);
        const delay = randInt(3);
        onSinkData = (answer) => {
          if (--remaining > 0) return answer(true);
          onSinkData = null;
          if (mode === 'queue-before-250') {
            kill();
            answer(false);
          } else {
            answer(true);
            setTimeout(kill, delay);
          }
        };
      } else {
        onSinkData = null;
      }
      await Promise.all([sendLoop('mx', child.smtp, i, mxKill), sendLoop('sub', child.submission, i, subKill), child.exited]);
      clearTimeout(guard);
      onSinkData = null;
      expect(child.proc.signalCode, 'the child died of SIGKILL, not of an error').toBe('SIGKILL');
      await checkDataDir(`after kill ${i} (${mode})`);
    }

    // a last, undisturbed life: the queue delivers what is left
    epoch = ITERATIONS;
    const last = await startChild();
    try {
      const deadline = Date.now() + 60_000;
      const remoteAcked = [...sent.values()].filter((s) => s.acked && s.kind === 'sub');
      while (!remoteAcked.every((s) => atSink.has(s.id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // and lets it record the last deliveries
      for (;;) {
        const q = openQueueDb(dataDir);
        const left = q.list().filter((m) => m.recipients.some((r) => r.status === 'pending')).length;
        q.close();
        if (left === 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      last.kill();
      await last.exited;
    }
    await checkDataDir('after the final run');
    for (const s of sent.values()) if (s.acked && s.kind === 'sub') expect(atSink.has(s.id), `acknowledged ${s.id} never reached the sink`).toBe(true);
    for (const raw of sinkRaw) await checkComplete(raw, 'sink');
    for (const [id, epochs] of atSink) {
      if (epochs.length > 1) {
        stats.remoteDuplicates += epochs.length - 1;
        // a second copy only when a kill fell between the sink's 250 and the queue's record of it
        expect(ackedButPending.has(id), `${id} reached the sink ${epochs.length} times without a kill after its 250`).toBe(true);
      }
    }
    expect(stats.acked).toBeGreaterThan(ITERATIONS);
    console.log(
      `smtp-crash: ${ITERATIONS} kills ${JSON.stringify(stats.kills)}; ${stats.sent} messages sent, ${stats.acked} acknowledged; ` +
        `${stats.localChecked} local copies checked, ${sinkRaw.length} copies at the sink, ${stats.remoteDuplicates} remote duplicates ` +
        `(kill between the sink's 250 and the queue's record)`,
    );
  });
});
