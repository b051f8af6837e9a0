/**
 * Web benchmark: the Mailroom webmail in a real browser (Debian's Chromium driven by Playwright)
 * against the embedded Mailroom server and against Dovecot, and Roundcube against the same Dovecot.
 *
 *   npm run bench -- web [--messages 100000] [--runs 3] [--fling-rows 10000] [--no-roundcube]
 *                        [--keep] [--update-readme]
 *
 * See bench/README.md ("Web") for what is measured.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { machine } from '../lib/proc.js';
import { dovecotLayout, ensureDovecot, startDovecot } from '../imap/dovecot.js';
import { loadMailbox } from '../imap/mailbox.js';
import { roundcubeMissing, startRoundcube } from './roundcube.js';
import { startMailroomImap, startWebmail } from './stack.js';
import { writeReadmeResults } from '../lib/readme.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BENCH_DIR = path.resolve(HERE, '..');
const ROOT = path.resolve(BENCH_DIR, '..');
const USER = 'bench@bench.test';
const PASSWORD = 'bench-password';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];
const VIEWPORT = { width: 1366, height: 800 };
const TIMEOUT = 120_000;
/** How long the fling test waits for the visible rows to show messages. */
const FILL_TIMEOUT = 120_000;

interface Options {
  messages: number;
  runs: number;
  flingRows: number;
  roundcube: boolean;
  keep: boolean;
  updateReadme: boolean;
}

const USAGE = `usage: npm run bench -- web [options]
  --messages N     INBOX size (default 100000; Sent gets up to 10% on top)
  --runs N         sign-in and message-open runs per client, each in a fresh browser context (default 3)
  --fling-rows N   rows to fling through in the scroll test (default 10000)
  --no-roundcube   skip Roundcube
  --keep           keep the temp dir
  --update-readme  write the results into bench/README.md
Needs a build (npm run build: apps/web/dist and apps/server/dist/cli.js) and /usr/bin/chromium
(CHROMIUM_PATH to use another).`;

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const o: Options = { messages: 100_000, runs: 3, flingRows: 10_000, roundcube: true, keep: false, updateReadme: false };
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
      case '--messages': o.messages = int(flag, value(), 100); break;
      case '--runs': o.runs = int(flag, value(), 1); break;
      case '--fling-rows': o.flingRows = int(flag, value(), 10); break;
      case '--no-roundcube': o.roundcube = false; break;
      case '--keep': o.keep = true; break;
      case '--update-readme': o.updateReadme = true; break;
      case '-h': case '--help': process.stdout.write(`${USAGE}\n`); process.exit(0); break;
      default: throw new UsageError(`unknown option ${a}\n${USAGE}`);
    }
  }
  return o;
}

const log = (m: string): void => void process.stderr.write(`${m}\n`);
const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

// ---------------------------------------------------------------- browser measurements

/** Injected before any page script: a requestAnimationFrame recorder and long-frame observers. */
const RECORDER = `(() => {
  const b = (window.__bench = { rec: false, frames: [], loaf: [], longtasks: [], firstRow: null });
  // wall clock (Date.now()) when the first message row enters the DOM with a layout box: Mailroom's
  // first loaded option of the list, Roundcube's first #messagelist row
  const ROW = '[role="listbox"][aria-label="Messages"] [role="option"]:not([aria-disabled="true"]), #messagelist tbody tr';
  new MutationObserver(() => {
    if (b.firstRow !== null) return;
    const el = document.querySelector(ROW);
    if (el && el.getBoundingClientRect().height > 0) b.firstRow = Date.now();
  }).observe(document, { childList: true, subtree: true, attributes: true });
  const loop = (t) => { if (b.rec) b.frames.push(t); requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
  for (const [type, into] of [['long-animation-frame', b.loaf], ['longtask', b.longtasks]]) {
    try {
      new PerformanceObserver((list) => { if (b.rec) for (const e of list.getEntries()) into.push([e.startTime, e.duration]); }).observe({ type });
    } catch (e) { /* not supported */ }
  }
})();`;

