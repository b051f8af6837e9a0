/**
 * Debian's Postfix for the SMTP benchmark: a separate, throwaway instance under a temp dir,
 * listening on a free loopback port, delivering bench.test mail with its virtual(8) delivery agent
 * into a Maildir. The config is testkit's (packages/testkit/src/postfix.ts: queue, data and log
 * directories under the temp dir, no relaying, no DNS) with the delivery switched from LMTP to
 * virtual(8) → Maildir and SASL off. Everything else is Postfix's default (including
 * in_flow_delay and the fsync of queue files and Maildir files before they count as done).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { postfixMainCf, postfixMasterCf, POSTFIX_BIN } from '../../packages/testkit/src/postfix.js';
import { ensureDebianPackages, freePort, onProcessExit, systemIds, waitForGreeting } from '../../packages/testkit/src/util.js';

export const SMTP_SOURCE = '/usr/sbin/smtp-source';

export interface BenchPostfix {
  port: number;
  /** Pid of the master process (its children are the smtpd, cleanup, qmgr, virtual… processes). */
  masterPid: number;
  version: string;
  /** Messages in the Maildir (new/ + cur/). */
  delivered(): number;
  log(): string;
  close(): Promise<void>;
}

/** Installs Debian's postfix when missing (as root; the debconf preseed of testkit). */
export async function ensurePostfix(): Promise<void> {
  await ensureDebianPackages([POSTFIX_BIN, SMTP_SOURCE], ['postfix']);
}

function run(configDir: string, args: string[]): { ok: boolean; output: string } {
  const r = spawnSync(POSTFIX_BIN, ['-c', configDir, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
}

export async function startBenchPostfix(baseDir: string, domain: string, user: string): Promise<BenchPostfix> {
  await ensurePostfix();
  // every directory above the queue must be searchable by the postfix user
  chmodSync(baseDir, 0o755);
  const dir = mkdtempSync(path.join(baseDir, 'postfix-'));
  chmodSync(dir, 0o755);
  const configDir = path.join(dir, 'config');
  const queueDir = path.join(dir, 'queue');
  const dataDir = path.join(dir, 'data');
  const mailDir = path.join(dir, 'mail');
  for (const d of [configDir, queueDir, dataDir, mailDir]) mkdirSync(d, { recursive: true, mode: 0o755 });
  const postfixIds = systemIds('postfix');
  chownSync(dataDir, postfixIds.uid, postfixIds.gid);
  // mailboxes belong to the `mail` system user (virtual(8) never delivers as root or as postfix)
  const mail = systemIds('mail');
  chownSync(mailDir, mail.uid, mail.gid);
  const port = await freePort();
  const unusedPort = await freePort();
  const local = user.slice(0, user.indexOf('@'));
  // testkit's config with the delivery switched to virtual(8) → Maildir and SASL off (keys
  // replaced in place: Postfix warns about keys defined twice)
  const overrides: Record<string, string> = {
    virtual_transport: 'virtual',
    virtual_mailbox_base: mailDir,
    virtual_mailbox_maps: `texthash:${configDir}/mailboxes`,
    virtual_uid_maps: `static:${mail.uid}`,
    virtual_gid_maps: `static:${mail.gid}`,
    virtual_minimum_uid: String(mail.uid),
    smtpd_sasl_auth_enable: 'no',
    smtpd_recipient_restrictions: 'permit_auth_destination, reject',
  };
  const drop = new Set(['smtpd_sasl_type', 'smtpd_sasl_path']);
  const kept = postfixMainCf(dir, { domains: [domain], recipients: [user], lmtpSocket: '/nonexistent', saslSocket: '/nonexistent' })
    .split('\n')
    .filter((line) => {
      const key = /^(\w+)\s*=/.exec(line)?.[1];
      return !key || (!(key in overrides) && !drop.has(key));
    });
  const main = `${kept.join('\n')}\n# SMTP benchmark: virtual(8) delivery into a Maildir, no SASL\n${Object.entries(overrides)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n')}\n`;
  writeFileSync(path.join(configDir, 'main.cf'), main);
  // testkit's master.cf has the submission-like smtpd first; the bench uses only the MX-like one
  writeFileSync(
    path.join(configDir, 'master.cf'),
    postfixMasterCf(unusedPort, port).replace('  -o smtpd_sasl_auth_enable=yes', '  -o smtpd_sasl_auth_enable=no') +
      'virtual   unix  -       n       n       -       -       virtual\n',
  );
  writeFileSync(path.join(configDir, 'recipients'), `${user} OK\n`);
  writeFileSync(path.join(configDir, 'mailboxes'), `${user} ${domain}/${local}/\n`);
  const maildir = path.join(mailDir, domain, local);

  const maillog = path.join(dir, 'maillog');
  const log = (): string => (existsSync(maillog) ? readFileSync(maillog, 'utf8').slice(-4000) : '(no maillog)');
  const masterPid = (): number | undefined => {
    try {
      const n = Number(readFileSync(path.join(queueDir, 'pid', 'master.pid'), 'utf8').trim());
      return Number.isInteger(n) && n > 0 ? n : undefined;
    } catch {
      return undefined;
    }
  };
  const unregister = onProcessExit(() => {
    const pid = masterPid();
    if (pid) process.kill(pid, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const pid = masterPid();
      if (pid) {
        if (!run(configDir, ['stop']).ok) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // already gone
          }
        }
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline) {
          try {
            process.kill(pid, 0);
          } catch {
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      unregister();
      rmSync(dir, { recursive: true, force: true });
    })());

  const count = (sub: string): number => {
    try {
      return readdirSync(path.join(maildir, sub)).length;
    } catch {
      return 0;
    }
  };
  try {
    const start = run(configDir, ['start']);
    if (!start.ok) throw new Error(`postfix -c ${configDir} start failed:\n${start.output}\nmaillog:\n${log()}`);
    await waitForGreeting('127.0.0.1', port, 20_000, 'Postfix smtpd', () => `maillog:\n${log()}`);
    const pid = masterPid();
    if (!pid) throw new Error(`Postfix started without a master.pid\n${log()}`);
    const version = spawnSync('/usr/sbin/postconf', ['-d', '-h', 'mail_version'], { encoding: 'utf8' }).stdout.trim();
    return { port, masterPid: pid, version, delivered: () => count('new') + count('cur'), log, close };
  } catch (err) {
    await close();
    throw err;
  }
}
