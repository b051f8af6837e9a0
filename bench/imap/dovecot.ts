/**
 * Dovecot for the side-by-side benchmark: installs Debian's dovecot-imapd when it is missing and
 * runs it from a temp dir on a loopback high port, with a passwd-file user and Maildir storage.
 * Dovecot runs in the foreground under a small shell watchdog whose stdin is a pipe from this
 * process: when this process ends for any reason, the pipe closes and Dovecot is stopped.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { RawImapClient } from './client.js';

const DOVECOT_CANDIDATES = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'];

export function findDovecot(): string | null {
  return DOVECOT_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

function aptBusy(): string | null {
  const r = spawnSync('pgrep', ['-a', '-x', 'apt-get|apt|dpkg|aptitude|unattended-upgr'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/** Returns the dovecot binary, installing dovecot-imapd with apt-get (as root) when needed. */
export async function ensureDovecot(log: (msg: string) => void): Promise<string> {
  const found = findDovecot();
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error('Dovecot is not installed and this is not root: install it with `apt-get install -y dovecot-imapd`');
  }
  for (let waited = 0; ; waited += 5) {
    const busy = aptBusy();
    if (!busy) break;
    if (waited >= 600) throw new Error(`another apt/dpkg process is still running after 10 minutes:\n${busy}`);
    if (waited % 30 === 0) log(`waiting for another apt/dpkg process to finish:\n${busy}`);
    await new Promise((r) => setTimeout(r, 5000));
  }
  log('installing dovecot-imapd with apt-get …');
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'dovecot-imapd'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const bin = findDovecot();
  if (r.status !== 0 || !bin) throw new Error(`apt-get install dovecot-imapd failed (exit ${r.status})`);
  return bin;
}

export function dovecotVersion(bin: string): string {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** A system user that owns the Maildir: Dovecot refuses to access mail as root. */
export function mailOwner(): { name: string; uid: number; gid: number } {
  for (const name of ['mail', 'dovecot', 'nobody']) {
    const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
    const f = r.stdout?.trim().split(':');
    if (r.status === 0 && f && f.length >= 4) return { name, uid: Number(f[2]), gid: Number(f[3]) };
  }
  throw new Error('no system user (mail, dovecot, nobody) to own the Maildir');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface DovecotLayout {
  dir: string;
  /** Maildir of `user` (INBOX at its root, other folders as Maildir++ `.Name`). */
  maildir: string;
  conf: string;
  log: string;
  baseDir: string;
}

/** Paths for a Dovecot instance under `dir`, for user `local@domain`. */
export function dovecotLayout(dir: string, user: string): DovecotLayout {
  const [local, domain] = user.split('@') as [string, string];
  return {
    dir,
    maildir: path.join(dir, 'mail', domain, local, 'Maildir'),
    conf: path.join(dir, 'dovecot.conf'),
    log: path.join(dir, 'dovecot.log'),
    baseDir: path.join(dir, 'run'),
  };
}

export interface RunningDovecot {
  port: number;
  masterPid: number;
  version: string;
  config: string;
  /** The last lines of Dovecot's log. */
  logTail(): string;
  stop(): Promise<void>;
}

export async function startDovecot(opts: {
  bin: string;
  layout: DovecotLayout;
  user: string;
  password: string;
  passScheme?: string;
}): Promise<RunningDovecot> {
  const { bin, layout, user, password } = opts;
  const scheme = opts.passScheme ?? 'SHA512-CRYPT';
  const owner = mailOwner();
  const port = await freePort();
  chmodSync(layout.dir, 0o755); // the login and mail users must reach their sockets and mail
  mkdirSync(layout.baseDir, { recursive: true });
  mkdirSync(path.join(layout.dir, 'state'), { recursive: true });
  mkdirSync(path.join(layout.dir, 'home'), { recursive: true });
  mkdirSync(layout.maildir, { recursive: true });
  const doveadm = path.join(path.dirname(bin).replace(/sbin$/, 'bin'), 'doveadm');
  const hash = execFileSync(existsSync(doveadm) ? doveadm : 'doveadm', ['pw', '-s', scheme, '-p', password], { encoding: 'utf8' }).trim();
  const passwd = path.join(layout.dir, 'passwd');
  writeFileSync(passwd, `${user}:${hash}:::${path.join(layout.dir, 'home')}::\n`);
  const config = `# written by bench/imap/dovecot.ts
protocols = imap
listen = 127.0.0.1
base_dir = ${layout.baseDir}
state_dir = ${path.join(layout.dir, 'state')}
log_path = ${layout.log}
info_log_path = ${layout.log}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = ${owner.uid}
first_valid_gid = ${owner.gid}
mail_uid = ${owner.name}
mail_gid = ${owner.gid}
mail_location = maildir:${path.join(layout.dir, 'mail')}/%d/%n/Maildir
passdb {
  driver = passwd-file
  args = ${passwd}
}
userdb {
  driver = passwd-file
  args = ${passwd}
}
protocol imap {
  mail_max_userip_connections = 1000
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`;
  writeFileSync(layout.conf, config);
  spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, path.join(layout.dir, 'mail'), path.join(layout.dir, 'home')]);

  // the watchdog: Dovecot in the foreground; when our pipe closes (we stop it, or this process
  // dies), the background `cat` returns and Dovecot gets SIGTERM
  const script = 'exec 3<&0; "$0" -F -c "$1" </dev/null & p=$!; (cat <&3 >/dev/null; kill -TERM $p 2>/dev/null) & exec 3<&-; wait $p';
  const child: ChildProcess = spawn('sh', ['-c', script, bin, layout.conf], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  const exitedP = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));

  const pidFile = path.join(layout.baseDir, 'master.pid');
  const logTail = () => (existsSync(layout.log) ? readFileSync(layout.log, 'utf8').split('\n').slice(-15).join('\n') : '');
  const killHard = (): void => {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid > 0) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const onExit = (): void => {
    // last resort when this process exits without stop(): SIGTERM the master
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid > 0) process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.once('exit', onExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    if (!exited) {
      child.stdin?.end();
      const timer = setTimeout(killHard, 10_000);
      await exitedP;
      clearTimeout(timer);
    }
  };

  // wait until it answers
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`Dovecot exited at start:\n${stderr}\n${logTail()}`);
    try {
      const c = await RawImapClient.connect('127.0.0.1', port, 2000);
      c.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`Dovecot did not answer on 127.0.0.1:${port}: ${(err as Error).message}\n${logTail()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const masterPid = Number(readFileSync(pidFile, 'utf8').trim());
  return { port, masterPid, version: dovecotVersion(bin), config, logTail, stop };
}
