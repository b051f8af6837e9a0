// Debian's redis-server on a loopback port for tests (multi-node sessions), no persistence,
// stopped at the end (and on process exit).
import { spawn } from 'node:child_process';
import { ensureDebianPackages, freePort, onProcessExit } from './util.js';

export interface RunningRedis {
  url: string;
  port: number;
  close(): Promise<void>;
}

const REDIS_SERVER = '/usr/bin/redis-server';

export async function startRedis(): Promise<RunningRedis> {
  await ensureDebianPackages([REDIS_SERVER], ['redis-server']);
  const port = await freePort();
  const child = spawn(REDIS_SERVER, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  child.stderr.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const unhook = onProcessExit(() => child.kill('SIGKILL'));
  // redis answers PING on connect only when asked; a TCP greeting check would wait forever, so poll the port with PING.
  await waitForRedis(port, () => log);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async close() {
      unhook();
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

async function waitForRedis(port: number, logs: () => string) {
  const net = await import('node:net');
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
      s.setTimeout(1000, () => {
        s.destroy();
        resolve(false);
      });
      s.on('data', (d: Buffer) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-server did not start on port ${port}:\n${logs()}`);
}
