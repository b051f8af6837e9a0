import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { installFastDataScanner } from './data-scanner.js';
import type { DeliveryTracker } from './delivery.js';
import { ConnectionLimiter, DEFAULT_LIMITS, type SmtpLimits } from './limits.js';

/** A running SMTP listener. */
export interface SmtpListener {
  port: number;
  /** Stops accepting, waits for deliveries in flight, then closes open connections (421). Idempotent. */
  close(): Promise<void>;
}

export interface ListenerTls {
  key: string | Buffer;
  cert: string | Buffer;
}

/** Options shared by both roles. */
export interface SmtpRoleOptions {
  host: string;
  port: number;
  /** Greeting / Received name. */
  hostname: string;
  maxMessageBytes: number;
  logger?: Logger;
  /** Certificate for STARTTLS; without it STARTTLS is not offered. */
  tls?: ListenerTls;
  /** Abuse limits (connections, rates, recipients, AUTH lockout); see DEFAULT_LIMITS. */
  limits?: SmtpLimits;
  /** Clock for the rate limits (tests). */
  now?: () => number;
  /** Called after each local delivery is committed, with the number of mailboxes it reached (metrics). */
  onDelivered?: (mailboxes: number) => void;
}

/** A reply text that starts with an RFC 3463 enhanced status code ("5.1.1 ..."). */
const ENHANCED_CODE_RE = /^[245]\.\d{1,3}\.\d{1,3}(?: |$)/;

/** The parts of smtp-server's SMTPConnection (3.21) that tuneConnection uses. */
interface ConnectionInternals {
  remoteAddress: string;
  name: string;
  _server: { options: { maxClients?: number }; connections: Set<unknown> };
  send(code: number, data?: string | string[], context?: string | false): void;
  /** The connection's command/DATA parser, an SMTPStream. */
  _parser: object;
  init(): void;
  _setListeners(callback: () => void): void;
  connectionReady(): void;
}

/**
 * Per-connection adjustments of smtp-server, installed before the connection starts:
 * - replies: smtp-server puts an enhanced status code in front of every reply once
 *   ENHANCEDSTATUSCODES is advertised; our own replies carry the precise code already, so the
 *   generic one is left out for them (exactly one code per reply);
 * - the greeting delay: smtp-server waits a hard-coded 100 ms before the greeting (its
 *   SMTPConnection.init); here the wait is `delayMs`, and none for exempt (loopback) clients;
 * - the DATA scanner: the parser's class gets the indexOf-based scanner of data-scanner.ts (once
 *   per class; a no-op with another smtp-server version, which keeps its own).
 */
function tuneConnection(connection: ConnectionInternals, delayMs: number, exempt: Set<string>, logger: Logger | undefined): void {
  installFastDataScanner(Object.getPrototypeOf(connection._parser) as object, logger);
  const send = connection.send.bind(connection);
  connection.send = (code, data, context) => {
    const first = Array.isArray(data) ? data[0] : data;
    send(code, data, typeof first === 'string' && ENHANCED_CODE_RE.test(first) ? false : context);
  };
  const wait = exempt.has(connection.remoteAddress) ? 0 : delayMs;
  connection.init = () => {
    // the body of SMTPConnection.init with our delay instead of its fixed 100 ms
    connection._setListeners(() => {
      const { options, connections } = connection._server;
      if (options.maxClients && connections.size > options.maxClients) {
        connection.send(421, `${connection.name} Too many connected clients, try again in a moment`, false);
        return;
      }
      if (wait <= 0) connection.connectionReady();
      else setTimeout(() => connection.connectionReady(), wait).unref();
    });
  };
}

/** Error raised when a listener cannot bind; names the role, address and port. */
export class ListenError extends Error {
  readonly code: string | undefined;
  constructor(label: string, host: string, port: number, cause: NodeJS.ErrnoException) {
    const why = cause.code === 'EADDRINUSE' ? 'address already in use' : cause.message;
    super(`${label}: cannot listen on ${host}:${port}: ${why}`, { cause });
    this.name = 'ListenError';
    this.code = cause.code;
  }
}

