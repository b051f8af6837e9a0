/**
 * The processes of the web benchmark: the embedded mail server in a child process and the
 * production webmail (`apps/server/dist/cli.js webmail`) against an IMAP server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../imap/dovecot.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BENCH_DIR = path.resolve(HERE, '..');
const ROOT = path.resolve(BENCH_DIR, '..');

export interface Stoppable {
  stop(): Promise<void>;
}

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  return exited.finally(() => clearTimeout(t));
}

/** The embedded mail server (bench/imap/mailroom-server.ts) in a child process; stops when our stdin pipe closes. */
export async function startMailroomImap(dataDir: string): Promise<Stoppable & { port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, 'imap', 'mailroom-server.ts'), dataDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
    cwd: ROOT,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => {
      try {
        resolve((JSON.parse(line) as { imap: number }).imap);
      } catch {
        reject(new Error(`unexpected output from the Mailroom server: ${line}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`the Mailroom server exited at start (code ${code})`)));
  });
  return {
    port,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin!.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** The production webmail (`node apps/server/dist/cli.js webmail`) against an IMAP server. */
export async function startWebmail(imapPort: number, extraEnv: Record<string, string> = {}): Promise<Stoppable & { url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'apps/server/dist/cli.js'), 'webmail'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      IMAP_HOST: '127.0.0.1',
      IMAP_PORT: String(imapPort),
      SUBMISSION_HOST: '127.0.0.1',
      SUBMISSION_PORT: '1',
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const kill = (): void => void child.kill('SIGTERM');
  process.once('exit', kill);
  const url = `http://127.0.0.1:${port}/`;
  const stop = async (): Promise<void> => {
    process.removeListener('exit', kill);
    await stopChild(child);
  };
  const deadline = Date.now() + 30_000; // webmail start
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the webmail exited at start: ${stderr}`);
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the webmail did not answer on ${url}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop };
}
