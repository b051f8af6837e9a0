/** IMAP listener: accepts sockets and hands each to an ImapConnection. */
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import pino from 'pino';
import type { MailStore } from '../store/index.js';
import { ImapConnection, type PreauthLimits } from './connection.js';
import { LoginThrottle, type LoginLimits } from './login-throttle.js';
import { createRegistry } from './commands/registry.js';

export interface ImapServerOptions {
  store: MailStore;
  host: string;
  port: number; // 0 = ephemeral
  logger?: Logger;
  hideCapabilities?: string[];
  /** key/cert: enables STARTTLS on a plain listener, or implicit TLS with `secure: true` */
  tls?: tls.SecureContextOptions;
  /** implicit TLS (port 993 style); requires `tls` */
  secure?: boolean;
  /**
   * With `tls` on a plain listener, LOGIN/AUTHENTICATE before STARTTLS are refused (NO
   * [PRIVACYREQUIRED], LOGINDISABLED advertised, RFC 3501 7.2.1) unless this is true.
   */
  allowInsecureAuth?: boolean;
  /** failed-login limits (per IP, per user name); see DEFAULT_LOGIN_LIMITS */
  loginLimits?: Partial<LoginLimits>;
  /** a throttle shared with other listeners (STARTTLS and implicit TLS); overrides loginLimits */
  loginThrottle?: LoginThrottle;
  /** limits of unauthenticated sessions: total time and number of commands */
  preauth?: PreauthLimits;
}

export interface ImapServerHandle {
  port: number;
  close(): Promise<void>;
}

export function startImapServer(opts: ImapServerOptions): Promise<ImapServerHandle> {
  const logger = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'imap' });
  const commands = createRegistry(opts.hideCapabilities);
  const connections = new Set<ImapConnection>();
  const loginThrottle = opts.loginThrottle ?? new LoginThrottle(opts.loginLimits);
  if (opts.secure && !opts.tls) return Promise.reject(new Error('IMAP: secure=true needs tls key and cert'));
  const tlsContext = opts.tls ? tls.createSecureContext(opts.tls) : undefined;
  const onSocket = (socket: net.Socket) => {
    try {
      const conn = new ImapConnection(socket, {
        store: opts.store, logger, commands, hideCapabilities: opts.hideCapabilities, onClose: () => connections.delete(conn),
        tlsContext: opts.secure ? undefined : tlsContext, secure: !!opts.secure, allowInsecureAuth: !!opts.allowInsecureAuth, loginThrottle, preauth: opts.preauth,
      });
      connections.add(conn);
      conn.start();
    } catch (err) {
      logger.error({ err }, 'failed to set up connection');
      socket.destroy();
    }
  };
  const server = opts.secure ? tls.createServer({ ...opts.tls }, onSocket) : net.createServer(onSocket);
  if (opts.secure) server.on('tlsClientError', (err) => logger.debug({ err }, 'TLS handshake failed'));
  server.on('error', (err) => logger.error({ err }, 'imap server error'));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port;
      logger.info({ host: opts.host, port }, 'IMAP server listening');
      resolve({
        port,
        close: () =>
          new Promise<void>((res) => {
            for (const c of connections) c.destroy();
            connections.clear();
            server.close(() => res());
          }),
      });
    });
  });
}