/** True when every row in the list's viewport (clipped to the window) shows a message (no loading placeholder). */
const ROWS_FILLED = `(() => {
  const body = document.querySelector('.list-body');
  if (!body) return false;
  const r = body.getBoundingClientRect();
  const visible = [...body.querySelectorAll('[role="option"]')].filter((el) => {
    const b = el.getBoundingClientRect();
    return b.bottom > Math.max(r.top, 0) && b.top < Math.min(r.bottom, window.innerHeight);
  });
  return visible.length > 0 && visible.every((el) => el.getAttribute('aria-disabled') !== 'true');
})()`;

interface ScriptLoad {
  url: string;
  /** Response body bytes as transferred (encoded; Playwright's responseBodySize). */
  encoded: number;
  /** The decoded body gzipped (level 6) here, to compare servers that do and do not compress. */
  gzip: number;
  contentEncoding: string | null;
}

interface ClientRun {
  signInMs: number;
  /** From the click to the first row in the DOM, by the page's own clock (no polling delay). */
  signInDomMs: number | null;
  /** Mailroom: the sign-in answer carried INBOX's stored first window (INBOX unchanged since the last session read it). */
  firstWindowInAnswer: boolean | null;
  /** Mailroom: the sign-in answer's Server-Timing header. */
  serverTiming: string | null;
  openMs: number | null;
  scripts: ScriptLoad[];
}

interface FlingResult {
  rows: number;
  rowHeightPx: number;
  wheelEvents: number;
  durationMs: number;
  frames: number;
  framesOver50: number;
  maxFrameMs: number;
  p95FrameMs: number;
  longAnimationFrames: number | null;
  longTasks: number;
  /** After the last wheel event: until every row in the viewport shows a message (no placeholder). */
  rowsFilledAfterMs: number | null;
  /**
   * Row-window requests of the list from the start of the fling until the rows were filled (or
   * FILL_TIMEOUT): started, finished, failed (incl. aborted by the page), slowest (ms to the end of
   * the response), failures by Chromium's error text.
   */
  windowRequests: { started: number; finished: number; failed: number; maxMs: number; errors: Record<string, number> };
  /** When not filled within FILL_TIMEOUT: placeholder rows still rendered then. */
  placeholdersAfterTimeout?: number;
}

interface ClientResult {
  name: string;
  runs: ClientRun[];
  signInMs: number | null;
  signInDomMs: number | null;
  openMs: number | null;
  firstPageJs: { encoded: number; gzip: number; files: number; contentEncoding: string[] };
  fling?: FlingResult;
  /** The untimed first sign-in after the servers started (cold caches), Mailroom only. */
  coldSignInMs?: number;
  notes: string[];
}

function trackScripts(page: Page): { scripts: ScriptLoad[]; settle: () => Promise<void> } {
  const scripts: ScriptLoad[] = [];
  const pending: Promise<void>[] = [];
  page.on('requestfinished', (req) => {
    if (req.resourceType() !== 'script') return;
    pending.push(
      (async () => {
        const [sizes, res] = await Promise.all([req.sizes(), req.response()]);
        const body = res ? await res.body().catch(() => Buffer.alloc(0)) : Buffer.alloc(0);
        scripts.push({ url: req.url(), encoded: sizes.responseBodySize, gzip: gzipSync(body).length, contentEncoding: (await res?.headerValue('content-encoding')) ?? null });
      })().catch(() => undefined),
    );
  });
  return { scripts, settle: async () => void (await Promise.all(pending)) };
}

/** Wall clock (Date.now()) of the last click on "Sign in", for the in-page first-row time. */
let lastClickAt = 0;
/** Mailroom: whether the last sign-in's answer brought INBOX's first window along (stored for an unchanged INBOX); null for Roundcube. */
let lastFirstWindowInAnswer: boolean | null = null;
/** Mailroom: the sign-in answer's Server-Timing header (IMAP login, wait, STATUS). */
let lastServerTiming: string | null = null;

interface Client {
  name: string;
  url: string;
  signIn(page: Page): Promise<number>;
  /** Clicks the index-th row and waits for its body; ms. */
  open(page: Page, index: number): Promise<number>;
}

