// The durable outbox: messages held for undo send or scheduled for later, kept in webmail.sqlite
// with the user's credentials sealed, so they go out even when the browser is closed or the server
// restarted. The scheduler (src/outbox/scheduler.ts) claims due items and sends them.
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { ComposeState, OutboxItem, OutboxStatus } from '@mailroom/shared';
import { openWebmailDb } from './sqlite.js';

export interface OutboxSource {
  mailbox: string;
  uid: number;
  kind: 'reply' | 'forward';
}

export interface OutboxError {
  code: string;
  message: string;
}

export interface OutboxRecord {
  id: string;
  /** Owner, lower case. */
  user: string;
  /** The account address as the user signed in with it (for logging in to send). */
  account: string;
  status: OutboxStatus;
  /** When it goes out (ms since epoch); for an item waiting to retry, the original time. */
  sendAt: number;
  /** When the scheduler next picks it up (sendAt, or later for a retry). */
  dueAt: number;
  attempts: number;
  /** Set when it was found 'sending' after a restart: it may already have gone out. */
  interrupted: boolean;
  wire: Buffer;
  sentCopy: Buffer;
  envelope: { from: string; to: string[] };
  state: ComposeState;
  subject: string;
  recipients: string[];
  messageId: string;
  draftUid: number | null;
  source: OutboxSource | null;
  error: OutboxError | null;
  sealedPassword: string | null;
  savedToSent: boolean;
  createdAt: number;
  updatedAt: number;
}

export type NewOutboxRecord = Pick<
  OutboxRecord,
  'account' | 'sendAt' | 'wire' | 'sentCopy' | 'envelope' | 'state' | 'subject' | 'recipients' | 'messageId' | 'draftUid' | 'source'
> & { id?: string; sealPassword: (id: string) => string };

interface Row {
  id: string;
  user: string;
  account: string;
  status: string;
  send_at: number;
  due_at: number;
  attempts: number;
  interrupted: number;
  wire: Buffer;
  sent_copy: Buffer;
  envelope: string;
  state: string;
  subject: string;
  recipients: string;
  message_id: string;
  draft_uid: number | null;
  source: string | null;
  error: string | null;
  sealed_password: string | null;
  saved_to_sent: number;
  created_at: number;
  updated_at: number;
}

