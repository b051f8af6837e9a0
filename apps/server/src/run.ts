// Starting and stopping the Mailroom processes: demo (embedded mail server + webmail, seeded),
// standalone (embedded mail server with TLS and real users + webmail), webmail only.
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedDemo, selfSignedCertificate, startMailServer, type RunningMailServer } from '@mailroom/mailserver';
import { closeContext, createApp, createContext } from './app.js';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { createLogger } from './logger.js';

export const DEMO_DOMAIN = 'demo.test';
export const DEMO_USERS = ['alice@demo.test', 'bob@demo.test'];
export const DEMO_PASSWORD = 'demo';

/** Where the built web app is: apps/web/dist, next to this file's package (src/ or dist/). */
export function defaultWebRoot() {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');
}

export interface Running {
  url: string;
  port: number;
  mail?: RunningMailServer;
  ctx: AppContext;
  dataDir?: string;
  close(): Promise<void>;
}

function listen(app: ReturnType<typeof createApp>, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is already in use (set PORT to use another)`) : err),
    );
  });
}

function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The webmail alone, pointed at the IMAP and submission servers of the configuration. */
export async function startWebmail(config: Config): Promise<Running> {
  const logger = createLogger(config.logLevel);
  const ctx = createContext({ ...config, webRoot: config.webRoot ?? defaultWebRoot() }, logger);
  const server = await listen(createApp(ctx), config.host, config.port);
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    port,
    ctx,
    async close() {
      ctx.sse.closeAll();
      await closeHttp(server);
      await closeContext(ctx);
    },
  };
}

/** TLS for the mail listeners: the configured PEM files, else a self-signed certificate made once and kept in DATA_DIR/tls. */
export async function mailTls(config: Config, dataDir: string, hostname: string): Promise<{ key: string; cert: string; selfSigned: boolean }> {
  if (config.tlsCertFile || config.tlsKeyFile) {
    if (!config.tlsCertFile || !config.tlsKeyFile) throw new Error('TLS_CERT_FILE and TLS_KEY_FILE go together: set both');
    return { cert: readFileSync(config.tlsCertFile, 'utf8'), key: readFileSync(config.tlsKeyFile, 'utf8'), selfSigned: false };
  }
  const dir = path.join(dataDir, 'tls');
  const certFile = path.join(dir, 'self-signed.crt');
  const keyFile = path.join(dir, 'self-signed.key');
  if (existsSync(certFile) && existsSync(keyFile)) return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), selfSigned: true };
  const made = await selfSignedCertificate([hostname, 'localhost', '127.0.0.1']);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, made.key, { mode: 0o600 });
  writeFileSync(certFile, made.cert);
  return { cert: String(made.cert), key: String(made.key), selfSigned: true };
}

/**
 * Standalone: the embedded mail server with persistent data, TLS (plaintext authentication refused),
 * the outbound queue and DKIM signing, and the webmail in front of it. Users come from `mailroom user add`.
 * The webmail reaches the mail server over implicit TLS on loopback.
 */
export async function startStandalone(config: Config): Promise<Running & { mail: RunningMailServer; selfSigned: boolean }> {
  if (!config.dataDir) throw new Error('serve needs --data DIR (or DATA_DIR)');
  const dataDir = config.dataDir;
  mkdirSync(dataDir, { recursive: true });
  const logger = createLogger(config.logLevel);
  const hostname = config.mailHostname ?? os.hostname();
  const tls = await mailTls(config, dataDir, hostname);
  const mail = await startMailServer({
    dataDir,
    host: config.mailHost,
    hostname,
    ports: { imap: config.imapPort, imaps: config.imapsPort, smtp: config.smtpPort, submission: config.submissionPort, submissions: config.submissionsPort, pop3: config.pop3Port },
    tls: { key: tls.key, cert: tls.cert },
    allowInsecureAuth: false,
    maxMessageBytes: config.maxMessageBytes,
    logger: logger.child({ component: 'mailserver' }),
  });
  let web: Running;
  try {
    if (!mail.ports.imaps || !mail.ports.submissions) throw new Error('serve needs the implicit-TLS IMAP and submission listeners (IMAPS_PORT, SUBMISSIONS_PORT)');
    const loopback = config.mailHost.includes(':') && config.mailHost !== '0.0.0.0' ? '::1' : '127.0.0.1';
    web = await startWebmail({
      ...config,
      imapHost: loopback,
      imapPort: mail.ports.imaps,
      imapSecure: true,
      submissionHost: loopback,
      submissionPort: mail.ports.submissions,
      submissionSecure: true,
      // the webmail talks to this process's own listeners, whose certificate names the public host
      allowSelfSignedTls: true,
    });
  } catch (err) {
    await mail.close();
    throw err;
  }
  web.ctx.metrics.addMailServer(mail);
  return {
    ...web,
    mail,
    dataDir,
    selfSigned: tls.selfSigned,
    async close() {
      await web.close();
      await mail.close();
    },
  };
}

/** Demo: embedded mail server on loopback with demo.test seeded, and the webmail in front of it. */
export async function startDemo(config: Config): Promise<Running> {
  const logger = createLogger(config.logLevel);
  const temporary = !config.dataDir;
  const dataDir = config.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'mailroom-demo-'));
  mkdirSync(dataDir, { recursive: true });
  let mail: RunningMailServer | undefined;
  let web: Running | undefined;
  // The metrics exist once the webmail is built; deliveries before that (none: seeding bypasses SMTP) are not counted.
  let countDelivered: (n: number) => void = () => undefined;
  try {
    mail = await startMailServer({
      dataDir,
      host: '127.0.0.1',
      hostname: 'localhost',
      ports: { imap: config.imapPort, imaps: config.imapsPort, smtp: config.smtpPort, submission: config.submissionPort, submissions: config.submissionsPort, pop3: config.pop3Port },
      // STARTTLS and implicit TLS with a throw-away certificate; plaintext login stays allowed
      // (loopback demo, and the webmail's own IMAP connection stays plain)
      tls: await selfSignedCertificate(['localhost', '127.0.0.1']),
      allowInsecureAuth: true,
      // The demo never sends mail off this machine: remote recipients are refused, not queued.
      queue: false,
      onDelivered: (n) => countDelivered(n),
      maxMessageBytes: config.maxMessageBytes,
      logger: logger.child({ component: 'mailserver' }),
    });
    if (!mail.store.findUser(DEMO_USERS[0]!)) {
      await seedDemo(mail.store, { domain: DEMO_DOMAIN, password: DEMO_PASSWORD });
    }
    web = await startWebmail({
      ...config,
      host: '127.0.0.1',
      imapHost: '127.0.0.1',
      imapPort: mail.ports.imap,
      imapSecure: false,
      submissionHost: '127.0.0.1',
      submissionPort: mail.ports.submission,
      submissionSecure: false,
    });
  } catch (err) {
    await mail?.close();
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const running = web;
  const mailServer = mail;
  running.ctx.metrics.addMailServer(mailServer);
  countDelivered = (n) => running.ctx.metrics.deliveries.inc(n);
  return {
    ...running,
    mail: mailServer,
    dataDir,
    async close() {
      await running.close();
      await mailServer.close();
      if (temporary) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