const mailroomClient = (name: string, url: string): Client => ({
  name,
  url,
  async signIn(page) {
    await page.getByLabel('Email').fill(USER);
    await page.getByLabel('Password').fill(PASSWORD);
    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/session', { timeout: TIMEOUT });
    lastClickAt = Date.now();
    const t = performance.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[role="listbox"][aria-label="Messages"] [role="option"]:not([aria-disabled="true"])').first().waitFor({ state: 'visible', timeout: TIMEOUT });
    const ms = performance.now() - t;
    // not timed: did the answer carry the first window (a returning sign-in, INBOX unchanged)?
    const response = await answer.catch(() => null);
    lastFirstWindowInAnswer = response ? await response.json().then((b: { inbox?: unknown }) => b.inbox !== undefined, () => null) : null;
    lastServerTiming = response ? ((await response.allHeaders())['server-timing'] ?? null) : null;
    return ms;
  },
  async open(page, index) {
    const row = page.locator('[role="listbox"][aria-label="Messages"] [role="option"]:not([aria-disabled="true"])').nth(index);
    const subject = ((await row.locator('.row-subject').textContent()) ?? '').trim();
    const article = page.locator('article[aria-label="Message"]');
    const t = performance.now();
    await row.click();
    await article.locator('h2', { hasText: subject.slice(0, 40) }).waitFor({ state: 'visible', timeout: TIMEOUT });
    await article.locator('.message-body').waitFor({ state: 'visible', timeout: TIMEOUT });
    return performance.now() - t;
  },
});

const roundcubeClient = (url: string): Client => ({
  name: 'Roundcube on Dovecot',
  url,
  async signIn(page) {
    await page.locator('#rcmloginuser').fill(USER);
    await page.locator('#rcmloginpwd').fill(PASSWORD);
    lastFirstWindowInAnswer = null;
    lastServerTiming = null;
    lastClickAt = Date.now();
    const t = performance.now();
    await page.locator('#rcmloginsubmit').click();
    await page.locator('#messagelist tbody tr').first().waitFor({ state: 'visible', timeout: TIMEOUT });
    return performance.now() - t;
  },
  async open(page, index) {
    const row = page.locator('#messagelist tbody tr').nth(index);
    const t = performance.now();
    // the subject text: the from/date spans are not clickable (skip-on-drag); Roundcube's list
    // turns a single click into a preview in #messagecontframe (widescreen layout)
    await row.locator('td.subject span.subject').click();
    const frame = page.frameLocator('#messagecontframe');
    await frame.locator('#messagebody').waitFor({ state: 'visible', timeout: TIMEOUT });
    return performance.now() - t;
  },
});

async function newPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-US', timezoneId: 'UTC' });
  await context.addInitScript(RECORDER);
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  return { context, page };
}

/**
 * One untimed sign-in right after the servers start: the first SELECT of a freshly loaded mailbox
 * is cold on both servers (Dovecot builds its index, SQLite's pages are not cached yet); the
 * timed runs measure a mailbox in use. Returns the cold sign-in time, reported apart.
 */
async function warmUp(browser: Browser, client: Client): Promise<number> {
  const warm = await newPage(browser);
  try {
    await warm.page.goto(client.url, { waitUntil: 'load' });
    const t = await client.signIn(warm.page);
    log(`\n(${client.name}: first sign-in after start ${t.toFixed(0)} ms, cold, not in the timed runs)`);
    return t;
  } finally {
    await warm.context.close();
  }
}