const fromRow = (r: Row): OutboxRecord => ({
  id: r.id,
  user: r.user,
  account: r.account,
  status: r.status as OutboxStatus,
  sendAt: r.send_at,
  dueAt: r.due_at,
  attempts: r.attempts,
  interrupted: r.interrupted === 1,
  wire: r.wire,
  sentCopy: r.sent_copy,
  envelope: JSON.parse(r.envelope) as OutboxRecord['envelope'],
  state: JSON.parse(r.state) as ComposeState,
  subject: r.subject,
  recipients: JSON.parse(r.recipients) as string[],
  messageId: r.message_id,
  draftUid: r.draft_uid,
  source: r.source ? (JSON.parse(r.source) as OutboxSource) : null,
  error: r.error ? (JSON.parse(r.error) as OutboxError) : null,
  sealedPassword: r.sealed_password,
  savedToSent: r.saved_to_sent === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The API view of an item. */
export function outboxItemToApi(r: Pick<OutboxRecord, 'id' | 'status' | 'sendAt' | 'subject' | 'recipients' | 'messageId' | 'error'>): OutboxItem {
  return { id: r.id, status: r.status, sendAt: new Date(r.sendAt).toISOString(), subject: r.subject, to: r.recipients, messageId: r.messageId, error: r.error };
}

/** Sent, failed and cancelled items stay listed this long (sent ones for an hour in the API). */
const KEEP_FINISHED_MS = 7 * 24 * 60 * 60 * 1000;

export class OutboxStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openWebmailDb(file);
    this.db.exec(`CREATE TABLE IF NOT EXISTS outbox (
      id TEXT PRIMARY KEY,
      user TEXT NOT NULL,
      account TEXT NOT NULL,
      status TEXT NOT NULL,
      send_at INTEGER NOT NULL,
      due_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      interrupted INTEGER NOT NULL DEFAULT 0,
      wire BLOB NOT NULL,
      sent_copy BLOB NOT NULL,
      envelope TEXT NOT NULL,
      state TEXT NOT NULL,
      subject TEXT NOT NULL,
      recipients TEXT NOT NULL,
      message_id TEXT NOT NULL,
      draft_uid INTEGER,
      source TEXT,
      error TEXT,
      sealed_password TEXT,
      saved_to_sent INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS outbox_user ON outbox (user, status);
    CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, due_at);`);
  }

  insert(input: NewOutboxRecord): OutboxRecord {
    const id = input.id ?? randomBytes(12).toString('base64url');
    const now = Date.now();
    this.db
      .prepare(
        `INSERT INTO outbox (id, user, account, status, send_at, due_at, wire, sent_copy, envelope, state, subject, recipients, message_id, draft_uid, source, sealed_password, created_at, updated_at)
         VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.account.toLowerCase(),
        input.account,
        input.sendAt,
        input.sendAt,
        input.wire,
        input.sentCopy,
        JSON.stringify(input.envelope),
        JSON.stringify(input.state),
        input.subject,
        JSON.stringify(input.recipients),
        input.messageId,
        input.draftUid,
        input.source ? JSON.stringify(input.source) : null,
        input.sealPassword(id),
        now,
        now,
      );
    return this.get(id)!;
  }

  get(id: string): OutboxRecord | null {
    const row = this.db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** The user's item, or null (another user's items do not exist for them). */
  getFor(user: string, id: string): OutboxRecord | null {
    const r = this.get(id);
    return r && r.user === user.toLowerCase() ? r : null;
  }

  /** Pending, sending and failed items, and those sent since `sentSince`. */
  listFor(user: string, sentSince: number): OutboxRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM outbox WHERE user = ? AND (status IN ('pending', 'sending', 'failed') OR (status = 'sent' AND updated_at >= ?))
         ORDER BY send_at, created_at`,
      )
      .all(user.toLowerCase(), sentSince) as Row[];
    return rows.map(fromRow);
  }

  /** The earliest time a pending item is due, or null. */
  nextDue(): number | null {
    const row = this.db.prepare("SELECT min(due_at) AS due FROM outbox WHERE status = 'pending'").get() as { due: number | null };
    return row.due;
  }

  dueIds(now: number, limit = 20): string[] {
    return (this.db.prepare("SELECT id FROM outbox WHERE status = 'pending' AND due_at <= ? ORDER BY due_at LIMIT ?").all(now, limit) as Array<{ id: string }>).map(
      (r) => r.id,
    );
  }

  /** pending → sending, committed on its own before anything is submitted; false when someone else took it or it was cancelled. */
  claim(id: string): boolean {
    return (
      this.db.prepare("UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'pending'").run(Date.now(), id)
        .changes === 1
    );
  }

  /** pending (or failed) → cancelled for its owner; the record as it was, or null when it cannot be cancelled. */
  cancel(user: string, id: string): OutboxRecord | null {
    return this.db.transaction(() => {
      const r = this.getFor(user, id);
      if (!r || (r.status !== 'pending' && r.status !== 'failed')) return null;
      this.db.prepare("UPDATE outbox SET status = 'cancelled', sealed_password = NULL, wire = x'', sent_copy = x'', updated_at = ? WHERE id = ?").run(Date.now(), id);
      return r;
    })();
  }

  /** Back to pending for another try at `dueAt`. */
  retryLater(id: string, dueAt: number, error: OutboxError) {
    this.db.prepare("UPDATE outbox SET status = 'pending', due_at = ?, error = ?, updated_at = ? WHERE id = ? AND status = 'sending'").run(dueAt, JSON.stringify(error), Date.now(), id);
  }

  markSent(id: string, savedToSent: boolean) {
    // The bytes and the credentials are not needed any more.
    this.db
      .prepare(
        "UPDATE outbox SET status = 'sent', error = NULL, saved_to_sent = ?, sealed_password = NULL, wire = x'', sent_copy = x'', interrupted = 0, updated_at = ? WHERE id = ?",
      )
      .run(savedToSent ? 1 : 0, Date.now(), id);
  }

  markFailed(id: string, error: OutboxError) {
    this.db.prepare("UPDATE outbox SET status = 'failed', error = ?, sealed_password = NULL, interrupted = 0, updated_at = ? WHERE id = ?").run(JSON.stringify(error), Date.now(), id);
  }

  /**
   * After a restart: items left 'sending' by a crash go back to pending, marked interrupted (the
   * scheduler checks Sent for them before submitting again). Returns how many.
   */
  recoverInterrupted(): number {
    return this.db.prepare("UPDATE outbox SET status = 'pending', interrupted = 1, due_at = min(due_at, ?), updated_at = ? WHERE status = 'sending'").run(Date.now(), Date.now())
      .changes;
  }

  /** Forgets finished items older than a week. */
  purgeFinished(now = Date.now()): number {
    return this.db.prepare("DELETE FROM outbox WHERE status IN ('sent', 'cancelled', 'failed') AND updated_at < ?").run(now - KEEP_FINISHED_MS).changes;
  }

  close() {
    this.db.close();
  }
}
