/** Small process helpers shared by the Dovecot and Postfix launchers. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

/** A free TCP port on 127.0.0.1: bind port 0, read it, close. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on host:port and sends a first line. */
export async function waitForGreeting(host: string, port: number, timeoutMs: number, what: string, hint: () => string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  while (Date.now() < deadline) {
    try {
      return await new Promise<string>((resolve, reject) => {
        const sock = net.connect({ host, port });
        let buf = '';
        const timer = setTimeout(() => {
          sock.destroy();
          reject(new Error('no greeting'));
        }, 2_000);
        sock.on('data', (d) => {
          buf += d.toString('latin1');
          if (buf.includes('\n')) {
            clearTimeout(timer);
            sock.destroy();
            resolve(buf.split('\n')[0]!.trim());
          }
        });
        sock.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
    } catch (err) {
      lastErr = err instanceof Error ? err.message : String(err);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${what} did not answer on ${host}:${port} within ${timeoutMs} ms (${lastErr}).\n${hint()}`);
}

export async function waitForFile(file: string, timeoutMs: number, what: string, hint: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: ${file} did not appear within ${timeoutMs} ms.\n${hint()}`);
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function dpkgBusy(): boolean {
  const r = spawnSync('pgrep', ['-x', '(apt|apt-get|dpkg|unattended-upgr)'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

let installAttempted = false;

/**
 * Makes sure the Debian packages behind `binaries` are installed: installs them with apt-get when
 * running as root (waiting for another apt/dpkg to finish), and throws a clear error otherwise.
 */
export async function ensureDebianPackages(binaries: string[], packages: string[]): Promise<void> {
  const missing = () => binaries.filter((b) => !existsSync(b));
  if (missing().length === 0) return;
  if (!isRoot() || !existsSync('/usr/bin/apt-get')) {
    throw new Error(
      `Missing ${missing().join(', ')}: the Dovecot/Postfix tests need Debian's ${packages.join(' ')}. ` +
        `Install them (sudo apt-get install -y ${packages.join(' ')}) and run the tests again.`,
    );
  }
  if (!installAttempted) {
    installAttempted = true;
    const deadline = Date.now() + 10 * 60_000;
    while (dpkgBusy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2_000));
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (packages.includes('postfix')) {
      spawnSync('debconf-set-selections', [], { input: 'postfix postfix/main_mailer_type select No configuration\n', env });
    }
    let r = spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { env, encoding: 'utf8' });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update', '-qq'], { env });
      r = spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { env, encoding: 'utf8' });
    }
    if (r.status !== 0 && missing().length) {
      throw new Error(`apt-get install ${packages.join(' ')} failed (exit ${r.status}):\n${(r.stderr || r.stdout || '').slice(-2000)}`);
    }
  }
  if (missing().length) throw new Error(`Still missing after installing ${packages.join(' ')}: ${missing().join(', ')}`);
}

/** uid and gid of a system user, via id(1). */
export function systemIds(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

type Cleanup = () => void;
const exitCleanups = new Set<Cleanup>();
let exitHooked = false;

/**
 * Registers a synchronous cleanup that runs when the process exits (normally, or on SIGINT/SIGTERM/
 * SIGHUP), so that daemons never outlive the test run. Returns the function that unregisters it.
 */
export function onProcessExit(fn: Cleanup): () => void {
  exitCleanups.add(fn);
  if (!exitHooked) {
    exitHooked = true;
    const runAll = () => {
      for (const f of [...exitCleanups]) {
        exitCleanups.delete(f);
        try {
          f();
        } catch {
          // best effort at exit
        }
      }
    };
    process.on('exit', runAll);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        runAll();
        process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
      });
    }
  }
  return () => exitCleanups.delete(fn);
}