async function measureClient(browser: Browser, client: Client, opts: Options, notes: string[]): Promise<ClientResult> {
  log(`\n== ${client.name} (${client.url})`);
  const runs: ClientRun[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const { context, page } = await newPage(browser);
    try {
      const tracked = trackScripts(page);
      await page.goto(client.url, { waitUntil: 'load' });
      const signInMs = await client.signIn(page);
      const firstRow = (await page.evaluate('window.__bench.firstRow')) as number | null;
      const signInDomMs = firstRow === null ? null : firstRow - lastClickAt;
      await page.waitForTimeout(1000); // let the first page settle (lazy chunks, list prefetch)
      await tracked.settle();
      const scripts = [...tracked.scripts];
      // a different message in each run (2nd, 3rd, … row), so no run opens a cached one
      const openMs = await client.open(page, 1 + i);
      const firstWindowInAnswer = lastFirstWindowInAnswer;
      const serverTiming = lastServerTiming;
      runs.push({ signInMs, signInDomMs, firstWindowInAnswer, serverTiming, openMs, scripts });
      log(
        `  run ${i + 1}: sign-in → first rows ${signInMs.toFixed(0)} ms (in the DOM at ${signInDomMs ?? '?'} ms${firstWindowInAnswer === null ? '' : firstWindowInAnswer ? '; first window in the sign-in answer' : '; first window asked for'}${serverTiming ? `; server: ${serverTiming}` : ''}), open message ${openMs.toFixed(0)} ms, first-page JS ${scripts.length} files`,
      );
    } catch (err) {
      const shot = path.join(os.tmpdir(), `mailroom-bench-web-failure-${process.pid}.png`);
      await page.screenshot({ path: shot }).then(
        () => log(`  failed; screenshot ${shot}; frames: ${page.frames().map((f) => f.url()).join(' ')}`),
        () => undefined,
      );
      throw err;
    } finally {
      await context.close();
    }
  }
  const first = runs[0]!;
  return {
    name: client.name,
    runs,
    signInMs: median(runs.map((r) => r.signInMs)),
    signInDomMs: median(runs.flatMap((r) => (r.signInDomMs === null ? [] : [r.signInDomMs]))),
    openMs: median(runs.flatMap((r) => (r.openMs === null ? [] : [r.openMs]))),
    firstPageJs: {
      encoded: first.scripts.reduce((s, x) => s + x.encoded, 0),
      gzip: first.scripts.reduce((s, x) => s + x.gzip, 0),
      files: first.scripts.length,
      contentEncoding: [...new Set(first.scripts.map((x) => x.contentEncoding ?? 'identity'))],
    },
    notes,
  };
}

