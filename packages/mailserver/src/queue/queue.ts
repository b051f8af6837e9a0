/**
 * The outbound queue: takes messages for remote recipients durably (enqueue commits with
 * synchronous=FULL before it returns, so the submission listener answers 250 only afterwards),
 * then delivers them to the recipients' MX hosts: one connection per domain batch carrying several
 * messages, at most `perDomainConcurrency` connections per domain, retries with exponential
 * backoff until `lifetimeMs`, a DSN to the sender on permanent failure or expiry and one delay
 * notice after `delayNoticeMs`.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { MailStore } from '../store/index.js';
import { resolveRecipient } from '../smtp/delivery.js';
import { buildDsn, type DsnRecipient } from './bounce.js';
import { SmtpClientSession, type ClientOptions, type RecipientOutcome } from './client.js';
import { QueueDb, type QueuedMessage, type QueuedRecipient, type RecipientUpdate } from './queue-db.js';
import { dnsMxResolver, PermanentResolveError, type MxResolver, type MxTarget } from './resolver.js';

export const QUEUE_FILE = 'queue.sqlite';
/** How long the queue keeps retrying a message before it bounces (RFC 5321 section 4.5.4.1: 4–5 days). */
export const DEFAULT_QUEUE_LIFETIME_MS = 5 * 24 * 3600_000;
export const DEFAULT_DELAY_NOTICE_MS = 4 * 3600_000;
export const DEFAULT_RETRY_INITIAL_MS = 5 * 60_000;
export const DEFAULT_RETRY_MAX_MS = 4 * 3600_000;
export const DEFAULT_PER_DOMAIN_CONCURRENCY = 2;
export const DEFAULT_MAX_CONNECTIONS = 20;
export const DEFAULT_MESSAGES_PER_CONNECTION = 100;
export const DEFAULT_QUEUE_POLL_MS = 30_000;
/** Longest close() waits for attempts in flight after cutting their connections. */
const CLOSE_WAIT_MS = 5_000;

export interface OutboundQueueOptions {
  /** The queue lives in dataDir/queue.sqlite. */
  dataDir: string;
  /** Our name: EHLO, Reporting-MTA and the DSN sender domain. */
  hostname: string;
  /** MX lookup; default node:dns (MX, then A/AAAA). */
  resolver?: MxResolver;
  /** Local mail store: DSNs to local senders are delivered straight into their INBOX. */
  store?: MailStore;
  logger?: Logger;
  /** Total time a message is retried, default 5 days. */
  lifetimeMs?: number;
  /** A delay notice is sent once when a message is still queued after this long, default 4 h. */
  delayNoticeMs?: number;
  /** Exponential backoff: first retry after initialMs, doubling, at most maxMs. */
  retry?: { initialMs?: number; maxMs?: number; factor?: number };
  /** Simultaneous connections to one recipient domain, default 2. */
  perDomainConcurrency?: number;
  /** Simultaneous outbound connections in total, default 20. */
  maxConnections?: number;
  /** Messages sent over one connection before it is closed, default 100. */
  messagesPerConnection?: number;
  /** Longest sleep between queue runs (picks up a `mailroom queue flush` from another process), default 30 s. */
  pollMs?: number;
  /** Start processing automatically (default true). Tests with a fake clock call runDue() themselves. */
  autoStart?: boolean;
  /** Clock (ms since epoch); tests inject a fake one. */
  now?: () => number;
  client?: Omit<ClientOptions, 'name'>;
}

interface Batch {
  message: QueuedMessage;
  recipients: QueuedRecipient[];
}

/** Summary of one queued message for `mailroom queue list`. */
export interface QueueEntry {
  id: string;
  mailFrom: string;
  createdAt: Date;
  size: number;
  recipients: Array<{ address: string; status: string; attempts: number; nextAttemptAt: Date; lastError: string | null }>;
}

export class OutboundQueue {
  private readonly db: QueueDb;
  private readonly opts: OutboundQueueOptions;
  private readonly resolver: MxResolver;
  private readonly log: Logger | undefined;
  private readonly now: () => number;
  private readonly inFlight = new Set<number>();
  private readonly domainActive = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();
  private readonly sessions = new Set<SmtpClientSession>();
  private activeConnections = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(opts: OutboundQueueOptions) {
    this.opts = opts;
    this.db = new QueueDb(path.join(opts.dataDir, QUEUE_FILE));
    this.resolver = opts.resolver ?? dnsMxResolver();
    this.log = opts.logger?.child({ component: 'queue' });
    this.now = opts.now ?? Date.now;
    if (opts.autoStart !== false) this.schedule(0);
  }

