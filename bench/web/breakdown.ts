/**
 * Where the time of "sign-in → first rows" goes, for the web benchmark (bench/README.md, "Web").
 *
 *   node --import tsx bench/web/breakdown.ts [--messages 100000] [--runs 3] [--dir DIR]
 *                                           [--backend embedded|dovecot|both] [--change-inbox] [--no-imap]
 *
 * For each backend (embedded server, Dovecot) with the same mailbox as the web benchmark:
 *  1. IMAP, from the BFF's side: the commands the first page needs, each timed on a fresh
 *     connection (imapflow, as the BFF uses it): connect + LOGIN, LIST with STATUS, SELECT INBOX,
 *     UID SORT (DATE), FETCH of 100 summaries, FETCH of their preview snippets; and the BFF's own
 *     service functions (listMailboxes, listMessages for the default view) on that connection.
 *  2. Browser (Debian's Chromium, fresh context): after the click on "Sign in", every request the
 *     page makes (start and end in ms after the click) and the moment the first row is visible.
 * `--dir` keeps the loaded mailbox between runs (loaded when DIR/loaded.json is missing).
 * `--change-inbox`: before every browser run, another IMAP client toggles \Flagged on INBOX's
 * newest message, so no sign-in finds INBOX as the last session left it (no stored first window
 * in the sign-in answer: the path of a sign-in after new mail or changes made elsewhere).
 * `--no-imap` skips part 1.
 * Prints a table; writes bench/results/web-breakdown-<date>.json.
 */
import { existsSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapFlow } from 'imapflow';
import { chromium, type Browser } from 'playwright-core';
import { dovecotLayout, ensureDovecot, startDovecot } from '../imap/dovecot.js';
import { loadMailbox } from '../imap/mailbox.js';
import { machine } from '../lib/proc.js';
import { startMailroomImap, startWebmail, type Stoppable } from './stack.js';
import { listMailboxes, listMessages } from '../../apps/server/src/routes/mailboxes/service.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const USER = 'bench@bench.test';
const PASSWORD = 'bench-password';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Options {
  messages: number;
  runs: number;
  dir: string | null;
  backends: Array<'embedded' | 'dovecot'>;
  changeInbox: boolean;
  imap: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { messages: 100_000, runs: 3, dir: null, backends: ['embedded', 'dovecot'], changeInbox: false, imap: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--messages') o.messages = Number(v());
    else if (a === '--runs') o.runs = Number(v());
    else if (a === '--dir') o.dir = path.resolve(v());
    else if (a === '--change-inbox') o.changeInbox = true;
    else if (a === '--no-imap') o.imap = false;
    else if (a === '--backend') {
      const b = v();
      o.backends = b === 'both' ? ['embedded', 'dovecot'] : b === 'embedded' || b === 'dovecot' ? [b] : [];
      if (!o.backends.length) throw new Error(`--backend embedded|dovecot|both, got ${b}`);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const log = (m: string): void => void process.stderr.write(`${m}\n`);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

type Steps = Record<string, number>;

/** The IMAP commands of the first page, each timed, on one fresh connection. */
async function imapSteps(port: number, total: number): Promise<Steps> {
  const steps: Steps = {};
  const time = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const r = await fn();
    steps[name] = performance.now() - t;
    return r;
  };
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASSWORD }, logger: false });
  await time('connect + LOGIN', () => client.connect());
  try {
    await time('LIST + STATUS (all folders)', () => client.list({ statusQuery: { messages: true, unseen: true } }));
    await time('SELECT INBOX', () => client.mailboxOpen('INBOX'));
    const exists = client.mailbox ? client.mailbox.exists : total;
    const seqRange = `${Math.max(1, exists - 99)}:${exists}`;
    await time('FETCH 100 summaries (seq range)', () =>
      client.fetchAll(seqRange, { uid: true, flags: true, envelope: true, bodyStructure: true, size: true, internalDate: true }),
    );
    await time('FETCH 100 previews (BODY.PEEK[1]<0.1024>)', () => client.fetchAll(seqRange, { uid: true, bodyParts: [{ key: '1', maxLength: 1024 }] }));
    await time('UID SORT (REVERSE DATE) ALL', () => sortRaw(client, 'REVERSE DATE'));
    await time('UID SORT (DATE) ALL, again', () => sortRaw(client, 'DATE'));
    await time('UID SORT (ARRIVAL) ALL', () => sortRaw(client, 'ARRIVAL'));
    if (client.capabilities.has('ESEARCH')) await time('UID SEARCH RETURN (MAX) ALL', () => client.search({ all: true }, { uid: true }));
    await client.mailboxClose();
    // the BFF's own functions on this (warm) connection
    await time('BFF listMailboxes', () => listMailboxes(client));
    await time('BFF listMessages date desc 0..99 (first, sorts)', () =>
      listMessages(client, 'INBOX', { offset: 0, limit: 100, sort: 'date', order: 'desc', threads: false }),
    );
    await time('BFF listMessages date desc 100..199 (cached order)', () =>
      listMessages(client, 'INBOX', { offset: 100, limit: 100, sort: 'date', order: 'desc', threads: false }),
    );
    await time('BFF listMessages arrival desc 0..99', () =>
      listMessages(client, 'INBOX', { offset: 0, limit: 100, sort: 'arrival', order: 'desc', threads: false }),
    );
  } finally {
    await client.logout().catch(() => client.close());
  }
  return steps;
}

