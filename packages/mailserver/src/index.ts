import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { startImapServer } from './imap/server.js';
import { LoginThrottle, type LoginLimits } from './imap/login-throttle.js';
import type { PreauthLimits } from './imap/connection.js';
import { startPop3Server } from './pop3/server.js';
import { openStore, type MailStore } from './store/index.js';
import { startInboundSmtp } from './smtp/inbound.js';
import { ListenError, type ListenerTls } from './smtp/listener.js';
import { startSubmissionSmtp } from './smtp/submission.js';
import { OutboundQueue, type OutboundQueueOptions } from './queue/queue.js';
import type { DnsResolver } from './smtp/auth-checks.js';
import type { SmtpLimits } from './smtp/limits.js';
import { createDkimSigner } from './dkim/keys.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORTS = { imap: 1143, imaps: 1993, smtp: 2525, submission: 1587, submissions: 1465, pop3: 1110 } as const;
export const DEFAULT_HOSTNAME = 'localhost';
export const DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

/*
 * MTA options of startMailServer (issue #4), with their defaults:
 *
 * | option                                  | default                    | what it does                                                         |
 * |-----------------------------------------|----------------------------|----------------------------------------------------------------------|
 * | maxMessageBytes                         | 25 MiB                     | SIZE advertised and enforced (552 5.3.4) on MX and submission        |
 * | smtpLimits.maxConnections               | 200 per listener           | further connections get 421 (smtp-server maxClients)                 |
 * | smtpLimits.maxConnectionsPerIp          | 20 per listener            | 421 4.7.0 for one more from the same address                         |
 * | smtpLimits.ipConnectionRate             | 120 per 60 s per IP        | 421 4.7.0 connection rate limit exceeded                             |
 * | smtpLimits.maxRecipients                | 100 per message            | 452 4.5.3 for further RCPT TO (client sends the rest later)          |
 * | smtpLimits.userMessageRate              | 300 per hour per user      | 451 4.7.1 at MAIL FROM on submission                                 |
 * | smtpLimits.authLockout.freeFailures     | 3                          | failed AUTHs (per user name and per IP) answered without delay       |
 * | smtpLimits.authLockout.baseDelayMs      | 1 s, doubling, max 30 s    | delay before the 535 of each further failure                         |
 * | smtpLimits.authLockout.lockAfter/lockMs | 10 failures in 15 min → 15 min | AUTH refused with 454 4.7.0 for that IP / user name from that IP |
 * | smtpLimits.authLockout.userLockAfter    | 100 failures in 15 min     | the user name locked from every address (spread guessing)            |
 * | smtpLimits.exemptIps                    | 127.0.0.1, ::1             | per-IP limits skip these (the webmail submits for everyone from here)|
 * | queue.lifetimeMs                        | 5 days                     | retrying stops; DSN (Status 4.4.7) to the sender                     |
 * | queue.delayNoticeMs                     | 4 hours                    | one delay DSN (Action: delayed) to the sender                        |
 * | queue.retry.initialMs / maxMs / factor  | 5 min / 4 h / 2            | exponential backoff between attempts                                 |
 * | queue.perDomainConcurrency              | 2                          | simultaneous connections to one recipient domain                     |
 * | queue.maxConnections                    | 20                         | simultaneous outbound connections in total                           |
 * | queue.messagesPerConnection             | 100                        | messages sent over one connection before it is closed                |
 * | queue.pollMs                            | 30 s                       | longest sleep between queue runs (picks up `mailroom queue flush`)   |
 * | queue.resolver                          | DNS MX, then A/AAAA        | where a domain's mail goes (tests map domains to 127.0.0.1:port)     |
 * | queue: false                            | queue on                   | no remote delivery: submission refuses remote recipients (550 5.7.1) |
 * | authChecks.resolver / authChecks: false | DNS, checks on             | SPF/DKIM/DMARC/ARC of MX mail → Authentication-Results               |
 * | dkimSign                                | true                       | sign submitted mail with dataDir/dkim/<domain>.key (`domain add`)    |
 */