  /**
   * Stores a message for remote recipients; returns the queue id once it is committed to disk.
   * Throws when the disk write fails (the caller answers 451).
   */
  enqueue(mailFrom: string, recipients: string[], raw: Buffer): string {
    if (this.closed) throw new Error('the outbound queue is closed');
    const id = this.db.enqueue(mailFrom, recipients, raw, this.now());
    this.log?.info({ queueId: id, from: mailFrom, rcpts: recipients.length, bytes: raw.length }, 'queued');
    if (this.opts.autoStart !== false) this.schedule(0);
    return id;
  }

  list(): QueueEntry[] {
    return this.db.list().map(toEntry);
  }

  /** Deletes a queued message without notice. */
  delete(id: string): boolean {
    return this.db.delete(id);
  }

  /** Makes everything (or one message) due now and starts a run. Returns how many recipients. */
  flush(id?: string): number {
    const n = this.db.flush(this.now(), id);
    if (this.opts.autoStart !== false) this.schedule(0);
    return n;
  }

  /** Delivers everything due now; resolves when those attempts are finished. */
  async runDue(): Promise<void> {
    if (this.closed) return;
    await this.dispatch();
    await this.idle();
  }

  /** Resolves when no delivery is in flight. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * Stops scheduling, cuts the connections of attempts in flight (their recipients stay queued and
   * are retried after a restart), waits for their bookkeeping, closes the queue file. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    for (const session of this.sessions) session.close(true);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    this.db.close();
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.dispatch()
        .catch((err: unknown) => this.log?.error({ err }, 'queue run failed'))
        .finally(() => {
          this.running = undefined;
          this.scheduleNext();
        });
    }, Math.max(0, delayMs));
    this.timer.unref();
  }

  private scheduleNext(): void {
    if (this.closed) return;
    const poll = this.opts.pollMs ?? DEFAULT_QUEUE_POLL_MS;
    let next: number | null = null;
    try {
      next = this.db.nextDue();
    } catch (err) {
      this.log?.error({ err }, 'queue: cannot read the next due time');
    }
    const wait = next === null ? poll : Math.min(poll, Math.max(next - this.now(), 0));
    // while deliveries run, their completion reschedules; avoid a busy loop on in-flight items
    this.schedule(this.pending.size > 0 && wait === 0 ? Math.min(poll, 50) : wait);
  }

  /** Starts deliveries for due recipients within the concurrency limits. */
  private dispatch(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const now = this.now();
    const due = this.db.due(now).filter((r) => !this.inFlight.has(r.id));
    const byDomain = new Map<string, Map<string, QueuedRecipient[]>>();
    for (const r of due) {
      let messages = byDomain.get(r.domain);
      if (!messages) byDomain.set(r.domain, (messages = new Map()));
      const list = messages.get(r.messageId) ?? [];
      list.push(r);
      messages.set(r.messageId, list);
    }
    const maxConnections = this.opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    const perDomain = this.opts.perDomainConcurrency ?? DEFAULT_PER_DOMAIN_CONCURRENCY;
    for (const [domain, messages] of byDomain) {
      const slots = Math.min(perDomain - (this.domainActive.get(domain) ?? 0), maxConnections - this.activeConnections);
      if (slots <= 0) continue;
      const batches: Batch[] = [];
      for (const [messageId, recipients] of messages) {
        const message = this.db.getMessage(messageId);
        if (message) batches.push({ message, recipients });
      }
      const chunks: Batch[][] = Array.from({ length: Math.min(slots, batches.length) }, () => []);
      batches.forEach((b, i) => chunks[i % chunks.length]!.push(b));
      for (const chunk of chunks) this.startWorker(domain, chunk);
    }
    return Promise.resolve();
  }

  private startWorker(domain: string, chunk: Batch[]): void {
    for (const b of chunk) for (const r of b.recipients) this.inFlight.add(r.id);
    this.domainActive.set(domain, (this.domainActive.get(domain) ?? 0) + 1);
    this.activeConnections++;
    const work = this.deliverDomain(domain, chunk)
      .catch((err: unknown) => this.log?.error({ err, domain }, 'queue worker failed'))
      .finally(() => {
        for (const b of chunk) for (const r of b.recipients) this.inFlight.delete(r.id);
        const left = (this.domainActive.get(domain) ?? 1) - 1;
        if (left <= 0) this.domainActive.delete(domain);
        else this.domainActive.set(domain, left);
        this.activeConnections--;
        this.pending.delete(work);
        // a slot became free: deliver what waited for it
        if (!this.closed && this.opts.autoStart !== false) this.schedule(0);
      });
    this.pending.add(work);
  }

