/**
 * SMTP benchmark: the embedded Mailroom MTA side by side with Debian's Postfix on this machine,
 * both driven by Postfix's own load generator smtp-source(1), so the client is the same for both.
 *
 *   npm run bench -- smtp [--messages-1k 2000] [--messages-100k 1000] [--sessions 20] [--rounds 3]
 *                         [--only mailroom|postfix] [--no-delay-runs] [--keep] [--update-readme]
 *
 * See bench/README.md ("SMTP") for what is measured.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { machine, processTree, RssSampler, treeRssKb } from '../lib/proc.js';
import { ensurePostfix, SMTP_SOURCE, startBenchPostfix } from './postfix.js';
import { bundleServerChild } from '../lib/bundle.js';
import { writeReadmeResults } from '../lib/readme.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const DOMAIN = 'bench.test';
const USER = `bench@${DOMAIN}`;
const DELIVERY_TIMEOUT_MS = 10 * 60_000;

interface Options {
  messages1k: number;
  messages100k: number;
  sessions: number;
  rounds: number;
  only: 'mailroom' | 'postfix' | null;
  delayRuns: boolean;
  keep: boolean;
  updateReadme: boolean;
  tsxServer: boolean;
  /** A prebuilt Mailroom server child (A/B runs of two versions of the code). */
  mailroomEntry: string | null;
}

const USAGE = `usage: npm run bench -- smtp [options]
  --messages-1k N      messages per run with a 1 KB body (default 2000)
  --messages-100k N    messages per run with a 100 KB body (default 1000)
  --sessions N         concurrent SMTP sessions of smtp-source (default 20)
  --rounds N           runs per server and row, the servers alternating (default 3); medians reported
  --only NAME          one server only: mailroom or postfix
  --no-delay-runs      skip the extra Mailroom runs with the MX greeting delay (100 ms) applied to loopback
  --keep               keep the temp dir
  --update-readme      write the results table into bench/README.md
  --tsx-server         run the Mailroom server under the tsx loader instead of bundled JavaScript
  --mailroom-entry F   run this prebuilt (bundled) mailroom-server.ts instead, e.g. of an older commit (A/B)`;

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const o: Options = { messages1k: 2000, messages100k: 1000, sessions: 20, rounds: 3, only: null, delayRuns: true, keep: false, updateReadme: false, tsxServer: false, mailroomEntry: null };
  const int = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} needs an integer ≥ ${min}, got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--messages-1k': o.messages1k = int(flag, value(), 1); break;
      case '--messages-100k': o.messages100k = int(flag, value(), 1); break;
      case '--sessions': o.sessions = int(flag, value(), 1); break;
      case '--rounds': o.rounds = int(flag, value(), 1); break;
      case '--only': {
        const v = value();
        if (v !== 'mailroom' && v !== 'postfix') throw new UsageError(`--only takes mailroom or postfix, got ${v ?? 'nothing'}`);
        o.only = v;
        break;
      }
      case '--no-delay-runs': o.delayRuns = false; break;
      case '--keep': o.keep = true; break;
      case '--update-readme': o.updateReadme = true; break;
      case '--tsx-server': o.tsxServer = true; break;
      case '--mailroom-entry': {
        const v = value();
        if (!v) throw new UsageError('--mailroom-entry needs a file');
        o.mailroomEntry = path.resolve(v);
        break;
      }
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown option ${a}`);
    }
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Servers

interface Server {
  label: string;
  port: number;
  pid: number;
  delivered(): number;
  /** Mailroom: delivered messages whose full-text index entry is still to be written. */
  unindexed?(): number;
  stop(): Promise<void>;
}

async function startMailroom(baseDir: string, opts: Options, greetingDelay: boolean): Promise<Server> {
  const dataDir = mkdtempSync(path.join(baseDir, 'mailroom-'));
  const entry = opts.mailroomEntry
    ? [opts.mailroomEntry]
    : opts.tsxServer
      ? ['--import', 'tsx', path.join(HERE, 'mailroom-server.ts')]
      : [await bundleServerChild(path.join(HERE, 'mailroom-server.ts'), 'smtp-mailroom-server.mjs')];
  const child: ChildProcess = spawn(process.execPath, [...entry, dataDir, ...(greetingDelay ? ['--greeting-delay'] : [])], {
    stdio: ['pipe', 'pipe', 'inherit'],
    cwd: ROOT,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => {
      try {
        resolve((JSON.parse(line) as { smtp: number }).smtp);
      } catch {
        reject(new Error(`unexpected output from the Mailroom server: ${line}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`the Mailroom server exited at start (code ${code})`)));
  });
  const db = new Database(path.join(dataDir, 'mail.sqlite'), { readonly: true, fileMustExist: true });
  const countStmt = db.prepare('SELECT COALESCE(SUM(msg_count), 0) AS n FROM mailboxes');
  const hasPending = !!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'fts_pending'").get();
  const pendingStmt = hasPending ? db.prepare('SELECT count(*) AS n FROM fts_pending') : null;
  return {
    label: greetingDelay ? 'Mailroom, with the MX greeting delay' : 'Mailroom',
    port,
    pid: child.pid!,
    delivered: () => (countStmt.get() as { n: number }).n,
    unindexed: () => (pendingStmt ? (pendingStmt.get() as { n: number }).n : 0),
    stop: async () => {
      db.close();
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin!.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startPostfix(baseDir: string): Promise<Server & { version: string }> {
  const p = await startBenchPostfix(baseDir, DOMAIN, USER);
  return { label: 'Postfix', port: p.port, pid: p.masterPid, version: p.version, delivered: p.delivered, stop: p.close };
}


/**
 * Proportional set size summed over a process tree, KiB (/proc/<pid>/smaps_rollup): shared pages
 * (libraries, Postfix's shared code) are split between the processes that map them, so the sum
 * does not count them once per process as the RSS sum does.
 */
function treePssKb(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'));
      kb += m ? Number(m[1]) : 0;
    } catch {
      // ended meanwhile
    }
  }
  return kb;
}

