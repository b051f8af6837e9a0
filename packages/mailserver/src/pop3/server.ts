/** POP3 listener: accepts sockets and hands each to a Pop3Connection. */
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import pino from 'pino';
import type { MailStore } from '../store/types.js';
import { createRegistry } from './commands/registry.js';
import { DEFAULT_POP3_LIMITS, Pop3Connection, type Pop3Limits } from './connection.js';
import { LoginThrottle } from '../imap/login-throttle.js';

export interface Pop3ServerOptions {
  store: MailStore;
  host: string;
  /** 0 = ephemeral. */
  port: number;
  /** Greeting name, default 'localhost'. */
  hostname?: string;
  /** Certificate for STLS (same shape as the SMTP listeners'); without it STLS is not offered. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * With a certificate, USER/PASS and AUTH PLAIN are refused until STLS (RFC 2595 §2.1) unless
   * this is true. Without a certificate plaintext authentication is always allowed.
   */
  allowInsecureAuth?: boolean;
  logger?: Logger;
  /** Timeouts and limits; defaults in ./limits.ts (tests shorten them). */
  limits?: Partial<Pop3Limits>;
  /** Failed logins across connections (per IP, per user name and IP); shared with IMAP by startMailServer. */
  loginThrottle?: LoginThrottle;
}

export interface Pop3ServerHandle {
  port: number;
  /** Stops accepting and closes open connections (no UPDATE state: nothing is deleted). Idempotent. */
  close(): Promise<void>;
}

export function startPop3Server(opts: Pop3ServerOptions): Promise<Pop3ServerHandle> {
  const logger = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'pop3' });
  const commands = createRegistry();
  // a bad key or certificate fails here, at start, with OpenSSL's message
  const secureContext = opts.tls ? tls.createSecureContext({ key: opts.tls.key, cert: opts.tls.cert }) : undefined;
  const limits: Pop3Limits = { ...DEFAULT_POP3_LIMITS, ...opts.limits };
  const loginThrottle = opts.loginThrottle ?? new LoginThrottle();
  const connections = new Set<Pop3Connection>();
  const server = net.createServer((socket) => {
    try {
      const conn = new Pop3Connection(socket, {
        store: opts.store,
        logger,
        commands,
        secureContext,
        allowInsecureAuth: opts.allowInsecureAuth ?? false,
        hostname: opts.hostname ?? 'localhost',
        limits,
        loginThrottle,
        onClose: () => connections.delete(conn),
      });
      connections.add(conn);
      conn.start();
    } catch (err) {
      logger.error({ err }, 'failed to set up connection');
      socket.destroy();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      server.on('error', (err) => logger.error({ err }, 'pop3 server error'));
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port;
      logger.info({ host: opts.host, port, stls: !!secureContext }, 'POP3 server listening');
      let closing: Promise<void> | undefined;
      resolve({
        port,
        close() {
          closing ??= new Promise<void>((res) => {
            for (const c of connections) c.destroy();
            connections.clear();
            server.close(() => res());
          });
          return closing;
        },
      });
    });
  });
}