/** Another client's change: toggles \Flagged on INBOX's newest message (untimed, before a run). */
async function changeInbox(port: number): Promise<void> {
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASSWORD }, logger: false });
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    const newest = client.mailbox ? client.mailbox.exists : 0;
    const msg = newest ? await client.fetchOne(String(newest), { uid: true, flags: true }) : false;
    if (msg) {
      if (msg.flags?.has('\\Flagged')) await client.messageFlagsRemove(String(msg.uid), ['\\Flagged'], { uid: true });
      else await client.messageFlagsAdd(String(msg.uid), ['\\Flagged'], { uid: true });
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
}

async function sortRaw(client: ImapFlow, criteria: string): Promise<number> {
  let n = 0;
  const exec = (client as unknown as { exec: (c: string, a: unknown[], o: unknown) => Promise<{ next(): void }> }).exec.bind(client);
  const r = await exec('UID SORT', [criteria.split(' ').map((value) => ({ type: 'ATOM', value })), { type: 'ATOM', value: 'UTF-8' }, { type: 'ATOM', value: 'ALL' }], {
    untagged: { SORT: async (u: { attributes?: unknown[] }) => void (n += u.attributes?.length ?? 0) },
  });
  r.next();
  return n;
}

interface RequestTiming {
  what: string;
  startMs: number;
  endMs: number | null;
  status: number | null;
}

interface BrowserRun {
  firstRowMs: number;
  /** The sign-in answer carried INBOX's stored first window. */
  firstWindowInAnswer: boolean | null;
  /** The sign-in answer's Server-Timing header (IMAP login, wait, STATUS). */
  serverTiming: string | null;
  /** In the page (Date.now()): when the first loaded row entered the DOM, ms after the click. */
  firstRowInDomMs: number | null;
  /** In the page: fetch() calls of /api/ (start, response body read as JSON), ms after the click. */
  pageFetches: Array<{ url: string; startMs: number; bodyMs: number | null }>;
  /** Long tasks (> 50 ms) in the page after the click: [start ms after the click, duration]. */
  longTasks: Array<[number, number]>;
  requests: RequestTiming[];
}

/** Injected before the page's scripts: timing of fetch() bodies, the first loaded row, long tasks. */
const PAGE_PROBE = `(() => {
  const p = (window.__probe = { fetches: [], firstRow: null, longTasks: [] });
  const orig = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : input.url;
    const entry = { url, start: Date.now(), body: null };
    if (url.includes('/api/')) p.fetches.push(entry);
    return orig.call(this, input, init).then((res) => {
      const json = res.json.bind(res);
      res.json = () => json().then((v) => { entry.body = Date.now(); return v; });
      return res;
    });
  };
  new MutationObserver(() => {
    if (p.firstRow === null && document.querySelector('[role="listbox"][aria-label="Messages"] [role="option"]:not([aria-disabled="true"])')) p.firstRow = Date.now();
  }).observe(document, { childList: true, subtree: true });
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) p.longTasks.push([performance.timeOrigin + e.startTime, e.duration]); }).observe({ type: 'longtask' });
  } catch (e) {}
})();`;

