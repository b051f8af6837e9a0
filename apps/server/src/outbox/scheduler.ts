// The outbox scheduler: wakes at the next item's time (a timer re-armed on every insert), claims
// due items (pending → sending, committed before anything is submitted), submits them with the
// sealed credentials, then does what follows a send (Sent copy, draft removed, original flagged,
// contacts) and tells the user's open tabs over SSE. Temporary failures are retried with backoff.
// Delivery is at-least-once: an item caught 'sending' by a crash is submitted again after a restart.
import type { Logger } from 'pino';
import type { ContactRepository } from '../data/contacts.js';
import { outboxItemToApi, type OutboxError, type OutboxRecord, type OutboxStore } from '../data/outbox.js';
import type { ImapPool, MailAccount } from '../imap/pool.js';
import type { MailRouting } from '../mail-routing.js';
import type { Metrics } from '../metrics.js';
import type { SseClients } from '../routes/events/router.js';
import { CredentialSealer } from '../session/crypto.js';
import { isTemporary, mapSmtpError, submit } from '../smtp/submit.js';
import { afterSend } from './after-send.js';

/** The longest a timer sleeps before looking again (also below setTimeout's 2^31 ms limit). */
const MAX_SLEEP_MS = 60 * 60 * 1000;
/** Waits before the 2nd, 3rd … tries after a temporary failure; then the item fails. */
export const RETRY_DELAYS_MS = [30_000, 2 * 60_000, 10 * 60_000, 30 * 60_000];
const CONCURRENCY = 4;

export interface OutboxDeps {
  store: OutboxStore;
  /** Seals the credentials kept with an item (aad: the item id). */
  sealer: CredentialSealer;
  routing: MailRouting;
  imap: ImapPool;
  contacts: ContactRepository;
  sse: SseClients;
  metrics: Metrics;
  logger: Logger;
  retryDelaysMs?: number[];
}

/** The SSE event data of an `outbox` event. */
export interface OutboxEvent {
  id: string;
  status: OutboxRecord['status'];
  error?: OutboxError;
}

export class OutboxScheduler {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private ticking: Promise<void> | null = null;
  private readonly retryDelays: number[];

  constructor(private readonly deps: OutboxDeps) {
    this.retryDelays = deps.retryDelaysMs ?? RETRY_DELAYS_MS;
  }

  get store() {
    return this.deps.store;
  }

  get sealer() {
    return this.deps.sealer;
  }

  /** Resumes after a (re)start: items left 'sending' go back to pending; due items go out now. */
  start() {
    this.stopped = false;
    const recovered = this.deps.store.recoverInterrupted();
    if (recovered) this.deps.logger.warn({ recovered }, 'outbox items interrupted while sending will be sent again');
    this.deps.store.purgeFinished();
    this.lastPurge = Date.now();
    this.arm();
  }

  /** Stops the timer and waits for the sends under way. */
  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** Re-arms the timer for the earliest pending item (call after an insert). */
  arm() {
    if (this.stopped) return;
    if (this.ticking) return; // re-armed when the run ends
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const due = this.deps.store.nextDue();
    if (due === null) return;
    const delay = Math.min(Math.max(0, due - Date.now()), MAX_SLEEP_MS);
    this.timer = setTimeout(() => this.tick(), delay);
    this.timer.unref();
  }

  private tick() {
    this.timer = undefined;
    if (this.stopped || this.ticking) return;
    this.ticking = this.runDue()
      .catch((err: unknown) => this.deps.logger.error({ err }, 'outbox run failed'))
      .finally(() => {
        this.ticking = null;
        this.arm();
      });
  }

  private lastPurge = 0;

  private async runDue() {
    if (Date.now() - this.lastPurge > MAX_SLEEP_MS) {
      this.lastPurge = Date.now();
      this.deps.store.purgeFinished();
    }
    for (;;) {
      const ids = this.deps.store.dueIds(Date.now(), CONCURRENCY);
      if (ids.length === 0 || this.stopped) return;
      await Promise.all(ids.map((id) => this.process(id)));
    }
  }

  private publish(user: string, event: OutboxEvent) {
    this.deps.sse.publish(user, 'outbox', event);
  }

  /** Tells the user's tabs that an item changed (also used by the routes, e.g. on cancel). */
  notify(record: Pick<OutboxRecord, 'id' | 'user'>, status: OutboxRecord['status'], error?: OutboxError) {
    this.publish(record.user, error ? { id: record.id, status, error } : { id: record.id, status });
  }

  private async process(id: string) {
    const { store, logger } = this.deps;
    if (!store.claim(id)) return;
    const item = store.get(id);
    if (!item) return;
    const log = logger.child({ outboxId: id });
    let account: MailAccount;
    try {
      account = { email: item.account, password: this.deps.sealer.open(item.sealedPassword ?? '', id) };
    } catch {
      const error = { code: 'unauthorized', message: 'The message could not be sent: the stored sign-in could not be read (the server key changed). Send it again.' };
      store.markFailed(id, error);
      this.notify(item, 'failed', error);
      return;
    }
    try {
      await submit(this.deps.routing.for(account.email).smtp, account, item, log);
    } catch (err) {
      const e = mapSmtpError(err, log);
      const error = { code: e.code, message: e.message };
      const wait = this.retryDelays[item.attempts - 1];
      if (isTemporary(e) && wait !== undefined) {
        log.info({ attempts: item.attempts, wait }, 'outbox send failed for now; will retry');
        store.retryLater(id, Date.now() + wait, error);
        return;
      }
      log.info({ code: e.code }, 'outbox send failed');
      store.markFailed(id, error);
      this.notify(item, 'failed', error);
      return;
    }
    // Recorded as sent at once, so a crash from here on does not send it twice.
    store.markSent(id, false);
    this.deps.metrics.messagesSent.inc();
    let savedToSent = false;
    try {
      const client = await this.deps.imap.connect(account);
      try {
        savedToSent = await afterSend(client, item, log);
      } finally {
        await client.logout().catch(() => client.close());
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not reach IMAP after sending');
    }
    if (savedToSent) store.markSent(id, true);
    const s = item.state;
    await this.deps.contacts.record(item.user, [...s.to, ...s.cc, ...s.bcc]).catch((err: unknown) => log.warn({ err }, 'could not record contacts'));
    this.notify(item, 'sent');
  }

  /** The API view of a record. */
  static toApi = outboxItemToApi;
}

