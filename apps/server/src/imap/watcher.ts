// Live updates: one watching IMAP connection per signed-in session and mailbox, shared by all of
// that session's SSE clients (tabs) watching it. INBOX is always watched (new-mail notices), plus
// the folder a tab shows. Each watcher selects its mailbox and stays in IDLE; when the server lacks
// IDLE it polls with NOOP often enough that a change shows within 2 seconds. Changes come out as
// MailboxEvents, which the events route sends to the browser as Server-Sent Events.
import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { ImapEndpoint, MailAccount } from './pool.js';
import { clientOptions } from './pool.js';

export interface MailboxEvent {
  /** 'watching': the watcher has the mailbox open; changes from now on are reported. */
  type: 'watching' | 'exists' | 'expunge' | 'flags';
  path: string;
  uid?: number;
  count?: number;
}

type Listener = (event: MailboxEvent) => void;

const NOOP_POLL_MS = 1_500;
const RECONNECT_MS = 5_000;

class SessionWatcher {
  private client: ImapFlow | null = null;
  private poll: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;
  watching = false;
  readonly listeners = new Set<Listener>();

  constructor(
    private readonly endpoint: ImapEndpoint,
    private readonly account: MailAccount,
    readonly mailbox: string,
    private readonly logger: Logger,
  ) {
    void this.start();
  }

  private emit(event: MailboxEvent) {
    for (const l of this.listeners) l(event);
  }

  private async start() {
    if (this.closed) return;
    const client = new ImapFlow({ ...clientOptions(this.endpoint, this.account), autoIdleDelay: 100 });
    this.client = client;
    client.on('error', (err: Error) => this.logger.debug({ err: err.message }, 'watcher connection error'));
    client.on('exists', (e: { path: string; count: number }) => this.emit({ type: 'exists', path: e.path, count: e.count }));
    client.on('expunge', (e: { path: string; uid?: number }) => this.emit({ type: 'expunge', path: e.path, uid: e.uid }));
    client.on('flags', (e: { path: string; uid?: number }) => this.emit({ type: 'flags', path: e.path, uid: e.uid }));
    client.on('close', () => {
      this.watching = false;
      this.stopPolling();
      if (!this.closed) this.scheduleRestart();
    });
    try {
      await client.connect();
      await client.mailboxOpen(this.mailbox);
      this.watching = true;
      this.emit({ type: 'watching', path: this.mailbox });
      if (!client.capabilities.has('IDLE')) {
        this.poll = setInterval(() => void client.noop().catch(() => undefined), NOOP_POLL_MS);
        this.poll.unref();
      }
    } catch (err) {
      this.logger.debug({ err: (err as Error).message, mailbox: this.mailbox }, 'watcher could not start');
      // A mailbox the server refuses (deleted, never existed) is not retried; a lost connection is.
      if ((err as { responseStatus?: string }).responseStatus === 'NO') this.closed = true;
      client.close();
    }
  }

  private scheduleRestart() {
    if (this.retry || this.closed) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.start();
    }, RECONNECT_MS);
    this.retry.unref();
  }

  private stopPolling() {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  async close() {
    this.closed = true;
    this.stopPolling();
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    if (client?.usable) await client.logout().catch(() => client.close());
    else client?.close();
  }
}

export class MailWatchers {
  private readonly watchers = new Map<string, SessionWatcher>();

  constructor(
    private readonly endpointFor: (email: string) => ImapEndpoint,
    private readonly logger: Logger,
  ) {}

  /** Subscribes to changes of one mailbox of a session; the returned function unsubscribes. */
  subscribe(sessionId: string, account: MailAccount, mailbox: string, listener: Listener): () => void {
    const key = `${sessionId}\u0000${mailbox}`;
    let watcher = this.watchers.get(key);
    if (!watcher) {
      watcher = new SessionWatcher(this.endpointFor(account.email), account, mailbox, this.logger);
      this.watchers.set(key, watcher);
    }
    watcher.listeners.add(listener);
    if (watcher.watching) listener({ type: 'watching', path: mailbox });
    const w = watcher;
    return () => {
      w.listeners.delete(listener);
      if (w.listeners.size === 0 && this.watchers.get(key) === w) {
        this.watchers.delete(key);
        void w.close();
      }
    };
  }

  /** Ends a session's watchers (sign-out). */
  async release(sessionId: string) {
    const prefix = `${sessionId}\u0000`;
    const mine = [...this.watchers].filter(([key]) => key.startsWith(prefix));
    for (const [key] of mine) this.watchers.delete(key);
    await Promise.all(mine.map(([, w]) => w.close()));
  }

  async closeAll() {
    const all = [...this.watchers.values()];
    this.watchers.clear();
    await Promise.all(all.map((w) => w.close()));
  }

  get size() {
    return this.watchers.size;
  }
}