async function browserRun(browser: Browser, url: string): Promise<BrowserRun> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 }, locale: 'en-US', timezoneId: 'UTC' });
  await context.addInitScript(PAGE_PROBE);
  const page = await context.newPage();
  page.setDefaultTimeout(120_000);
  try {
    await page.goto(url, { waitUntil: 'load' });
    await page.getByLabel('Email').fill(USER);
    await page.getByLabel('Password').fill(PASSWORD);
    const requests: RequestTiming[] = [];
    let t0 = 0;
    const byReq = new Map<object, RequestTiming>();
    page.on('request', (req) => {
      if (!t0) return;
      const u = new URL(req.url());
      const entry: RequestTiming = { what: `${req.method()} ${u.pathname}${u.search}`, startMs: Date.now() - t0, endMs: null, status: null };
      byReq.set(req, entry);
      requests.push(entry);
    });
    const done = (req: object, status: number | null): void => {
      const e = byReq.get(req);
      if (e && e.endMs === null) {
        e.endMs = Date.now() - t0;
        e.status = status;
      }
    };
    page.on('response', (res) => void res.finished().then(() => done(res.request(), res.status())).catch(() => undefined));
    page.on('requestfailed', (req) => done(req, null));
    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/session');
    t0 = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[role="listbox"][aria-label="Messages"] [role="option"]:not([aria-disabled="true"])').first().waitFor({ state: 'visible' });
    const firstRowMs = Date.now() - t0;
    const response = await answer.catch(() => null);
    const firstWindowInAnswer = response ? await response.json().then((b: { inbox?: unknown }) => b.inbox !== undefined, () => null) : null;
    const serverTiming = response ? ((await response.allHeaders())['server-timing'] ?? null) : null;
    await page.waitForTimeout(500);
    const probe = (await page.evaluate('window.__probe')) as { fetches: Array<{ url: string; start: number; body: number | null }>; firstRow: number | null; longTasks: Array<[number, number]> };
    return {
      firstRowMs,
      firstWindowInAnswer,
      serverTiming,
      firstRowInDomMs: probe.firstRow === null ? null : probe.firstRow - t0,
      pageFetches: probe.fetches.filter((f) => f.start >= t0).map((f) => ({ url: f.url, startMs: f.start - t0, bodyMs: f.body === null ? null : f.body - t0 })),
      longTasks: probe.longTasks.filter(([t]) => t >= t0).map(([t, d]) => [Math.round(t - t0), Math.round(d)] as [number, number]),
      requests: requests.sort((a, b) => a.startMs - b.startMs),
    };
  } finally {
    await context.close();
  }
}

interface BackendResult {
  backend: string;
  imap: Steps[];
  browser: BrowserRun[];
}

async function measure(name: string, imapPort: number, browser: Browser, opts: Options, total: number): Promise<BackendResult> {
  const web = await startWebmail(imapPort);
  try {
    const res: BackendResult = { backend: name, imap: [], browser: [] };
    // warm-up (cold index / page cache), untimed, as in the web benchmark
    await browserRun(browser, web.url);
    if (opts.imap) for (let i = 0; i < opts.runs; i++) res.imap.push(await imapSteps(imapPort, total));
    for (let i = 0; i < opts.runs; i++) {
      if (opts.changeInbox) await changeInbox(imapPort);
      // the sessions store INBOX's first window in the background after a change: let that end
      await new Promise((r) => setTimeout(r, 1000));
      const r = await browserRun(browser, web.url);
      res.browser.push(r);
      log(`  ${name} run ${i + 1}: first row ${r.firstRowMs} ms (in DOM ${r.firstRowInDomMs}; first window ${r.firstWindowInAnswer ? 'in the sign-in answer' : 'asked for'}; server ${r.serverTiming}); long tasks ${JSON.stringify(r.longTasks)}; page fetches ${JSON.stringify(r.pageFetches.map((f) => [f.url.replace(/\?.*/, ''), f.startMs, f.bodyMs]))}; ` + r.requests.map((q) => `${q.what.replace(/\?.*/, '')} ${q.startMs}→${q.endMs ?? 'failed'}`).join(', '));
    }
    return res;
  } finally {
    await web.stop();
  }
}

