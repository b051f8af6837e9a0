// Helpers shared by the npm scripts (plain Node, so they run before anything is installed).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);

export function log(message) {
  process.stdout.write(`\n▶ ${message}\n`);
}

/** Installs the dependencies (npm ci) when node_modules is missing or older than package-lock.json. */
export function ensureDependencies() {
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  const fresh = existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs && existsSync(bin('vite'));
  const sqliteBuilt = existsSync(path.join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'));
  if (fresh && sqliteBuilt) return;
  log('Installing dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write('npm ci failed: see the output above. Node 20.19+ with npm, python3, make and g++ are needed (better-sqlite3 builds from source).\n');
    process.exit(r.status ?? 1);
  }
}

/** Runs a command, inheriting stdio; resolves with its exit code. */
export function run(cmd, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', ...options });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', (err) => {
      process.stderr.write(`cannot run ${cmd}: ${err.message}\n`);
      resolve(127);
    });
  });
}