/** Flings through `rows` rows of the Mailroom list with mouse wheel events, recording frames. */
async function fling(browser: Browser, client: Client, opts: Options, total: number): Promise<FlingResult> {
  const { context, page } = await newPage(browser);
  try {
    await page.goto(client.url, { waitUntil: 'load' });
    await client.signIn(page);
    await page.waitForTimeout(1000);
    const list = page.locator('[role="listbox"][aria-label="Messages"]');
    const rowBox = await list.locator('[role="option"]').first().boundingBox();
    const rowHeight = Math.round(rowBox?.height ?? 76);
    const box = await page.locator('.list-body').boundingBox();
    if (!box) throw new Error('message list not found');
    const rows = Math.min(opts.flingRows, Math.max(0, total - Math.floor(box.height / rowHeight) - 1));
    const targetPx = rows * rowHeight;
    // the list's window requests (?offset=…&limit=…): how many the fling starts, and their fate
    const windows = { started: 0, finished: 0, failed: 0, maxMs: 0, errors: {} as Record<string, number> };
    page.on('request', (req) => {
      if (req.url().includes('offset=')) windows.started++;
    });
    page.on('requestfinished', (req) => {
      if (!req.url().includes('offset=')) return;
      windows.finished++;
      windows.maxMs = Math.max(windows.maxMs, req.timing().responseEnd);
    });
    page.on('requestfailed', (req) => {
      if (!req.url().includes('offset=')) return;
      windows.failed++;
      const why = req.failure()?.errorText ?? 'unknown';
      windows.errors[why] = (windows.errors[why] ?? 0) + 1;
    });
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.evaluate('{ const b = window.__bench; b.frames.length = 0; b.loaf.length = 0; b.longtasks.length = 0; b.rec = true; }');
    const scrollTop = (): Promise<number> => page.locator('.list-body').evaluate((el) => el.scrollTop);
    const step = 2000;
    let wheels = 0;
    const t0 = performance.now();
    for (;;) {
      await page.mouse.wheel(0, step);
      wheels++;
      if (wheels % 10 === 0 && (await scrollTop()) >= targetPx) break;
      if (wheels > (targetPx / step) * 4 + 100) throw new Error(`the list did not scroll (scrollTop ${await scrollTop()} of ${targetPx} px after ${wheels} wheel events)`);
    }
    const durationMs = performance.now() - t0;
    // frames count up to here: the wait for rows below can be idle (headless Chromium then runs
    // no frames), which must not count as long frames
    await page.evaluate('window.__bench.flingEnd = performance.now()');
    const tStop = performance.now();
    let rowsFilledAfterMs: number | null = null;
    let placeholdersAfterTimeout: number | undefined;
    try {
      // Headless Chromium runs no rendering step while nothing animates, so the list may not
      // get its last scroll event (dispatched in a rendering step) until something forces a
      // frame: poll the DOM every 50 ms and force a frame (a tiny screenshot) every second.
      let lastShot = performance.now();
      for (;;) {
        if ((await page.evaluate(ROWS_FILLED)) === true) break;
        if (performance.now() - tStop > FILL_TIMEOUT) throw new Error('timeout');
        if (performance.now() - lastShot > 1000) {
          await page.screenshot({ type: 'jpeg', quality: 1, clip: { x: 0, y: 0, width: 8, height: 8 } });
          lastShot = performance.now();
        }
        await page.waitForTimeout(50);
      }
      rowsFilledAfterMs = performance.now() - tStop;
    } catch {
      // stays null: placeholders still visible after FILL_TIMEOUT
      const shot = path.join(os.tmpdir(), `mailroom-bench-web-fling-${process.pid}.png`);
      const placeholders = await page.locator('.list-body [role="option"][aria-disabled="true"]').count();
      placeholdersAfterTimeout = placeholders;
      await page.screenshot({ path: shot }).catch(() => undefined);
      const top = await page.locator('.list-body').evaluate((el) => el.scrollTop);
      log(
        `  visible rows not filled ${FILL_TIMEOUT / 1000} s after the fling (scrollTop ${top} px, ${placeholders} placeholder rows rendered; ` +
          `window requests: ${JSON.stringify(windows)}; screenshot ${shot})`,
      );
    }
    const rec = (await page.evaluate(
      '(() => { const b = window.__bench; b.rec = false; return { frames: b.frames.filter((t) => t <= b.flingEnd), loaf: b.loaf.filter((e) => e[0] <= b.flingEnd).map((e) => e[1]), longtasks: b.longtasks.filter((e) => e[0] <= b.flingEnd).map((e) => e[1]), loafSupported: PerformanceObserver.supportedEntryTypes.includes("long-animation-frame") }; })()',
    )) as { frames: number[]; loaf: number[]; longtasks: number[]; loafSupported: boolean };
    // frame intervals during the fling (first wheel event to last)
    const deltas = rec.frames.slice(1).map((t, i) => t - rec.frames[i]!);
    const sorted = [...deltas].sort((a, b) => a - b);
    return {
      rows,
      rowHeightPx: rowHeight,
      wheelEvents: wheels,
      durationMs,
      frames: deltas.length,
      framesOver50: deltas.filter((d) => d > 50).length,
      maxFrameMs: sorted[sorted.length - 1] ?? 0,
      p95FrameMs: sorted[Math.floor(sorted.length * 0.95)] ?? 0,
      longAnimationFrames: rec.loafSupported ? rec.loaf.filter((d) => d > 50).length : null,
      longTasks: rec.longtasks.length,
      rowsFilledAfterMs,
      placeholdersAfterTimeout,
      windowRequests: { ...windows },
    };
  } finally {
    await context.close();
  }
}