  private async connect(targets: MxTarget[]): Promise<{ session: SmtpClientSession | null; error: string }> {
    let error = 'no MX host';
    for (const target of targets) {
      try {
        const session = await SmtpClientSession.open(target, { ...this.opts.client, name: this.opts.hostname });
        if (this.closed) {
          session.close(true);
          return { session: null, error: 'the queue is shutting down' };
        }
        this.sessions.add(session);
        return { session, error: '' };
      } catch (err) {
        const e = err as { response?: string; message?: string; responseCode?: number };
        error = `connection to ${target.name ?? target.host} failed: ${(e.response ?? e.message ?? String(err)).replace(/[\r\n]+/g, ' ')}`;
        this.log?.info({ host: target.host, port: target.port, err: error }, 'queue: MX host unreachable');
      }
    }
    return { session: null, error };
  }

  private async deliverDomain(domain: string, chunk: Batch[]): Promise<void> {
    let targets: MxTarget[];
    try {
      targets = await this.resolver(domain);
    } catch (err) {
      const permanent = err instanceof PermanentResolveError;
      const reason = `${permanent ? '5.1.2' : '4.4.3'} ${(err as Error).message}`;
      for (const b of chunk) {
        const outcome: RecipientOutcome = permanent
          ? { kind: 'permanent', response: reason }
          : { kind: 'temporary', response: reason };
        await this.apply(b, new Map(b.recipients.map((r) => [r.address, outcome])), null, false);
      }
      return;
    }

    let session: SmtpClientSession | null = null;
    let sent = 0;
    const perConnection = this.opts.messagesPerConnection ?? DEFAULT_MESSAGES_PER_CONNECTION;
    try {
      for (const b of chunk) {
        if (this.closed) return;
        if (session && (sent >= perConnection || !(await session.ready()))) {
          session.close();
          this.sessions.delete(session);
          session = null;
        }
        if (!session) {
          const opened = await this.connect(targets);
          if (!opened.session) {
            const outcome: RecipientOutcome = { kind: 'temporary', response: `4.4.1 ${opened.error}` };
            await this.apply(b, new Map(b.recipients.map((r) => [r.address, outcome])), null, false);
            continue;
          }
          session = opened.session;
          sent = 0;
        }
        const raw = this.db.getRaw(b.message.id);
        if (!raw) continue; // deleted meanwhile
        const outcomes = await session.send(
          b.message.mailFrom,
          b.recipients.map((r) => r.address),
          raw,
        );
        sent++;
        await this.apply(b, outcomes, session.mta, true);
      }
    } finally {
      if (session) {
        session.close();
        this.sessions.delete(session);
      }
    }
  }

  private backoff(attempts: number): number {
    const initial = this.opts.retry?.initialMs ?? DEFAULT_RETRY_INITIAL_MS;
    const max = this.opts.retry?.maxMs ?? DEFAULT_RETRY_MAX_MS;
    const factor = this.opts.retry?.factor ?? 2;
    return Math.min(max, initial * factor ** Math.max(0, attempts));
  }

