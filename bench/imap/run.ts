/**
 * IMAP benchmark: the embedded Mailroom server side by side with Dovecot on this machine.
 *
 *   npm run bench -- imap [--messages 100000] [--runs 5] [--sessions 20] [--cycles 10]
 *                         [--only mailroom|dovecot] [--keep] [--update-readme]
 *
 * See bench/README.md for what is measured.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { machine, procMemory, processTree, RssSampler, treeRssKb } from '../lib/proc.js';
import { dovecotLayout, ensureDovecot, startDovecot } from './dovecot.js';
import { loadMailbox, RARE_WORD, type LoadResult } from './mailbox.js';
import { workloadA, workloadB, workloadPaired, type MixedResult, type PairedRow, type SessionSetup, type Target, type TimedRow } from './workloads.js';
import { bundleServerChild } from '../lib/bundle.js';
import { writeReadmeResults } from '../lib/readme.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BENCH_DIR = path.resolve(HERE, '..');
const USER = 'bench@bench.test';
const PASSWORD = 'bench-password';

interface Options {
  messages: number;
  runs: number;
  warmup: number;
  sessions: number;
  cycles: number;
  only: 'mailroom' | 'dovecot' | null;
  keep: boolean;
  updateReadme: boolean;
  tsxServer: boolean;
}

const USAGE = `usage: npm run bench -- imap [options]
  --messages N     INBOX size (default 100000; Sent gets up to 10% on top)
  --runs N         at least N timed runs per command after one cold run (default 5; single-session
                   commands get more while they fit in 1 s, at most 2,000)
  --warmup N       further untimed runs of each single-session command before the timed ones (default 200),
                   and at least 0.5 s of them, at most 1 s
  --sessions N     concurrent sessions in the mixed workload (default 20)
  --cycles N       cycles per session in the mixed workload, 8 operations each (default 10)
  --only NAME      run one server only: mailroom or dovecot
  --keep           keep the temp dir (stores, Maildir, Dovecot config and log)
  --update-readme  write the results table into bench/README.md
  --tsx-server     run the Mailroom server under the tsx loader instead of bundled JavaScript`;

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const o: Options = { messages: 100_000, runs: 5, warmup: 200, sessions: 20, cycles: 10, only: null, keep: false, updateReadme: false, tsxServer: false };
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
      case '--messages': o.messages = int(flag, value(), 60); break;
      case '--runs': o.runs = int(flag, value(), 1); break;
      case '--warmup': o.warmup = int(flag, value(), 0); break;
      case '--sessions': o.sessions = int(flag, value(), 1); break;
      case '--cycles': o.cycles = int(flag, value(), 1); break;
      case '--only': {
        const v = value();
        if (v !== 'mailroom' && v !== 'dovecot') throw new UsageError('--only takes mailroom or dovecot');
        o.only = v;
        break;
      }
      case '--keep': o.keep = true; break;
      case '--update-readme': o.updateReadme = true; break;
      case '--tsx-server': o.tsxServer = true; break;
      case '-h': case '--help': process.stdout.write(`${USAGE}\n`); process.exit(0); break;
      default: throw new UsageError(`unknown option ${a}\n${USAGE}`);
    }
  }
  return o;
}

const log = (m: string): void => void process.stderr.write(`${m}\n`);

/**
 * Sets the CPU affinity of a process, all its threads and all its descendants (Linux `taskset`);
 * processes forked later inherit it. False when taskset is missing or refused.
 */
function pinTree(pid: number, cpuList: string): boolean {
  for (const p of processTree(pid)) {
    const r = spawnSync('taskset', ['-a', '-p', '-c', cpuList, String(p)], { stdio: 'ignore' });
    if (r.error || (r.status !== 0 && p === pid)) return false;
  }
  return true;
}

interface ServerResult {
  name: string;
  version: string;
  setup: SessionSetup;
  rows: TimedRow[];
  mixed: MixedResult;
  memory: {
    /** After start, before any session, KiB (sum over processes for Dovecot). */
    idleKb: number;
    /** Peak sampled during workload (a), KiB. */
    peakAKb: number;
    /** Peak sampled during workload (b), KiB. */
    peakBKb: number;
    /** VmHWM of the server process (Mailroom only: one process). */
    hwmKb?: number;
    /** Processes at the sampled peak. */
    processes: number;
  };
  diskKb: number;
}