/** gzip size of every JavaScript file in apps/web/dist (what a first load can at most fetch). */
function distJs(): { files: number; raw: number; gzip: number; byFile: Record<string, number> } {
  const dir = path.join(ROOT, 'apps/web/dist');
  const out = { files: 0, raw: 0, gzip: 0, byFile: {} as Record<string, number> };
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) {
        const buf = readFileSync(p);
        const gz = gzipSync(buf).length;
        out.files++;
        out.raw += buf.length;
        out.gzip += gz;
        out.byFile[path.relative(dir, p)] = gz;
      }
    }
  };
  walk(dir);
  return out;
}

// ---------------------------------------------------------------- report

interface Report {
  date: string;
  machine: ReturnType<typeof machine>;
  options: Options;
  chromium: string;
  load: { inbox: number; sent: number; bytes: number; seconds: { generate: number; mailroom: number; maildir: number } };
  dist: ReturnType<typeof distJs>;
  clients: ClientResult[];
  roundcube: { version?: string; pageSize?: number; skipped?: string };
  loadAvgAtEnd?: number[];
}

const kb = (b: number): string => `${(b / 1024).toFixed(1)} KB`;
const ms = (x: number | null | undefined): string => (x == null ? '—' : `${x.toFixed(0)} ms`);
const ratio = (a: number | null | undefined, b: number | null | undefined): string =>
  a == null || b == null || !b ? 'n/a' : (a / b).toFixed(2);

