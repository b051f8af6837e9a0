/**
 * Makes sure Debian's mbsync (package isync) is available: uses it when on PATH, otherwise installs it
 * with apt-get (as root, once no other apt/dpkg runs). Throws a clear error when that is impossible:
 * the interop test must fail, not skip, when mbsync cannot be had.
 */
import { run, which } from './run.js';

const APT_BUSY_WAIT_MS = 120_000;

async function aptBusy(): Promise<string | null> {
  const r = await run('sh', ['-c', 'pgrep -a -x "apt|apt-get|dpkg|aptitude|unattended-upgr" || true']);
  return r.stdout.trim() || null;
}

export async function ensureMbsync(): Promise<string> {
  const found = await which('mbsync');
  if (found) return found;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('mbsync is not installed and this test is not running as root, so it cannot install it: run `apt-get install -y isync` first');
  }
  const deadline = Date.now() + APT_BUSY_WAIT_MS;
  for (let busy = await aptBusy(); busy; busy = await aptBusy()) {
    if (Date.now() > deadline) throw new Error(`mbsync is not installed and apt/dpkg stays busy (${busy}); install isync by hand`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  const r = await run('apt-get', ['install', '-y', '--no-install-recommends', 'isync'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeoutMs: 240_000,
  });
  const installed = await which('mbsync');
  if (!installed) {
    throw new Error(`mbsync is not installed and \`apt-get install -y isync\` failed (exit ${String(r.code)}): ${(r.stderr || r.stdout).trim().slice(-800)}`);
  }
  return installed;
}