/** Base options for smtp-server common to inbound and submission. */
export function baseServerOptions(role: SmtpRoleOptions, component: string): SMTPServerOptions {
  const options: SMTPServerOptions = {
    name: role.hostname,
    banner: 'Mailroom',
    size: role.maxMessageBytes,
    rejectOversized: true,
    disableReverseLookup: true,
    // a shutdown closes open sessions itself (see close below); this only bounds the wait
    closeTimeout: 1_000,
    // The built-in certificate of smtp-server has a public private key: offer STARTTLS only
    // with a certificate of our own.
    hideSTARTTLS: !role.tls,
    // smtp-server adds `component` to every entry itself
    logger: role.logger ? (role.logger as unknown as SMTPServerOptions['logger']) : false,
    component,
    maxClients: role.limits?.maxConnections ?? DEFAULT_LIMITS.maxConnections,
    // the DSN extension (RFC 3461: NOTIFY, RET, ENVID) is not implemented: failure notices are
    // always sent and always carry the header only, so it is not advertised
    hideDSN: true,
    // RFC 2034: every reply carries an enhanced status code (see tuneConnection)
    hideENHANCEDSTATUSCODES: false,
  };
  const limiter = new ConnectionLimiter(role.limits ?? {}, role.now ?? Date.now);
  const admitted = new Map<string, string>();
  options.onConnect = (session, callback) => {
    const ip = session.remoteAddress;
    const refusal = limiter.admit(ip);
    if (refusal) {
      role.logger?.info({ component, cid: session.id, ip, reason: refusal.message }, 'connection refused by limits');
      return callback(refusal);
    }
    admitted.set(session.id, ip);
    return callback();
  };
  options.onClose = (session) => {
    const ip = admitted.get(session.id);
    if (ip === undefined) return;
    admitted.delete(session.id);
    limiter.release(ip);
  };
  if (role.tls) {
    options.key = role.tls.key;
    options.cert = role.tls.cert;
  }
  return options;
}

/** Binds `server` and returns a listener handle; rejects with ListenError when binding fails. */
export async function startListener(
  server: SMTPServer,
  label: string,
  role: SmtpRoleOptions,
  tracker: DeliveryTracker,
  /** Wait before the greeting (the MX role passes limits.greetingDelayMs, submission 0). */
  greetingDelayMs = 0,
): Promise<SmtpListener> {
  // errors of connections (and the bind error, handled below) (e.g. a client socket error) are logged, never thrown
  server.on('error', (err) => {
    role.logger?.warn({ err, listener: label }, 'smtp listener error');
  });
  const exempt = new Set(role.limits?.greetingDelayExemptIps ?? role.limits?.exemptIps ?? DEFAULT_LIMITS.greetingDelayExemptIps);
  const delayMs = greetingDelayMs;
  const connections = server.connections as Set<unknown>;
  const add = connections.add.bind(connections);
  // smtp-server adds each new connection here before it calls its init()
  connections.add = (connection: unknown) => {
    tuneConnection(connection as ConnectionInternals, delayMs, exempt, role.logger);
    return add(connection);
  };
  const port = await new Promise<number>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.server.off('listening', onListening);
      reject(new ListenError(label, role.host, role.port, err));
    };
    const onListening = (): void => {
      server.server.off('error', onError);
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : role.port);
    };
    server.server.once('error', onError);
    server.server.once('listening', onListening);
    server.listen(role.port, role.host);
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await tracker.drain();
      for (const connection of server.connections) {
        try {
          connection.send(421, `${role.hostname} Server shutting down`);
          connection.close();
        } catch {
          // the socket is already gone
        }
      }
      await closed;
    })();
    return closing;
  };
  return { port, close };
}