async function measure(name: string, version: string, target: Target, pid: number, opts: Options): Promise<Omit<ServerResult, 'diskKb'>> {
  log(`\n== ${name} (${version}) on 127.0.0.1:${target.port}`);
  const idleKb = treeRssKb(pid).rssKb;
  const samplerA = new RssSampler(pid).start();
  const a = await workloadA(target, { runs: opts.runs, warmup: opts.warmup, rareWord: RARE_WORD, log });
  const peakA = samplerA.stop();
  log(`  mixed workload: ${opts.sessions} sessions × ${opts.cycles} cycles × 8 operations …`);
  const samplerB = new RssSampler(pid).start();
  const mixed = await workloadB(target, { sessions: opts.sessions, cycles: opts.cycles });
  const peakB = samplerB.stop();
  log(`  mixed: ${mixed.opsPerSecond.toFixed(0)} operations/s, ${mixed.errors} failed cycles${mixed.firstError ? ` (first: ${mixed.firstError})` : ''}`);
  return {
    name,
    version,
    setup: a.setup,
    rows: a.rows,
    mixed,
    memory: {
      idleKb,
      peakAKb: peakA.peakKb,
      peakBKb: peakB.peakKb,
      processes: Math.max(peakA.peakProcesses, peakB.peakProcesses),
    },
  };
}

function duKb(p: string): number {
  const r = spawnSync('du', ['-sk', p], { encoding: 'utf8' });
  return Number(r.stdout.split(/\s/)[0]) || 0;
}

