/**
 * The mail backends the webmail is tested against, all seeded with the demo mail for alice and
 * bob of demo.test (password "demo"):
 *  - 'embedded': the embedded mail server, as the demo runs it;
 *  - 'dovecot-postfix': Debian's Dovecot (IMAP, LMTP, auth) + Postfix (submission), loopback only;
 *  - 'embedded-minimal': the embedded server without SORT, THREAD, ESEARCH, QRESYNC, LIST-STATUS
 *    and IDLE, to prove the webmail works with a plain IMAP4rev1 server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_USERS, seedDemo, startMailServer, type RunningMailServer } from '@mailroom/mailserver';
import { startDovecot, type MailUser } from './dovecot.js';
import { startPostfix } from './postfix.js';
import { seedImapDemo } from './seed-imap.js';
import { onProcessExit } from './util.js';

export type BackendKind = 'embedded' | 'dovecot-postfix' | 'embedded-minimal';
export const BACKEND_KINDS: readonly BackendKind[] = ['embedded', 'dovecot-postfix', 'embedded-minimal'];

/** What 'embedded-minimal' hides (and refuses as commands). */
export const MINIMAL_HIDDEN_CAPABILITIES = ['SORT', 'THREAD=REFERENCES', 'ESEARCH', 'QRESYNC', 'LIST-STATUS', 'IDLE'];

export interface BackendOptions {
  /** INBOX messages per demo user; default 30. */
  perUser?: number;
  /** Demo domain, default demo.test. */
  domain?: string;
  /** Password of the demo users, default 'demo'. */
  password?: string;
  /** More users (empty mailboxes) in the same domain. */
  users?: MailUser[];
  /** Reference time of the generated mail; default now. */
  now?: Date;
  /** Fixed ports; free ones when 0 or unset. */
  ports?: { imap?: number; smtp?: number; submission?: number };
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface RunningBackend {
  kind: BackendKind;
  imap: Endpoint;
  /** Submission: AUTH required, local domains only (nobody relays in these test systems). */
  submission: Endpoint;
  /** Inbound SMTP like an MX: no AUTH, mail for the local domains. */
  smtp: Endpoint;
  /** The demo users and the extra ones. */
  users: MailUser[];
  /** Only for the embedded kinds: the running embedded server. */
  mail?: RunningMailServer;
  /** Recent log lines of the external servers (for failure messages); empty for embedded. */
  log(): string;
  close(): Promise<void>;
}

export function isBackendKind(v: unknown): v is BackendKind {
  return typeof v === 'string' && (BACKEND_KINDS as readonly string[]).includes(v);
}

async function startEmbedded(kind: BackendKind, opts: Required<Pick<BackendOptions, 'perUser' | 'domain' | 'password'>> & BackendOptions): Promise<RunningBackend> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mr-backend-'));
  let mail: RunningMailServer | undefined;
  try {
    mail = await startMailServer({
      dataDir,
      host: '127.0.0.1',
      ports: { imap: opts.ports?.imap ?? 0, smtp: opts.ports?.smtp ?? 0, submission: opts.ports?.submission ?? 0, pop3: 0 },
      allowInsecureAuth: true,
      // a closed test system: no delivery to the internet, remote recipients are refused (550 5.7.1)
      // like the test Postfix does
      queue: false,
      imap: kind === 'embedded-minimal' ? { hideCapabilities: MINIMAL_HIDDEN_CAPABILITIES } : undefined,
    });
    const { users } = await seedDemo(mail.store, { domain: opts.domain, password: opts.password, perUser: opts.perUser, now: opts.now });
    for (const u of opts.users ?? []) if (!mail.store.findUser(u.email)) mail.store.createUser(u.email, u.password);
    const running = mail;
    // a process stopped by a signal still leaves no data behind
    const unregister = onProcessExit(() => rmSync(dataDir, { recursive: true, force: true }));
    let closing: Promise<void> | undefined;
    return {
      kind,
      imap: { host: '127.0.0.1', port: mail.ports.imap },
      submission: { host: '127.0.0.1', port: mail.ports.submission },
      smtp: { host: '127.0.0.1', port: mail.ports.smtp },
      users: [...users.map((email) => ({ email, password: opts.password })), ...(opts.users ?? [])],
      mail,
      log: () => '',
      close: () =>
        (closing ??= (async () => {
          await running.close();
          unregister();
          rmSync(dataDir, { recursive: true, force: true });
        })()),
    };
  } catch (err) {
    await mail?.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

async function startDovecotPostfix(opts: Required<Pick<BackendOptions, 'perUser' | 'domain' | 'password'>> & BackendOptions): Promise<RunningBackend> {
  const demo: MailUser[] = DEMO_USERS.map((u) => ({ email: `${u.local}@${opts.domain}`, password: opts.password }));
  const users = [...demo, ...(opts.users ?? [])];
  const domains = [...new Set(users.map((u) => u.email.split('@')[1]!.toLowerCase()))];
  const dovecot = await startDovecot({ users, imapPort: opts.ports?.imap });
  let postfix: Awaited<ReturnType<typeof startPostfix>> | undefined;
  try {
    postfix = await startPostfix({
      domains,
      recipients: users.map((u) => u.email),
      lmtpSocket: dovecot.lmtpSocket,
      saslSocket: dovecot.authSocket,
      submissionPort: opts.ports?.submission,
      mxPort: opts.ports?.smtp,
    });
    await seedImapDemo({ host: dovecot.host, port: dovecot.imapPort, domain: opts.domain, password: opts.password, perUser: opts.perUser, now: opts.now });
  } catch (err) {
    await postfix?.close().catch(() => undefined);
    await dovecot.close().catch(() => undefined);
    throw err;
  }
  const pf = postfix;
  let closing: Promise<void> | undefined;
  return {
    kind: 'dovecot-postfix',
    imap: { host: dovecot.host, port: dovecot.imapPort },
    submission: { host: pf.host, port: pf.submissionPort },
    smtp: { host: pf.host, port: pf.mxPort },
    users,
    log: () => `--- dovecot ---\n${dovecot.log()}\n--- postfix ---\n${pf.log()}`,
    close: () =>
      (closing ??= (async () => {
        await Promise.allSettled([pf.close(), dovecot.close()]);
      })()),
  };
}

/** Starts one backend on loopback (free ports), seeded for the demo users. Stop it with close(). */
export async function startBackend(kind: BackendKind, opts: BackendOptions = {}): Promise<RunningBackend> {
  const full = { ...opts, perUser: opts.perUser ?? 30, domain: (opts.domain ?? 'demo.test').toLowerCase(), password: opts.password ?? 'demo' };
  switch (kind) {
    case 'embedded':
    case 'embedded-minimal':
      return startEmbedded(kind, full);
    case 'dovecot-postfix':
      return startDovecotPostfix(full);
    default:
      throw new Error(`Unknown mail backend ${JSON.stringify(kind as string)}; use one of ${BACKEND_KINDS.join(', ')}`);
  }
}