export interface MailServerConfig {
  /** The SQLite file is dataDir/mail.sqlite (created when missing). */
  dataDir: string;
  /** Listen address, default 127.0.0.1. */
  host?: string;
  /**
   * 0 = ephemeral; defaults 1143, 2525, 1587, 1110 (POP3). `pop3: null` disables POP3. When
   * `pop3` is left out and `imap` is 0, POP3 is ephemeral too (callers that ask for port 0, such
   * as tests, never collide on 1110).
   * `imaps` is the implicit-TLS IMAP listener (default 1993, ephemeral like POP3 when `imap` is 0,
   * `null` disables it); it only starts when `tls` is given.
   */
  ports?: { imap?: number; imaps?: number | null; smtp?: number; submission?: number; submissions?: number | null; pop3?: number | null };
  /** Greeting / Received name, default 'localhost'. */
  hostname?: string;
  /** Largest accepted message, default 25 MiB. */
  maxMessageBytes?: number;
  /**
   * Plaintext AUTH before STARTTLS (submission, IMAP LOGIN/AUTHENTICATE, POP3); only for a loopback
   * demo. Without it and with `tls`, IMAP advertises LOGINDISABLED until STARTTLS.
   */
  allowInsecureAuth?: boolean;
  /**
   * Certificate for SMTP/IMAP STARTTLS, POP3 STLS and the implicit-TLS IMAP listener; without it
   * they are not offered (see `selfSignedCertificate` for a demo).
   */
  tls?: ListenerTls;
  logger?: Logger;
  /**
   * IMAP options; `hideCapabilities` leaves capabilities out (and refuses their commands), for tests
   * against a minimal server. `loginLimits`: failed logins per IP and per user name (growing delay,
   * then NO [UNAVAILABLE]; DEFAULT_LOGIN_LIMITS), shared by the STARTTLS and implicit-TLS listeners.
   * `preauth`: an unauthenticated session gets BYE after maxMs (3 min) or maxCommands (50).
   */
  imap?: { hideCapabilities?: string[]; loginLimits?: Partial<LoginLimits>; preauth?: PreauthLimits };
  /**
   * Outbound queue (dataDir/queue.sqlite) for mail that authenticated users send to remote
   * domains: MX resolver, retry schedule, lifetime, concurrency. `false` disables remote delivery
   * (submission then refuses remote recipients with 550 5.7.1).
   */
  queue?: Omit<OutboundQueueOptions, 'dataDir' | 'hostname' | 'store' | 'logger'> | false;
  /**
   * SPF/DKIM/DMARC/ARC checks of MX mail, recorded as Authentication-Results (default on, real
   * DNS). `resolver` replaces DNS (tests); `false` turns them off.
   */
  authChecks?: { resolver?: DnsResolver } | false;
  /** DKIM-sign submitted mail with the keys in dataDir/dkim (`mailroom domain add`), default true. */
  dkimSign?: boolean;
  /** Called after each message received over SMTP is committed to local mailboxes, with their number (metrics). */
  onDelivered?: (mailboxes: number) => void;
  /** SMTP abuse limits for the MX and submission listeners (see the table above). */
  smtpLimits?: SmtpLimits;
}

export interface RunningMailServer {
  store: MailStore;
  /** The outbound queue, null when disabled. */
  queue: OutboundQueue | null;
  /** `pop3` is null when POP3 is disabled; `imaps` when it is disabled or there is no `tls`. */
  ports: { imap: number; imaps: number | null; smtp: number; submission: number; submissions: number | null; pop3: number | null };
  /** Stops the listeners (open connections are closed), then the store. Safe to call twice. */
  close(): Promise<void>;
}

interface Closable {
  close(): Promise<void>;
}

/** Runs a listener start and turns a bind failure into a ListenError naming the listener and port. */
async function bindOrExplain<T>(label: string, host: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if (err instanceof ListenError) throw err;
    const e = err instanceof Error ? (err as NodeJS.ErrnoException) : new Error(String(err));
    throw new ListenError(label, host, port, e);
  }
}