async function startMailroom(dataDir: string, tsx: boolean): Promise<{ port: number; pid: number; child: ChildProcess; stop: () => Promise<void> }> {
  const args = tsx ? ['--import', 'tsx', path.join(HERE, 'mailroom-server.ts'), dataDir] : [await bundleServerChild(path.join(HERE, 'mailroom-server.ts'), 'mailroom-server.mjs'), dataDir];
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
    cwd: path.resolve(BENCH_DIR, '..'),
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => {
      try {
        resolve((JSON.parse(line) as { imap: number }).imap);
      } catch {
        reject(new Error(`unexpected output from the Mailroom server: ${line}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`the Mailroom server exited at start (code ${code})`)));
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin!.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  return { port, pid: child.pid!, child, stop };
}

function fmtMs(ms: number | null): string {
  if (ms === null) return 'n/a';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}
const fmtMb = (kb: number): string => (kb / 1024).toFixed(1);
function ratio(a: number | null | undefined, b: number | null | undefined): string {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return 'n/a';
  return (a / b).toFixed(2);
}

interface Report {
  date: string;
  machine: ReturnType<typeof machine>;
  options: Options;
  load: LoadResult & { dovecotFirstSelectMs: number | null; mailroomFirstSelectMs: number | null };
  servers: { mailroom?: ServerResult; dovecot?: ServerResult };
  /** Round trips measured with both servers up, alternating (workloadPaired). */
  paired?: PairedRow[];
  /** The sub-millisecond rows of `paired` again, client on CPU 0, both servers on the last CPU. */
  pinned?: PairedRow[];
  /** The same rows once more with the client, too, on the servers' CPU (no wake-up crosses CPUs). */
  pinnedSameCpu?: PairedRow[];
  /** 1, 5 and 15 minute load averages when the run ended (the start is in machine.loadAvg). */
  loadAvgAtEnd?: number[];
}

function markdownTable(r: Report): string {
  const m = r.servers.mailroom;
  const d = r.servers.dovecot;
  const lines: string[] = [];
  lines.push('| workload (median) | Mailroom | Dovecot | ratio M/D | first run: Mailroom | first run: Dovecot |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  const names = (m ?? d)!.rows.map((x) => x.name);
  for (const name of names) {
    const mr = m?.rows.find((x) => x.name === name);
    const dr = d?.rows.find((x) => x.name === name);
    const cell = (row: TimedRow | undefined): string => (!row ? '—' : row.medianMs === null ? (row.note ?? 'n/a') : `${fmtMs(row.medianMs)} ms`);
    const cold = (row: TimedRow | undefined): string => (row?.warmupMs == null ? '—' : `${fmtMs(row.warmupMs)} ms`);
    lines.push(`| ${name} | ${cell(mr)} | ${cell(dr)} | ${ratio(mr?.medianMs, dr?.medianMs)} | ${cold(mr)} | ${cold(dr)} |`);
  }
  const mx = (m ?? d)!.mixed;
  const mixedName = `mixed: ${mx.sessions} sessions × ${mx.cycles} cycles × 8 operations (operations/s, higher is better)`;
  const ops = (x: ServerResult | undefined): string =>
    !x ? '—' : `${x.mixed.opsPerSecond.toFixed(x.mixed.opsPerSecond < 100 ? 1 : 0)}/s${x.mixed.errors ? ` (${x.mixed.errors} of ${x.mixed.sessions * x.mixed.cycles} cycles failed)` : ''}`;
  lines.push(
    `| ${mixedName} | ${ops(m)} | ${ops(d)} | ${ratio(d?.mixed.opsPerSecond, m?.mixed.opsPerSecond)} | | |`,
  );
  lines.push(
    `| first SELECT after loading (cold; builds Dovecot's index) | ${fmtMs(r.load.mailroomFirstSelectMs)} ms | ${fmtMs(r.load.dovecotFirstSelectMs)} ms | ${ratio(r.load.mailroomFirstSelectMs, r.load.dovecotFirstSelectMs)} | | |`,
  );
  if (r.paired?.length) {
    lines.push('');
    lines.push('| the same commands, both servers up, alternating run by run (median) | Mailroom | Dovecot | ratio M/D | pairs |');
    lines.push('|---|---:|---:|---:|---:|');
    for (const p of r.paired) lines.push(`| ${p.name} | ${fmtMs(p.mailroomMs)} ms | ${fmtMs(p.dovecotMs)} ms | ${ratio(p.mailroomMs, p.dovecotMs)} | ${p.samples} |`);
  }
  const pairedTable = (title: string, rows: PairedRow[] | undefined): void => {
    if (!rows?.length) return;
    lines.push('');
    lines.push(`| ${title} (median) | Mailroom | Dovecot | ratio M/D | pairs |`);
    lines.push('|---|---:|---:|---:|---:|');
    for (const p of rows) lines.push(`| ${p.name} | ${fmtMs(p.mailroomMs)} ms | ${fmtMs(p.dovecotMs)} ms | ${ratio(p.mailroomMs, p.dovecotMs)} | ${p.samples} |`);
  };
  pairedTable('alternating as above, client pinned to CPU 0, both servers to the other CPU', r.pinned);
  pairedTable('alternating as above, client and both servers pinned to the same CPU', r.pinnedSameCpu);
  lines.push('');
  lines.push('| memory (RSS) | Mailroom | Dovecot | ratio M/D |');
  lines.push('|---|---:|---:|---:|');
  const mem = (label: string, f: (s: ServerResult) => number): void => {
    lines.push(`| ${label} | ${m ? `${fmtMb(f(m))} MB` : '—'} | ${d ? `${fmtMb(f(d))} MB` : '—'} | ${ratio(m && f(m), d && f(d))} |`);
  };
  mem('idle, after start', (s) => s.memory.idleKb);
  mem('peak during single-session workload', (s) => s.memory.peakAKb);
  mem(`peak during mixed workload`, (s) => s.memory.peakBKb);
  mem('on disk (store / Maildir + indexes)', (s) => s.diskKb);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = new Date();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mailroom-bench-imap-'));
  chmodSync(tmp, 0o755); // Dovecot's auth, login and mail users must reach their files
  const cleanups: Array<() => Promise<void>> = [];
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    log(`\n${sig}: stopping servers …`);
    void Promise.allSettled(cleanups.map((c) => c())).finally(() => {
      if (!opts.keep) rmSync(tmp, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const dovecotBin = opts.only === 'mailroom' ? null : await ensureDovecot(log);
    const mailroomDir = path.join(tmp, 'mailroom');
    mkdirSync(mailroomDir, { recursive: true });
    const dvLayout = dovecotLayout(path.join(tmp, 'dovecot'), USER);

    log(`loading ${opts.messages} INBOX messages into both servers (temp dir ${tmp}) …`);
    const load = await loadMailbox({
      messages: opts.messages,
      user: USER,
      password: PASSWORD,
      storePath: path.join(mailroomDir, 'mail.sqlite'),
      maildir: dvLayout.maildir,
      log,
    });
    log(
      `  ${load.inbox} INBOX + ${load.sent} Sent, ${(load.bytes / 1024 / 1024).toFixed(0)} MB; generate ${load.seconds.generate.toFixed(1)} s, ` +
        `Mailroom deliverMany ${load.seconds.mailroom.toFixed(1)} s, Maildir files ${load.seconds.maildir.toFixed(1)} s; rare word in UIDs ${load.rareUids.join(',')}`,
    );
    const report: Report = {
      date: started.toISOString(),
      machine: machine(),
      options: opts,
      load: { ...load, dovecotFirstSelectMs: null, mailroomFirstSelectMs: null },
      servers: {},
    };

    if (opts.only !== 'dovecot') {
      const srv = await startMailroom(mailroomDir, opts.tsxServer);
      cleanups.push(srv.stop);
      try {
        const target: Target = { host: '127.0.0.1', port: srv.port, user: USER, password: PASSWORD };
        const res = await measure('Mailroom', `embedded server, ${opts.tsxServer ? 'TypeScript under tsx' : 'bundled JavaScript'}, Node ${process.version}`, target, srv.pid, opts);
        res.memory.hwmKb = procMemory(srv.pid)?.hwmKb;
        report.load.mailroomFirstSelectMs = res.setup.firstSelectMs;
        await srv.stop();
        report.servers.mailroom = { ...res, diskKb: duKb(mailroomDir) };
      } finally {
        await srv.stop();
      }
    }
    if (opts.only !== 'mailroom' && dovecotBin) {
      const dv = await startDovecot({ bin: dovecotBin, layout: dvLayout, user: USER, password: PASSWORD });
      cleanups.push(dv.stop);
      try {
        const target: Target = { host: '127.0.0.1', port: dv.port, user: USER, password: PASSWORD };
        const res = await measure('Dovecot', dv.version, target, dv.masterPid, opts);
        report.load.dovecotFirstSelectMs = res.setup.firstSelectMs;
        await dv.stop();
        report.servers.dovecot = { ...res, diskKb: duKb(path.join(dvLayout.dir, 'mail')) };
      } catch (err) {
        if (!interrupted) log(`Dovecot log (${dvLayout.log}):\n${dv.logTail()}`);
        throw err;
      } finally {
        await dv.stop();
      }
    }

    if (!opts.only && dovecotBin) {
      log('\n== both servers up, each command alternating between them …');
      const srv = await startMailroom(mailroomDir, opts.tsxServer);
      cleanups.push(srv.stop);
      const dv = await startDovecot({ bin: dovecotBin, layout: dvLayout, user: USER, password: PASSWORD });
      cleanups.push(dv.stop);
      try {
        const targets = [
          { host: '127.0.0.1', port: srv.port, user: USER, password: PASSWORD },
          { host: '127.0.0.1', port: dv.port, user: USER, password: PASSWORD },
        ] as const;
        report.paired = await workloadPaired(...targets, { runs: opts.runs, warmup: opts.warmup, rareWord: RARE_WORD, log });
        // the sub-millisecond commands once more with the processes pinned (see bench/README.md)
        const fast = new Set(report.paired.filter((p) => Math.max(p.mailroomMs, p.dovecotMs) < 1).map((p) => p.name));
        const cpus = os.cpus().length;
        if (fast.size && cpus >= 2 && pinTree(process.pid, '0') && pinTree(srv.pid, String(cpus - 1)) && pinTree(dv.masterPid, String(cpus - 1))) {
          log(`\n== the same, the benchmark client pinned to CPU 0 and both servers (every thread and process) to CPU ${cpus - 1} …`);
          try {
            const pairedOpts = { runs: opts.runs, warmup: opts.warmup, rareWord: RARE_WORD, log, only: (name: string) => fast.has(name) };
            report.pinned = await workloadPaired(...targets, pairedOpts);
            if (pinTree(process.pid, String(cpus - 1))) {
              log(`\n== the same, the benchmark client also on CPU ${cpus - 1} …`);
              report.pinnedSameCpu = await workloadPaired(...targets, pairedOpts);
            }
          } finally {
            pinTree(process.pid, `0-${cpus - 1}`);
          }
        }
      } finally {
        await srv.stop();
        await dv.stop();
      }
    }

    report.loadAvgAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
    const table = markdownTable(report);
    process.stdout.write(`\n${table}\n`);
    const resultsDir = path.join(BENCH_DIR, 'results');
    mkdirSync(resultsDir, { recursive: true });
    const stamp = started.toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
    const file = path.join(resultsDir, `imap-${stamp}.json`);
    // timings rounded to 0.1 µs, and arrays of numbers on one line (a fast command has 2,000 runs)
    const json = JSON.stringify({ ...report, table }, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1e4) / 1e4 : v), 2);
    writeFileSync(file, `${json.replace(/\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g, (_m, inner: string) => `[${inner.split(/,\s+/).join(', ')}]`)}\n`);
    log(`\nresults: ${path.relative(process.cwd(), file)}`);
    if (opts.updateReadme) updateReadme(report, table, path.relative(BENCH_DIR, file));
  } finally {
    await Promise.allSettled(cleanups.map((c) => c()));
    if (!opts.keep) rmSync(tmp, { recursive: true, force: true });
    else log(`kept ${tmp}`);
  }
}

function updateReadme(r: Report, table: string, resultFile: string): void {
  const mc = r.machine;
  const d = r.servers.dovecot;
  const m = r.servers.mailroom;
  const block = [
    `Measured ${r.date.slice(0, 16).replace('T', ' ')} UTC on ${mc.cpus} × ${mc.cpuModel}, ${(mc.memoryMb / 1024).toFixed(1)} GB RAM, Linux ${mc.kernel}, Node ${mc.node}; ` +
      `${d ? `Dovecot ${d.version.split(' ')[0]}` : 'Dovecot not run'}. INBOX ${r.load.inbox} messages + Sent ${r.load.sent} ` +
      `(${(r.load.bytes / 1024 / 1024).toFixed(0)} MB), median of at least ${r.options.runs} timed runs (as many as fit in 1 s, at most 2,000) after one cold run and ${r.options.warmup ?? 0} warm-up runs, at least 0.5 s of them (at most 1 s); mixed workload ` +
      `${r.options.sessions} sessions × ${r.options.cycles} cycles. Raw data: [${resultFile}](${resultFile}).`,
    '',
    table,
    '',
    `Loading (not part of the timings above): Mailroom \`deliverMany\` ${r.load.seconds.mailroom.toFixed(1)} s; ` +
      `writing the Maildir files ${r.load.seconds.maildir.toFixed(1)} s, then Dovecot's first SELECT ${fmtMs(r.load.dovecotFirstSelectMs)} ms ` +
      `(Mailroom's first SELECT ${fmtMs(r.load.mailroomFirstSelectMs)} ms).` +
      (m?.memory.hwmKb ? ` Mailroom process VmHWM at the end: ${fmtMb(m.memory.hwmKb)} MB.` : '') +
      (d ? ` Dovecot processes at its memory peak: ${d.memory.processes}.` : ''),
  ].join('\n');
  log(writeReadmeResults('imap', block) ? 'bench/README.md updated' : 'bench/README.md has no imap-results markers: not updated');
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    log(err.message);
    process.exitCode = 2;
    return;
  }
  log(`\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