class PssSampler {
  peakKb = 0;
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly pid: number) {}
  private sample(): void {
    this.peakKb = Math.max(this.peakKb, treePssKb(this.pid));
  }
  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), 250);
    this.timer.unref();
    return this;
  }
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return this.peakKb;
  }
}

// ---------------------------------------------------------------------------------------------
// One run: smtp-source against a fresh server, poll until every message is in the mailbox

interface RunResult {
  server: string;
  /** 1-based; in each round both servers run once, the order alternating from round to round. */
  round: number;
  bodyBytes: number;
  mode: 'persistent' | 'per-message';
  messages: number;
  sessions: number;
  /** smtp-source finished: every message got its 250 (accepted durably). */
  acceptedMs: number;
  /** The last message is in the mailbox (store / Maildir). */
  deliveredMs: number;
  acceptedPerSec: number;
  deliveredPerSec: number;
  /** Mailroom: the full-text index holds every message too (it is built after the 250). */
  indexedMs?: number;
  indexedPerSec?: number;
  idleRssKb: number;
  peakRssKb: number;
  peakProcesses: number;
  idlePssKb: number;
  peakPssKb: number;
}

function runSmtpSource(port: number, messages: number, sessions: number, bodyBytes: number, persistent: boolean): Promise<void> {
  const args = ['-s', String(sessions), '-m', String(messages), '-l', String(bodyBytes), '-f', 'sender@source.test', '-t', USER, '-M', 'source.test'];
  if (persistent) args.push('-d');
  args.push(`127.0.0.1:${port}`);
  return new Promise((resolve, reject) => {
    const child = spawn(SMTP_SOURCE, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`smtp-source ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

async function measure(server: Server, bodyBytes: number, mode: RunResult['mode'], messages: number, sessions: number, round: number): Promise<RunResult> {
  const sampler = new RssSampler(server.pid, 100);
  const idleRssKb = treeRssKb(server.pid).rssKb;
  const idlePssKb = treePssKb(server.pid);
  const pss = new PssSampler(server.pid).start();
  sampler.start();
  const t0 = performance.now();
  let acceptedMs = 0;
  const source = runSmtpSource(server.port, messages, sessions, bodyBytes, mode === 'persistent').then(() => {
    acceptedMs = performance.now() - t0;
  });
  let sourceError: unknown = null;
  source.catch((err: unknown) => {
    sourceError = err;
  });
  let deliveredMs = 0;
  for (;;) {
    if (sourceError) throw sourceError;
    if (server.delivered() >= messages) {
      deliveredMs = performance.now() - t0;
      break;
    }
    if (performance.now() - t0 > DELIVERY_TIMEOUT_MS) throw new Error(`${server.label}: only ${server.delivered()} of ${messages} delivered`);
    await new Promise((r) => setTimeout(r, 10));
  }
  await source;
  let indexedMs: number | undefined;
  if (server.unindexed) {
    while (server.unindexed() > 0) {
      if (performance.now() - t0 > DELIVERY_TIMEOUT_MS) throw new Error(`${server.label}: ${server.unindexed()} messages never indexed`);
      await new Promise((r) => setTimeout(r, 10));
    }
    indexedMs = Math.max(performance.now() - t0 - 10, deliveredMs);
  }
  const { peakKb, peakProcesses } = sampler.stop();
  const peakPssKb = pss.stop();
  const r: RunResult = {
    server: server.label,
    round,
    bodyBytes,
    mode,
    messages,
    sessions,
    acceptedMs,
    deliveredMs,
    acceptedPerSec: (messages / acceptedMs) * 1000,
    deliveredPerSec: (messages / deliveredMs) * 1000,
    indexedMs,
    indexedPerSec: indexedMs ? (messages / indexedMs) * 1000 : undefined,
    idleRssKb,
    peakRssKb: peakKb,
    peakProcesses,
    idlePssKb,
    peakPssKb,
  };
  process.stdout.write(
    `  ${`${r.server} #${round}`.padEnd(41)} ${String(bodyBytes / 1024).padStart(3)} KB ${mode.padEnd(11)} ` +
      `accepted ${r.acceptedPerSec.toFixed(1).padStart(7)}/s  delivered ${r.deliveredPerSec.toFixed(1).padStart(7)}/s  ` +
      `${r.indexedPerSec ? `indexed ${r.indexedPerSec.toFixed(1).padStart(7)}/s  ` : ''}` +
      `RSS ${(idleRssKb / 1024).toFixed(1)} → peak ${(peakKb / 1024).toFixed(1)} MB (${peakProcesses} processes), PSS peak ${(peakPssKb / 1024).toFixed(1)} MB\n`,
  );
  return r;
}

/** KiB of dirty and under-writeback page cache (/proc/meminfo). */
function dirtyKb(): number {
  try {
    const info = readFileSync('/proc/meminfo', 'utf8');
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(info)?.[1] ?? 0);
    return kb('Dirty') + kb('Writeback');
  } catch {
    return 0;
  }
}

/**
 * Before every run (of either server): write back what the previous run left in the page cache
 * (its deleted temp dir, a database file checkpointed without fsync, …), so that a run does not
 * pay for the disk writes of the run before it (with alternating servers that was mostly the
 * other server's). Outside the timed part.
 */
function settleDisk(): void {
  const before = dirtyKb();
  const t0 = performance.now();
  spawnSync('sync', { stdio: 'ignore' });
  if (before > 4096) process.stdout.write(`    (sync before the run: ${(before / 1024).toFixed(0)} MB dirty, ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}

// ---------------------------------------------------------------------------------------------
// Report

const f1 = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const mb = (kb: number): string => (kb / 1024).toFixed(1);

const median = (xs: number[]): number => {
  const v = [...xs].sort((x, y) => x - y);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
};

function markdown(results: RunResult[], meta: Record<string, unknown>, jsonName: string, opts: Options): string {
  const runs = (server: string, size: number, mode: string): RunResult[] =>
    results.filter((r) => r.server === server && r.bodyBytes === size && r.mode === mode).sort((x, y) => x.round - y.round);
  const med = (rs: RunResult[], pick: (r: RunResult) => number | undefined): number | undefined => {
    const xs = rs.map(pick).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs) : undefined;
  };
  const rate = (x: number | undefined): string => (x === undefined ? 'n/a' : `${f1(x)}/s`);
  const maxKb = (rs: RunResult[], pick: (r: RunResult) => number): string => (rs.length ? `${mb(Math.max(...rs.map(pick)))} MB` : 'n/a');
  /** Mailroom ÷ Postfix per round (the two runs of a round are next to each other in time). */
  const ratios = (a: RunResult[], b: RunResult[], pick: (r: RunResult) => number | undefined): number[] =>
    a.flatMap((x) => {
      const y = b.find((r) => r.round === x.round);
      const px = pick(x);
      return y && px !== undefined ? [px / y.deliveredPerSec] : [];
    });
  const ratioCell = (xs: number[]): string =>
    xs.length === 0 ? 'n/a' : xs.length === 1 ? xs[0]!.toFixed(2) : `**${median(xs).toFixed(2)}** (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
  const m = meta as { machine: ReturnType<typeof machine>; postfixVersion: string; date: string; loadStart: number[]; loadEnd: number[] };
  const lines = [
    `Measured ${m.date} on ${m.machine.cpus} × ${m.machine.cpuModel.split(' ').slice(0, 2).join(' ')}, Node ${m.machine.node}; Postfix ${m.postfixVersion}; ` +
      `load average ${m.loadStart.join(', ')} at the start, ${m.loadEnd.join(', ')} at the end. ${opts.sessions} concurrent smtp-source sessions; ` +
      `${opts.messages1k} messages per 1 KB run, ${opts.messages100k} per 100 KB run; ${opts.rounds} round(s) per row, each round one run of each server ` +
      `(order alternating); rates are medians over the rounds, ratios the median (and range) of the per-round ratios. Raw data: [results/${jsonName}](results/${jsonName}).`,
    '',
    '| body | connections | Mailroom accepted | Mailroom delivered | Mailroom indexed | Postfix accepted | Postfix delivered | ratio M/P (delivered/s) | per round | ratio M/P (indexed/s) | RSS peak Mailroom | RSS peak Postfix (processes) | PSS peak Mailroom | PSS peak Postfix |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const size of [1024, 102_400]) {
    for (const mode of ['persistent', 'per-message'] as const) {
      const a = runs('Mailroom', size, mode);
      const b = runs('Postfix', size, mode);
      if (!a.length && !b.length) continue;
      const delivered = ratios(a, b, (r) => r.deliveredPerSec);
      lines.push(
        `| ${size / 1024} KB | ${mode === 'persistent' ? 'persistent (-d)' : 'one per message'} | ${rate(med(a, (r) => r.acceptedPerSec))} | ${rate(med(a, (r) => r.deliveredPerSec))} | ` +
          `${rate(med(a, (r) => r.indexedPerSec))} | ${rate(med(b, (r) => r.acceptedPerSec))} | ${rate(med(b, (r) => r.deliveredPerSec))} | ` +
          `${ratioCell(delivered)} | ${delivered.map((x) => x.toFixed(2)).join(' / ') || 'n/a'} | ${ratioCell(ratios(a, b, (r) => r.indexedPerSec))} | ` +
          `${maxKb(a, (r) => r.peakRssKb)} | ${b.length ? `${maxKb(b, (r) => r.peakRssKb)} (${Math.max(...b.map((r) => r.peakProcesses))})` : 'n/a'} | ` +
          `${maxKb(a, (r) => r.peakPssKb)} | ${maxKb(b, (r) => r.peakPssKb)} |`,
      );
    }
  }
  const delayed = results.filter((r) => r.server.includes('greeting delay'));
  if (delayed.length) {
    lines.push('', '| Mailroom, one connection per message | no delay (loopback, the product; median) | with the 100 ms MX greeting delay | cost of the delay |', '|---|---:|---:|---:|');
    for (const p of delayed) {
      const base = med(runs('Mailroom', p.bodyBytes, p.mode), (r) => r.deliveredPerSec);
      lines.push(
        `| ${p.bodyBytes / 1024} KB, delivered/s | ${rate(base)} | ${f1(p.deliveredPerSec)}/s | ${base ? `${(base / p.deliveredPerSec).toFixed(2)}× slower` : 'n/a'} |`,
      );
    }
  }
  const idleM = results.filter((r) => r.server === 'Mailroom');
  const idleP = results.filter((r) => r.server === 'Postfix');
  lines.push(
    '',
    `Idle after start: Mailroom RSS ${med(idleM, (r) => r.idleRssKb) ? `${mb(med(idleM, (r) => r.idleRssKb)!)} MB` : 'n/a'}, PSS ${med(idleM, (r) => r.idlePssKb) ? `${mb(med(idleM, (r) => r.idlePssKb)!)} MB` : 'n/a'} (one process); ` +
      `Postfix RSS ${med(idleP, (r) => r.idleRssKb) ? `${mb(med(idleP, (r) => r.idleRssKb)!)} MB` : 'n/a'}, PSS ${med(idleP, (r) => r.idlePssKb) ? `${mb(med(idleP, (r) => r.idlePssKb)!)} MB` : 'n/a'} (master + resident daemons, summed; medians).`,
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.only !== 'mailroom') await ensurePostfix();
  const base = mkdtempSync(path.join(os.tmpdir(), 'mailroom-bench-smtp-'));
  const started = new Date();
  const loadStart = machine().loadAvg;
  const results: RunResult[] = [];
  let postfixVersion = 'n/a';
  try {
    for (const size of [1024, 102_400]) {
      const messages = size === 1024 ? opts.messages1k : opts.messages100k;
      for (const mode of ['persistent', 'per-message'] as const) {
        process.stdout.write(
          `${size / 1024} KB bodies, ${mode === 'persistent' ? 'persistent connections' : 'one connection per message'}, ${messages} messages, ${opts.sessions} sessions, ${opts.rounds} round(s)\n`,
        );
        const servers: Array<() => Promise<Server>> = [];
        if (opts.only !== 'postfix') servers.push(() => startMailroom(base, opts, false));
        if (opts.only !== 'mailroom') {
          servers.push(async () => {
            const p = await startPostfix(base);
            postfixVersion = p.version;
            return p;
          });
        }
        const runOne = async (start: () => Promise<Server>, round: number): Promise<void> => {
          settleDisk();
          const server = await start();
          try {
            results.push(await measure(server, size, mode, messages, opts.sessions, round));
          } finally {
            await server.stop();
          }
        };
        // both servers once per round, the order alternating (M P, P M, M P, …), so that a slow
        // stretch of the shared machine does not always fall on the same server
        for (let round = 1; round <= opts.rounds; round++) {
          for (const start of round % 2 ? servers : [...servers].reverse()) await runOne(start, round);
        }
        if (opts.only !== 'postfix' && opts.delayRuns && mode === 'per-message') await runOne(() => startMailroom(base, opts, true), 1);
      }
    }
  } finally {
    if (!opts.keep) rmSync(base, { recursive: true, force: true });
    else process.stdout.write(`kept ${base}\n`);
  }
  const stamp = started.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const jsonName = `smtp-${stamp}.json`;
  const meta = {
    date: `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    machine: machine(),
    postfixVersion,
    loadStart,
    loadEnd: machine().loadAvg,
    options: opts,
  };
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench', 'results', jsonName), `${JSON.stringify({ ...meta, results }, null, 2)}\n`);
  const table = markdown(results, meta, jsonName, opts);
  process.stdout.write(`\n${table}\n`);
  if (opts.updateReadme) {
    if (!writeReadmeResults('smtp', table)) throw new Error('bench/README.md has no smtp-results section');
    process.stdout.write('bench/README.md updated\n');
  }
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