function report(results: BackendResult[]): string {
  const L: string[] = [];
  const names = [...new Set(results.flatMap((r) => r.imap.flatMap((s) => Object.keys(s))))];
  L.push(`| IMAP step (median ms, fresh connection) | ${results.map((r) => r.backend).join(' | ')} |`);
  L.push(`|---|${results.map(() => '---:').join('|')}|`);
  for (const n of names) L.push(`| ${n} | ${results.map((r) => { const xs = r.imap.flatMap((s) => (s[n] === undefined ? [] : [s[n]])); return xs.length ? median(xs).toFixed(0) : '—'; }).join(' | ')} |`);
  L.push('');
  L.push(`| browser, ms after the click on "Sign in" (median) | ${results.map((r) => r.backend).join(' | ')} |`);
  L.push(`|---|${results.map(() => '---:').join('|')}|`);
  const whats = [...new Set(results.flatMap((r) => r.browser.flatMap((b) => b.requests.map((q) => q.what.replace(/\?.*/, '')))))];
  for (const w of whats) {
    L.push(
      `| ${w} | ${results
        .map((r) => {
          const hits = r.browser.flatMap((b) => b.requests.filter((q) => q.what.replace(/\?.*/, '') === w).slice(0, 1));
          if (!hits.length) return '—';
          const end = hits.flatMap((h) => (h.endMs === null ? [] : [h.endMs]));
          return `${median(hits.map((h) => h.startMs)).toFixed(0)} → ${end.length ? median(end).toFixed(0) : 'open'}`;
        })
        .join(' | ')} |`,
    );
  }
  L.push(`| first loaded row in the DOM (in-page clock) | ${results.map((r) => { const xs = r.browser.flatMap((b) => (b.firstRowInDomMs === null ? [] : [b.firstRowInDomMs])); return xs.length ? median(xs).toFixed(0) : '—'; }).join(' | ')} |`);
  L.push(`| sign-in answers that carried INBOX's stored first window | ${results.map((r) => `${r.browser.filter((b) => b.firstWindowInAnswer).length} of ${r.browser.length}`).join(' | ')} |`);
  L.push(`| **first row visible** | ${results.map((r) => `**${median(r.browser.map((b) => b.firstRowMs)).toFixed(0)}**`).join(' | ')} |`);
  return L.join('\n');
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const dir = opts.dir ?? path.join(os.tmpdir(), `mailroom-bench-breakdown-${opts.messages}`);
  mkdirSync(path.join(dir, 'mailroom'), { recursive: true });
  chmodSync(dir, 0o755);
  const layout = dovecotLayout(path.join(dir, 'dovecot'), USER);
  if (!existsSync(path.join(dir, 'loaded.json'))) {
    log(`loading ${opts.messages} messages into ${dir} …`);
    const r = await loadMailbox({ messages: opts.messages, user: USER, password: PASSWORD, storePath: path.join(dir, 'mailroom', 'mail.sqlite'), maildir: layout.maildir, log });
    writeFileSync(path.join(dir, 'loaded.json'), JSON.stringify(r));
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'], headless: true });
  const stops: Stoppable[] = [];
  const results: BackendResult[] = [];
  try {
    if (opts.backends.includes('embedded')) {
      const imap = await startMailroomImap(path.join(dir, 'mailroom'));
      stops.push(imap);
      results.push(await measure('embedded', imap.port, browser, opts, opts.messages));
      await imap.stop();
    }
    if (opts.backends.includes('dovecot')) {
      const dv = await startDovecot({ bin: await ensureDovecot(log), layout, user: USER, password: PASSWORD });
      stops.push(dv);
      results.push(await measure('dovecot', dv.port, browser, opts, opts.messages));
      await dv.stop();
    }
  } finally {
    for (const s of stops.reverse()) await s.stop().catch(() => undefined);
    await browser.close();
  }
  const table = report(results);
  process.stdout.write(`${table}\n`);
  const file = path.join(ROOT, 'bench/results', `web-breakdown-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}Z.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine: machine(), options: opts, results, loadAvg: os.loadavg() }, null, 2));
  log(`wrote ${path.relative(ROOT, file)}`);
}

main()
  .catch((err: unknown) => {
    log(`breakdown failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  })
  .finally(() => process.exit());
