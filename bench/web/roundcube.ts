/**
 * Roundcube for the web benchmark: Debian's `roundcube-core` package served by PHP's built-in web
 * server (`php -S`) with a temp config dir (ROUNDCUBE_CONFIG_DIR): IMAP on the bench's Dovecot,
 * SQLite database in the temp dir, no plugins, elastic skin, default page size (50).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../imap/dovecot.js';

export const ROUNDCUBE_ROOT = '/usr/share/roundcube';
const ETC = '/etc/roundcube';

export interface RunningRoundcube {
  url: string;
  version: string;
  pageSize: number;
  stop(): Promise<void>;
}

/** Why Roundcube cannot run here, or null when it can. */
export function roundcubeMissing(): string | null {
  if (!existsSync(path.join(ROUNDCUBE_ROOT, 'index.php'))) return `${ROUNDCUBE_ROOT}/index.php not found (apt-get install -y roundcube-core roundcube-sqlite3 php-cli php-sqlite3)`;
  if (!existsSync(path.join(ETC, 'defaults.inc.php'))) return `${ETC}/defaults.inc.php not found`;
  const php = spawnSync('php', ['-m'], { encoding: 'utf8' });
  if (php.status !== 0) return 'php (php-cli) is not installed';
  if (!/pdo_sqlite/i.test(php.stdout)) return 'PHP has no pdo_sqlite (php-sqlite3)';
  return null;
}

export function roundcubeVersion(): string {
  try {
    const m = /define\('RCMAIL_VERSION',\s*'([^']+)'\)/.exec(readFileSync(path.join(ROUNDCUBE_ROOT, 'program/include/iniset.php'), 'utf8'));
    return m?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function startRoundcube(opts: { dir: string; imapPort: number; log: (m: string) => void }): Promise<RunningRoundcube> {
  const { dir } = opts;
  const conf = path.join(dir, 'config');
  for (const d of [conf, path.join(dir, 'temp'), path.join(dir, 'logs')]) mkdirSync(d, { recursive: true });
  copyFileSync(path.join(ETC, 'defaults.inc.php'), path.join(conf, 'defaults.inc.php'));
  if (existsSync(path.join(ETC, 'mimetypes.php'))) copyFileSync(path.join(ETC, 'mimetypes.php'), path.join(conf, 'mimetypes.php'));
  const db = path.join(dir, 'roundcube.sqlite');
  const pageSize = 50;
  writeFileSync(
    path.join(conf, 'config.inc.php'),
    `<?php
// written by bench/web/roundcube.ts
$config = [];
$config['db_dsnw'] = 'sqlite:///${db}?mode=0640';
$config['imap_host'] = '127.0.0.1:${opts.imapPort}';
$config['smtp_host'] = '127.0.0.1:1';
$config['des_key'] = 'bench-des-key-24-chars!!';
$config['plugins'] = [];
$config['skin'] = 'elastic';
$config['temp_dir'] = '${path.join(dir, 'temp')}/';
$config['log_dir'] = '${path.join(dir, 'logs')}/';
$config['enable_installer'] = false;
$config['support_url'] = '';
$config['mail_pagesize'] = ${pageSize};
$config['enable_spellcheck'] = false;
$config['login_rate_limit'] = 0;
`,
  );
  // schema
  const init = spawnSync(
    'php',
    ['-r', `$db = new PDO('sqlite:' . $argv[1]); $db->exec(file_get_contents($argv[2])) !== false || exit(1);`, db, path.join(ROUNDCUBE_ROOT, 'SQL/sqlite.initial.sql')],
    { encoding: 'utf8' },
  );
  if (init.status !== 0) throw new Error(`Roundcube database schema failed: ${init.stderr || init.stdout}`);

  const port = await freePort();
  const child: ChildProcess = spawn('php', ['-S', `127.0.0.1:${port}`, '-t', ROUNDCUBE_ROOT], {
    cwd: ROUNDCUBE_ROOT,
    env: { ...process.env, ROUNDCUBE_CONFIG_DIR: conf, PHP_CLI_SERVER_WORKERS: '4' },
    stdio: ['ignore', 'ignore', 'pipe'],
    // own process group: PHP_CLI_SERVER_WORKERS forks workers, which must end with the server
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const kill = (): void => signalGroup('SIGTERM');
  process.once('exit', kill);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', kill);
    child.stderr?.destroy();
    if (child.exitCode !== null || child.signalCode !== null) {
      signalGroup('SIGKILL'); // workers left behind
      return;
    }
    signalGroup('SIGTERM');
    const t = setTimeout(() => signalGroup('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
    signalGroup('SIGKILL');
  };
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`php -S exited at start: ${stderr}`);
    try {
      const res = await fetch(url);
      const body = await res.text();
      if (res.ok && body.includes('rcmloginuser')) break;
      if (Date.now() > deadline) throw new Error(`Roundcube login page not served (HTTP ${res.status}): ${body.slice(0, 500)}`);
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`Roundcube did not answer on ${url}: ${(err as Error).message}\n${stderr}`);
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, version: roundcubeVersion(), pageSize, stop };
}