function markdown(r: Report): string {
  const emb = r.clients.find((c) => c.name.includes('embedded'));
  const dov = r.clients.find((c) => c.name.startsWith('Mailroom on Dovecot'));
  const rc = r.clients.find((c) => c.name.startsWith('Roundcube'));
  const L: string[] = [];
  L.push('| measurement (median) | Mailroom on embedded server | Mailroom on Dovecot | Roundcube on Dovecot | ratio Mailroom-embedded / Mailroom-Dovecot | ratio Mailroom / Roundcube (both on Dovecot) | goal |');
  L.push('|---|---:|---:|---:|---:|---:|---|');
  const goalMet = (a: number | null | undefined, b: number | null | undefined): string => (a == null || b == null ? 'not measured' : a * 3 <= b ? 'met' : 'not met');
  L.push(
    `| (a) sign-in → first message rows visible | ${ms(emb?.signInMs)} | ${ms(dov?.signInMs)} | ${ms(rc?.signInMs)} | ${ratio(emb?.signInMs, dov?.signInMs)} | ${ratio(dov?.signInMs, rc?.signInMs)} | ≤ ⅓ of Roundcube: ${goalMet(dov?.signInMs, rc?.signInMs)} |`,
  );
  L.push(
    `| (a″) the same, to the first row in the DOM by the page's clock (no polling delay) | ${ms(emb?.signInDomMs)} | ${ms(dov?.signInDomMs)} | ${ms(rc?.signInDomMs)} | ${ratio(emb?.signInDomMs, dov?.signInDomMs)} | ${ratio(dov?.signInDomMs, rc?.signInDomMs)} | ≤ ⅓ of Roundcube: ${goalMet(dov?.signInDomMs, rc?.signInDomMs)} |`,
  );
  L.push(`| (a′) the same, first sign-in after the servers start (cold; one run, not in the median) | ${ms(emb?.coldSignInMs)} | ${ms(dov?.coldSignInMs)} | — | ${ratio(emb?.coldSignInMs, dov?.coldSignInMs)} | | |`);
  L.push(
    `| (b) open a message (click → body visible) | ${ms(emb?.openMs)} | ${ms(dov?.openMs)} | ${ms(rc?.openMs)} | ${ratio(emb?.openMs, dov?.openMs)} | ${ratio(dov?.openMs, rc?.openMs)} | ≤ ⅓ of Roundcube: ${goalMet(dov?.openMs, rc?.openMs)} |`,
  );
  const f = (c: ClientResult | undefined): string =>
    !c?.fling ? '—' : `${c.fling.framesOver50} of ${c.fling.frames} (max ${c.fling.maxFrameMs.toFixed(0)} ms)`;
  L.push(`| (c) frames > 50 ms while flinging through ${emb?.fling?.rows ?? dov?.fling?.rows ?? r.options.flingRows} rows | ${f(emb)} | ${f(dov)} | not measured (paged list, no scrolling) | | | |`);
  const fill = (c: ClientResult | undefined): string => (!c?.fling ? '—' : c.fling.rowsFilledAfterMs == null ? `not within ${FILL_TIMEOUT / 1000} s (${c.fling.placeholdersAfterTimeout ?? '?'} placeholder rows rendered)` : ms(c.fling.rowsFilledAfterMs));
  L.push(`| (c) after the fling: visible rows filled in | ${fill(emb)} | ${fill(dov)} | | | | |`);
  const js = (c: ClientResult | undefined): string =>
    !c ? '—' : `${kb(c.firstPageJs.encoded)} sent (${c.firstPageJs.contentEncoding.join(', ')}), ${kb(c.firstPageJs.gzip)} gzip, ${c.firstPageJs.files} files`;
  const jsGoal = emb ? (emb.firstPageJs.gzip < 250 * 1024 ? 'met' : 'not met') : 'not measured';
  L.push(`| (d) JavaScript for the first page (login → first rows) | ${js(emb)} | ${js(dov)} | ${js(rc)} | | ${ratio(dov?.firstPageJs.gzip, rc?.firstPageJs.gzip)} (gzip) | < 250 KB gzip: ${jsGoal} |`);
  L.push('');
  L.push(`apps/web/dist: ${r.dist.files} JavaScript files, ${kb(r.dist.raw)} raw, ${kb(r.dist.gzip)} gzip in total (all chunks, also the lazy ones).`);
  return L.join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  for (const f of ['apps/web/dist/index.html', 'apps/server/dist/cli.js']) {
    if (!existsSync(path.join(ROOT, f))) throw new UsageError(`${f} is missing: run npm run build first`);
  }
  if (!existsSync(CHROMIUM)) throw new UsageError(`${CHROMIUM} not found (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  const started = new Date();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mailroom-bench-web-'));
  chmodSync(tmp, 0o755);
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async (): Promise<void> => {
    const cs = cleanups.splice(0).reverse();
    // each step bounded: a hung stop must not keep the other servers (or the temp dir) around
    for (const c of cs) {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, 30_000)));
      await Promise.race([c().catch(() => undefined), limit]);
      clearTimeout(timer);
    }
  };
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    log(`\n${sig}: stopping servers …`);
    void cleanup().finally(() => {
      if (!opts.keep) rmSync(tmp, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const dovecotBin = await ensureDovecot(log);
    const mailroomDir = path.join(tmp, 'mailroom');
    mkdirSync(mailroomDir, { recursive: true });
    const dvLayout = dovecotLayout(path.join(tmp, 'dovecot'), USER);
    log(`loading ${opts.messages} INBOX messages into both servers (temp dir ${tmp}) …`);
    const load = await loadMailbox({ messages: opts.messages, user: USER, password: PASSWORD, storePath: path.join(mailroomDir, 'mail.sqlite'), maildir: dvLayout.maildir, log });
    log(`  ${load.inbox} INBOX + ${load.sent} Sent; Mailroom deliverMany ${load.seconds.mailroom.toFixed(1)} s, Maildir ${load.seconds.maildir.toFixed(1)} s`);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    cleanups.push(() => browser.close());
    const report: Report = {
      date: started.toISOString(),
      machine: machine(),
      options: opts,
      chromium: browser.version(),
      load: { inbox: load.inbox, sent: load.sent, bytes: load.bytes, seconds: load.seconds },
      dist: distJs(),
      clients: [],
      roundcube: {},
    };

    // 1. Mailroom webmail on the embedded server
    {
      const imap = await startMailroomImap(mailroomDir);
      cleanups.push(imap.stop);
      const web = await startWebmail(imap.port);
      cleanups.push(web.stop);
      const client = mailroomClient('Mailroom on embedded server', web.url);
      const coldSignInMs = await warmUp(browser, client);
      const res = { ...(await measureClient(browser, client, opts, [])), coldSignInMs };
      res.fling = await fling(browser, client, opts, load.inbox);
      log(`  fling ${res.fling.rows} rows: ${res.fling.framesOver50} of ${res.fling.frames} frames > 50 ms, visible rows filled ${ms(res.fling.rowsFilledAfterMs)} after`);
      report.clients.push(res);
      await web.stop();
      await imap.stop();
    }

    // 2. Dovecot: Mailroom webmail, then Roundcube
    const dv = await startDovecot({ bin: dovecotBin, layout: dvLayout, user: USER, password: PASSWORD });
    cleanups.push(dv.stop);
    {
      const web = await startWebmail(dv.port);
      cleanups.push(web.stop);
      const client = mailroomClient('Mailroom on Dovecot', web.url);
      const coldSignInMs = await warmUp(browser, client);
      const res = { ...(await measureClient(browser, client, opts, [])), coldSignInMs };
      res.fling = await fling(browser, client, opts, load.inbox);
      log(`  fling ${res.fling.rows} rows: ${res.fling.framesOver50} of ${res.fling.frames} frames > 50 ms, visible rows filled ${ms(res.fling.rowsFilledAfterMs)} after`);
      report.clients.push(res);
      await web.stop();
    }
    if (opts.roundcube) {
      const missing = roundcubeMissing();
      if (missing) {
        report.roundcube.skipped = missing;
        log(`\nRoundcube skipped: ${missing}`);
      } else {
        const rc = await startRoundcube({ dir: path.join(tmp, 'roundcube'), imapPort: dv.port, log });
        cleanups.push(rc.stop);
        report.roundcube = { version: rc.version, pageSize: rc.pageSize };
        const res = await measureClient(browser, roundcubeClient(rc.url), opts, [`Roundcube ${rc.version}, page size ${rc.pageSize}, PHP built-in server`]);
        report.clients.push(res);
        await rc.stop();
      }
    } else {
      report.roundcube.skipped = '--no-roundcube';
    }
    await dv.stop();

    report.loadAvgAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
    const table = markdown(report);
    process.stdout.write(`\n${table}\n`);
    const resultsDir = path.join(BENCH_DIR, 'results');
    mkdirSync(resultsDir, { recursive: true });
    const stamp = started.toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
    const file = path.join(resultsDir, `web-${stamp}.json`);
    writeFileSync(file, `${JSON.stringify({ ...report, table }, null, 2)}\n`);
    log(`\nresults: ${path.relative(process.cwd(), file)}`);
    if (opts.updateReadme) updateReadme(report, table, path.relative(BENCH_DIR, file));
  } finally {
    await cleanup();
    if (!opts.keep) rmSync(tmp, { recursive: true, force: true });
    else log(`kept ${tmp}`);
  }
}

function updateReadme(r: Report, table: string, resultFile: string): void {
  const mc = r.machine;
  const block = [
    `Measured ${r.date.slice(0, 16).replace('T', ' ')} UTC on ${mc.cpus} × ${mc.cpuModel}, ${(mc.memoryMb / 1024).toFixed(1)} GB RAM, Node ${mc.node}, Chromium ${r.chromium} (headless); ` +
      `INBOX ${r.load.inbox} messages + Sent ${r.load.sent}; median of ${r.options.runs} runs, each in a fresh browser context (cold cache); ` +
      `${r.roundcube.version ? `Roundcube ${r.roundcube.version} (page size ${r.roundcube.pageSize})` : `Roundcube not run: ${r.roundcube.skipped ?? 'unknown'}`}. ` +
      `Load average at the end: ${r.loadAvgAtEnd?.join(' ')}. Raw data: [${resultFile}](${resultFile}).`,
    '',
    table,
  ].join('\n');
  log(writeReadmeResults('web', block) ? 'bench/README.md updated' : 'bench/README.md has no web-results markers: not updated');
}

main()
  .catch((err: unknown) => {
    if (err instanceof UsageError) {
      log(err.message);
      process.exitCode = 2;
      return;
    }
    log(`\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  })
  // everything is stopped by now; do not wait for stray handles (seen once after a full run)
  .finally(() => process.exit());
