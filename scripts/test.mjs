// `npm test`: everything, on a fresh clone. Installs dependencies (npm ci) and Debian's Chromium
// when missing (as root), then: typecheck, lint, unit + integration tests (vitest), build, and the
// end-to-end tests (Playwright in Chromium against the demo stack). Ends with "N passed, N failed".
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, bin, ensureDependencies, log, run } from './lib.mjs';

const results = { passed: 0, failed: 0 };
const failures = [];

function check(name, ok) {
  if (ok) results.passed++;
  else {
    results.failed++;
    failures.push(name);
  }
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

export function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean);
  return candidates.find((p) => existsSync(p)) ?? null;
}

function ensureChromium() {
  let found = findChromium();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    log("Installing Debian's chromium (apt-get)…");
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-noto-core'], { stdio: 'inherit', env });
    found = findChromium();
  }
  if (!found) {
    process.stderr.write(
      'Chromium is missing: the end-to-end tests need it. Install Debian\'s package (sudo apt-get install chromium) or set CHROMIUM_PATH.\n',
    );
  }
  return found;
}

ensureDependencies();
mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
const only = process.argv.slice(2);
const want = (step) => only.length === 0 || only.includes(step);

if (want('typecheck')) {
  log('Typecheck (tsc)…');
  const a = await run(bin('tsc'), ['-p', 'tsconfig.json']);
  const b = await run(bin('tsc'), ['-p', 'apps/web/tsconfig.json']);
  const c = await run(bin('tsc'), ['-p', 'e2e/tsconfig.json']);
  check('typecheck', a === 0 && b === 0 && c === 0);
}

if (want('lint')) {
  log('Lint (eslint)…');
  check('lint', (await run(bin('eslint'), ['.'])) === 0);
}

if (want('unit')) {
  log('Unit and integration tests (vitest)…');
  const out = path.join(ROOT, 'test-results', 'vitest.json');
  const code = await run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  const report = readJson(out);
  if (report) {
    results.passed += report.numPassedTests ?? 0;
    results.failed += report.numFailedTests ?? 0;
    if (report.numFailedTests) failures.push(`${report.numFailedTests} vitest test(s)`);
    // A suite that failed to load counts as a failure even if no test inside it ran.
    const brokenSuites = (report.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
    if (brokenSuites) check(`${brokenSuites} vitest file(s) failed to load`, false);
  }
  if (code !== 0 && (!report || (report.numFailedTests ?? 0) === 0)) check('vitest run', false);
}

if (want('e2e')) {
  log('Build…');
  const { build } = await import('./build.mjs');
  const built = (await build()) === 0;
  check('build', built);
  const chromium = ensureChromium();
  if (!chromium) check('e2e: Chromium not available', false);
  else if (built) {
    log('End-to-end tests (Playwright + Chromium)…');
    const out = path.join(ROOT, 'test-results', 'e2e.json');
    const code = await run(bin('playwright'), ['test'], {
      env: { ...process.env, CHROMIUM_PATH: chromium, PLAYWRIGHT_JSON_OUTPUT_NAME: out },
    });
    const report = readJson(out);
    if (report?.stats) {
      const passed = (report.stats.expected ?? 0) + (report.stats.flaky ?? 0);
      const failed = report.stats.unexpected ?? 0;
      results.passed += passed;
      results.failed += failed;
      if (failed) failures.push(`${failed} e2e test(s)`);
      if (report.errors?.length) check('e2e setup', false);
    } else {
      check('e2e run', code === 0);
    }
    if (code !== 0 && results.failed === 0) check('e2e run', false);
  }
}

if (failures.length) process.stdout.write(`\nFailed: ${failures.join(', ')}\n`);
process.stdout.write(`\n${results.passed} passed, ${results.failed} failed\n`);
process.exit(results.failed === 0 ? 0 : 1);