  /** Records the outcomes of one attempt and sends the DSN or delay notice they call for. */
  /**
   * Records the outcomes of one attempt and sends the DSN or delay notice they call for. The
   * notices go out first and the state changes are then committed in one transaction: a crash in
   * between can repeat a notice or a delivery attempt, never lose one.
   */
  private async apply(b: Batch, outcomes: Map<string, RecipientOutcome>, mta: string | null, fromSmtp: boolean): Promise<void> {
    const now = this.now();
    const lifetime = this.opts.lifetimeMs ?? DEFAULT_QUEUE_LIFETIME_MS;
    const delayNotice = this.opts.delayNoticeMs ?? DEFAULT_DELAY_NOTICE_MS;
    const failed: DsnRecipient[] = [];
    const delayed: DsnRecipient[] = [];
    const updates: RecipientUpdate[] = [];
    const age = now - b.message.createdAt;
    for (const r of b.recipients) {
      const outcome = outcomes.get(r.address) ?? { kind: 'temporary', response: '4.4.0 no answer for this recipient' };
      if (outcome.kind === 'delivered') {
        updates.push({ id: r.id, status: 'delivered', mta, text: outcome.response });
        this.log?.info({ queueId: b.message.id, rcpt: r.address, mta, response: outcome.response }, 'queue: delivered');
      } else if (outcome.kind === 'permanent') {
        updates.push({ id: r.id, status: 'failed', mta, text: outcome.response });
        failed.push({ address: r.address, action: 'failed', diagnostic: outcome.response, fromSmtp: fromSmtp && mta !== null, remoteMta: mta });
        this.log?.info({ queueId: b.message.id, rcpt: r.address, mta, response: outcome.response }, 'queue: bounced');
      } else if (age >= lifetime) {
        const reason = `delivery time expired after ${Math.round(age / 3600_000)} hours; last error: ${outcome.response}`;
        updates.push({ id: r.id, status: 'failed', mta, text: reason });
        failed.push({ address: r.address, action: 'failed', status: '4.4.7', diagnostic: reason, fromSmtp: false, remoteMta: mta });
        this.log?.info({ queueId: b.message.id, rcpt: r.address, response: outcome.response }, 'queue: expired');
      } else {
        const next = Math.min(now + this.backoff(r.attempts), b.message.createdAt + lifetime);
        updates.push({ id: r.id, status: 'pending', mta, text: outcome.response, nextAttemptAt: next });
        delayed.push({ address: r.address, action: 'delayed', diagnostic: outcome.response, fromSmtp: fromSmtp && mta !== null, remoteMta: mta });
        this.log?.info({ queueId: b.message.id, rcpt: r.address, mta, response: outcome.response, next: new Date(next).toISOString() }, 'queue: deferred');
      }
    }
    const raw = failed.length > 0 || delayed.length > 0 ? this.db.getRaw(b.message.id) : null;
    if (failed.length > 0 && raw) await this.notify(b.message, failed, raw, now);
    let delayNotified = false;
    if (delayed.length > 0 && raw && age >= delayNotice && !b.message.delayNotified) {
      const fresh = this.db.getMessage(b.message.id);
      if (fresh && !fresh.delayNotified) {
        await this.notify(b.message, delayed, raw, now, new Date(b.message.createdAt + lifetime));
        b.message.delayNotified = true;
        delayNotified = true;
      }
    }
    this.db.applyAttempt(b.message.id, updates, delayNotified);
  }

  /** Sends a DSN to the envelope sender: into the local INBOX when the sender is local, queued otherwise. */
  private async notify(message: QueuedMessage, recipients: DsnRecipient[], original: Buffer, now: number, willRetryUntil?: Date): Promise<void> {
    if (!message.mailFrom) {
      this.log?.warn({ queueId: message.id }, 'queue: a message from the null sender failed; no DSN is sent');
      return;
    }
    const dsn = buildDsn({
      hostname: this.opts.hostname,
      queueId: message.id,
      to: message.mailFrom,
      arrivalDate: new Date(message.createdAt),
      now: new Date(now),
      willRetryUntil,
      recipients,
      original,
    });
    try {
      const store = this.opts.store;
      const resolved = store ? resolveRecipient(store, message.mailFrom) : { kind: 'remote' as const };
      if (store && resolved.kind === 'local') {
        const copy = Buffer.concat([Buffer.from('Return-Path: <>\r\n'), dsn]);
        await store.deliver(resolved.user.email, copy, { internalDate: new Date(now) });
      } else if (resolved.kind === 'remote') {
        this.db.enqueue('', [message.mailFrom], dsn, now);
      } else {
        this.log?.warn({ queueId: message.id, to: message.mailFrom }, 'queue: DSN recipient does not exist; dropped');
        return;
      }
      this.log?.info({ queueId: message.id, to: message.mailFrom, kind: willRetryUntil ? 'delay' : 'failure' }, 'queue: DSN sent');
    } catch (err) {
      this.log?.error({ err, queueId: message.id }, 'queue: could not send a DSN');
    }
  }
}

function toEntry(m: QueuedMessage): QueueEntry {
  return {
    id: m.id,
    mailFrom: m.mailFrom,
    createdAt: new Date(m.createdAt),
    size: m.size,
    recipients: m.recipients.map((r) => ({
      address: r.address,
      status: r.status,
      attempts: r.attempts,
      nextAttemptAt: new Date(r.nextAttemptAt),
      lastError: r.lastError,
    })),
  };
}

/** Opens only the queue file (for the `mailroom queue` command while or when no server runs). */
export function openQueueDb(dataDir: string): QueueDb {
  return new QueueDb(path.join(dataDir, QUEUE_FILE));
}

export { QueueDb } from './queue-db.js';
