// Per-session imapflow connections. The webmail talks to mail only over IMAP (DESIGN.md): each
// signed-in session owns one authenticated ImapFlow client, created on first use, shared by that
// session's concurrent requests (imapflow queues commands; mailbox access goes through
// getMailboxLock) and logged out after IMAP_IDLE_CLOSE_MS without use.
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { Logger } from 'pino';
import { HttpError, mailServerUnavailable } from '../errors.js';
import { setCacheScope, trackMailboxChanges } from './ordering.js';

export interface ImapEndpoint {
  host: string;
  port: number;
  secure: boolean;
  allowSelfSigned: boolean;
}

export interface MailAccount {
  email: string;
  password: string;
}

interface Entry {
  client: Promise<ImapFlow>;
  timer?: NodeJS.Timeout;
  busy: number;
}

const CONNECT_TIMEOUT_MS = 10_000;

export class ImapPool {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly endpointFor: (email: string) => ImapEndpoint,
    private readonly idleCloseMs: number,
    private readonly logger: Logger,
  ) {}

  /** Opens and authenticates a new connection. Rejects with 401 on bad credentials, 503 when unreachable. */
  async connect(account: MailAccount): Promise<ImapFlow> {
    const endpoint = this.endpointFor(account.email);
    const client = new ImapFlow(clientOptions(endpoint, account));
    // Orders and threads computed on this connection serve the account's other sessions too.
    setCacheScope(client, `${endpoint.host}:${endpoint.port} ${account.email}`);
    trackMailboxChanges(client);
    client.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'imap connection error'));
    try {
      await client.connect();
    } catch (err) {
      client.close();
      const e = err as { authenticationFailed?: boolean; code?: string; responseStatus?: string };
      if (e.authenticationFailed || e.responseStatus === 'NO') {
        throw new HttpError(401, 'invalid_credentials', 'Wrong email or password.');
      }
      throw mailServerUnavailable('IMAP', err);
    }
    return client;
  }

  /** Registers an already connected client (the one that verified the login) for a session. */
  adopt(sessionId: string, client: ImapFlow) {
    this.drop(sessionId);
    this.track(sessionId, { client: Promise.resolve(client), busy: 0 });
  }

  /** Runs fn with the session's client, reconnecting when the previous connection was lost. */
  async withClient<T>(sessionId: string, account: MailAccount, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
    let entry = this.entries.get(sessionId);
    if (entry) {
      const existing = await entry.client.catch(() => null);
      if (!existing || !existing.usable) {
        this.drop(sessionId);
        entry = undefined;
      }
    }
    if (!entry) {
      entry = { client: this.connect(account), busy: 0 };
      this.track(sessionId, entry);
      entry.client.catch(() => this.entries.get(sessionId) === entry && this.entries.delete(sessionId));
    }
    const client = await entry.client;
    entry.busy++;
    if (entry.timer) clearTimeout(entry.timer);
    try {
      return await fn(client);
    } catch (err) {
      throw mapImapError(err);
    } finally {
      entry.busy--;
      this.armIdleTimer(sessionId, entry);
    }
  }

  /** Logs the session's connection out (sign-out). */
  async release(sessionId: string) {
    const entry = this.entries.get(sessionId);
    if (!entry) return;
    this.entries.delete(sessionId);
    if (entry.timer) clearTimeout(entry.timer);
    const client = await entry.client.catch(() => null);
    if (client?.usable) await client.logout().catch(() => client.close());
  }

  async closeAll() {
    await Promise.all([...this.entries.keys()].map((id) => this.release(id)));
  }

  get size() {
    return this.entries.size;
  }

  private track(sessionId: string, entry: Entry) {
    this.entries.set(sessionId, entry);
    void entry.client.then(
      (client) => {
        client.on('close', () => {
          if (this.entries.get(sessionId) === entry) {
            if (entry.timer) clearTimeout(entry.timer);
            this.entries.delete(sessionId);
          }
        });
        this.armIdleTimer(sessionId, entry);
      },
      () => undefined,
    );
  }

  private armIdleTimer(sessionId: string, entry: Entry) {
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.busy > 0) return;
    entry.timer = setTimeout(() => {
      if (this.entries.get(sessionId) === entry && entry.busy === 0) void this.release(sessionId);
    }, this.idleCloseMs);
    entry.timer.unref();
  }

  private drop(sessionId: string) {
    const entry = this.entries.get(sessionId);
    if (!entry) return;
    this.entries.delete(sessionId);
    if (entry.timer) clearTimeout(entry.timer);
    void entry.client.then((c) => c.close(), () => undefined);
  }
}

/** imapflow options for one account on one endpoint (shared by the pool and the watchers). */
export function clientOptions(endpoint: ImapEndpoint, account: MailAccount): ImapFlowOptions {
  return {
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.secure,
    auth: { user: account.email, pass: account.password },
    logger: false,
    emitLogs: false,
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: CONNECT_TIMEOUT_MS,
    tls: { rejectUnauthorized: !endpoint.allowSelfSigned },
    // Plain IMAP on loopback (demo, tests) is not upgraded; elsewhere STARTTLS is used when offered.
    doSTARTTLS: endpoint.secure || !isLoopback(endpoint.host) ? undefined : false,
  };
}

function isLoopback(host: string) {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Maps errors imapflow throws to HttpErrors; HttpErrors pass through. */
export function mapImapError(err: unknown): unknown {
  if (err instanceof HttpError) return err;
  const e = err as { code?: string; serverResponseCode?: string; responseText?: string; responseStatus?: string };
  if (e?.code === 'NoConnection' || e?.code === 'ECONNREFUSED' || e?.code === 'ECONNRESET' || e?.code === 'ETIMEDOUT' || e?.code === 'EPIPE') {
    return mailServerUnavailable('IMAP', err);
  }
  if (e?.serverResponseCode === 'NONEXISTENT' || e?.serverResponseCode === 'TRYCREATE') {
    return new HttpError(404, 'not_found', 'Mailbox not found');
  }
  if (e?.responseStatus === 'NO' || e?.responseStatus === 'BAD') {
    return new HttpError(400, 'bad_request', `The mail server refused: ${e.responseText ?? 'request failed'}`);
  }
  return err;
}