/** Opens the store in `dataDir` and starts the IMAP, SMTP (MX), submission and POP3 listeners. */
export async function startMailServer(config: MailServerConfig): Promise<RunningMailServer> {
  const host = config.host ?? DEFAULT_HOST;
  const hostname = config.hostname ?? DEFAULT_HOSTNAME;
  const maxMessageBytes = config.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const logger = config.logger;
  const wanted = {
    imap: config.ports?.imap ?? DEFAULT_PORTS.imap,
    smtp: config.ports?.smtp ?? DEFAULT_PORTS.smtp,
    submission: config.ports?.submission ?? DEFAULT_PORTS.submission,
    pop3: config.ports?.pop3 === undefined ? (config.ports?.imap === 0 ? 0 : DEFAULT_PORTS.pop3) : config.ports.pop3,
    imaps: !config.tls ? null : config.ports?.imaps === undefined ? (config.ports?.imap === 0 ? 0 : DEFAULT_PORTS.imaps) : config.ports.imaps,
    // submission over implicit TLS (RFC 8314, port 465 style): only with a certificate
    submissions: !config.tls
      ? null
      : config.ports?.submissions === undefined
        ? config.ports?.imap === 0
          ? 0
          : DEFAULT_PORTS.submissions
        : config.ports.submissions,
  };

  mkdirSync(config.dataDir, { recursive: true });
  const store = openStore({ path: path.join(config.dataDir, 'mail.sqlite'), logger });
  const listeners: Closable[] = [];
  let queue: OutboundQueue | null = null;

  const closeAll = async (): Promise<void> => {
    const results = await Promise.allSettled(listeners.map((l) => l.close()));
    for (const r of results) {
      if (r.status === 'rejected') logger?.warn({ err: r.reason as unknown }, 'error while closing a listener');
    }
    // after the listeners (nothing new is queued), before the store (DSNs go into it)
    await queue?.close().catch((err: unknown) => logger?.warn({ err }, 'error while closing the outbound queue'));
    store.close();
  };

  let ports: RunningMailServer['ports'];
  try {
    if (config.queue !== false) {
      queue = new OutboundQueue({ ...config.queue, dataDir: config.dataDir, hostname, store, logger });
    }
    const loginThrottle = new LoginThrottle(config.imap?.loginLimits);
    const preauth = config.imap?.preauth;
    const imap = await bindOrExplain('IMAP', host, wanted.imap, () =>
      startImapServer({
        store, host, port: wanted.imap, logger, hideCapabilities: config.imap?.hideCapabilities,
        tls: config.tls, allowInsecureAuth: config.allowInsecureAuth, loginThrottle, preauth,
      }),
    );
    listeners.push(imap);
    // implicit TLS (port 993 style) next to the STARTTLS listener
    const imapsPort = wanted.imaps;
    const imaps =
      imapsPort === null || !config.tls
        ? null
        : await bindOrExplain('IMAPS', host, imapsPort, () =>
            startImapServer({ store, host, port: imapsPort, logger, hideCapabilities: config.imap?.hideCapabilities, tls: config.tls, secure: true, loginThrottle, preauth }),
          );
    if (imaps) listeners.push(imaps);
    const smtp = await startInboundSmtp({
      store,
      host,
      port: wanted.smtp,
      hostname,
      maxMessageBytes,
      logger,
      tls: config.tls,
      limits: config.smtpLimits,
      onDelivered: config.onDelivered,
      authChecks: config.authChecks,
    });
    listeners.push(smtp);
    const submission = await startSubmissionSmtp({
      store,
      host,
      port: wanted.submission,
      hostname,
      maxMessageBytes,
      logger,
      tls: config.tls,
      allowInsecureAuth: config.allowInsecureAuth,
      queue: queue ?? undefined,
      sign: config.dkimSign === false ? undefined : createDkimSigner(config.dataDir, logger),
      limits: config.smtpLimits,
      onDelivered: config.onDelivered,
    });
    listeners.push(submission);
    const submissionsPort = wanted.submissions;
    const submissions =
      submissionsPort === null || !config.tls
        ? null
        : await startSubmissionSmtp({
            store,
            host,
            port: submissionsPort,
            hostname,
            maxMessageBytes,
            logger,
            tls: config.tls,
            secure: true,
            queue: queue ?? undefined,
            sign: config.dkimSign === false ? undefined : createDkimSigner(config.dataDir, logger),
            limits: config.smtpLimits,
            onDelivered: config.onDelivered,
          });
    if (submissions) listeners.push(submissions);
    // POP3 (RFC 1939) on the same store; with a certificate, USER/PASS and AUTH need STLS first
    // unless allowInsecureAuth is set.
    const pop3Port = wanted.pop3;
    const pop3 =
      pop3Port === null
        ? null
        : await bindOrExplain('POP3', host, pop3Port, () =>
            startPop3Server({ store, host, port: pop3Port, hostname, logger, tls: config.tls, allowInsecureAuth: config.allowInsecureAuth, loginThrottle }),
          );
    if (pop3) listeners.push(pop3);
    ports = { imap: imap.port, imaps: imaps?.port ?? null, smtp: smtp.port, submission: submission.port, submissions: submissions?.port ?? null, pop3: pop3?.port ?? null };
  } catch (err) {
    await closeAll().catch(() => undefined);
    throw err;
  }

  logger?.info({ host, ports }, 'mail server started');
  let closing: Promise<void> | undefined;
  return {
    store,
    queue,
    ports,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}

export { openStore, type MailStore } from './store/index.js';
export { selfSignedCertificate, type SelfSignedCertificate } from './self-signed.js';
export { DEFAULT_LOGIN_LIMITS, LoginThrottle, type LoginLimits } from './imap/login-throttle.js';
export type { PreauthLimits } from './imap/connection.js';
export type { UserRecord, DeliverOptions } from './store/index.js';
export { startInboundSmtp } from './smtp/inbound.js';
export { startSubmissionSmtp } from './smtp/submission.js';
export { ListenError, type SmtpListener } from './smtp/listener.js';
export * from './queue/index.js';
export {
  addMailDomain,
  createDkimSigner,
  domainDnsRecords,
  formatDnsRecords,
  loadDkimKeys,
  DKIM_DIR,
  DEFAULT_DKIM_SELECTOR,
  type DkimKey,
  type DnsRecord,
} from './dkim/keys.js';
export { addAuthenticationResults, staticDnsResolver, type DnsResolver } from './smtp/auth-checks.js';
export { AdminCommandError, aliasCommand, domainCommand, queueCommand } from './mta-admin.js';
export { parseQuota, userCommand, type UserCommandOptions } from './user-admin.js';
export { startPop3Server, type Pop3ServerOptions, type Pop3ServerHandle } from './pop3/server.js';
export * from './seed/index.js';
export * from './maildir/index.js';
