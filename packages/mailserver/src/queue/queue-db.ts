/**
 * The durable outbound queue: its own SQLite file (`<dataDir>/queue.sqlite`, WAL,
 * synchronous=FULL) so that a message accepted with 250 is on disk before the reply, without
 * reaching into the mail store. One row per message (the raw bytes) and one per recipient (its
 * delivery state); a message row disappears once no recipient is pending any more.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';

export type RecipientStatus = 'pending' | 'delivered' | 'failed';

export interface QueuedRecipient {
  id: number;
  messageId: string;
  address: string;
  domain: string;
  status: RecipientStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  /** Remote MTA that gave the last answer, if any. */
  lastMta: string | null;
}

export interface QueuedMessage {
  id: string;
  /** Envelope sender, '' for the null sender (bounces). */
  mailFrom: string;
  createdAt: number;
  size: number;
  delayNotified: boolean;
  recipients: QueuedRecipient[];
}

/** The result of one delivery attempt for one recipient. */
export interface RecipientUpdate {
  id: number;
  /** 'pending' = deferred until nextAttemptAt. */
  status: RecipientStatus;
  mta: string | null;
  /** The remote reply or the local reason. */
  text: string;
  nextAttemptAt?: number;
}

interface MessageRow {
  id: string;
  mail_from: string;
  created_at: number;
  size: number;
  delay_notified: number;
}

interface RecipientRow {
  id: number;
  message_id: string;
  address: string;
  domain: string;
  status: RecipientStatus;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  last_mta: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queue_messages (
  id TEXT PRIMARY KEY,
  mail_from TEXT NOT NULL,
  raw BLOB NOT NULL,
  size INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  delay_notified INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS queue_recipients (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id TEXT NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
  address TEXT NOT NULL,
  domain TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  last_mta TEXT
);
CREATE INDEX IF NOT EXISTS queue_recipients_due ON queue_recipients(status, next_attempt_at);
CREATE INDEX IF NOT EXISTS queue_recipients_message ON queue_recipients(message_id);
`;

function toRecipient(r: RecipientRow): QueuedRecipient {
  return {
    id: r.id,
    messageId: r.message_id,
    address: r.address,
    domain: r.domain,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    lastMta: r.last_mta,
  };
}

/** Domain part of an address, lower-cased ('' when there is none). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

/** A queue id: 16 hex characters, sortable enough for a listing. */
function newQueueId(now: number): string {
  return now.toString(16).padStart(11, '0').slice(-11) + randomBytes(3).toString('hex').slice(0, 5);
}

export class QueueDb {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // a message whose recipients are all done but which is still here (written by an older version
    // or left by a crash between two statements) is finished: drop it
    this.db.exec(
      "DELETE FROM queue_messages WHERE NOT EXISTS (SELECT 1 FROM queue_recipients r WHERE r.message_id = queue_messages.id AND r.status = 'pending')",
    );
  }

  /** Records one attempt's results for a message, and removes it when nothing is pending, atomically. */
  applyAttempt(messageId: string, updates: RecipientUpdate[], delayNotified: boolean): void {
    this.db.transaction(() => {
      for (const u of updates) {
        if (u.status === 'delivered') this.markDelivered(u.id, u.mta, u.text);
        else if (u.status === 'failed') this.markFailed(u.id, u.mta, u.text);
        else this.markDeferred(u.id, u.mta, u.text, u.nextAttemptAt ?? 0);
      }
      if (delayNotified) this.setDelayNotified(messageId);
      this.removeIfDone(messageId);
    })();
  }

  /** Stores a message and its recipients in one committed transaction; returns the queue id. */
  enqueue(mailFrom: string, recipients: string[], raw: Buffer, now: number): string {
    const id = newQueueId(now);
    const insertMessage = this.db.prepare(
      'INSERT INTO queue_messages (id, mail_from, raw, size, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    const insertRecipient = this.db.prepare(
      'INSERT INTO queue_recipients (message_id, address, domain, next_attempt_at) VALUES (?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      insertMessage.run(id, mailFrom, raw, raw.length, now);
      const seen = new Set<string>();
      for (const rcpt of recipients) {
        const key = rcpt.toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        insertRecipient.run(id, rcpt, domainOf(rcpt), now);
      }
    })();
    return id;
  }

  /** Pending recipients whose next attempt is due at `now`, oldest first. */
  due(now: number, limit = 1000): QueuedRecipient[] {
    const rows = this.db
      .prepare(
        "SELECT * FROM queue_recipients WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
      )
      .all(now, limit) as RecipientRow[];
    return rows.map(toRecipient);
  }

  /** Earliest next attempt of any pending recipient, or null when the queue is empty. */
  nextDue(): number | null {
    const row = this.db
      .prepare("SELECT MIN(next_attempt_at) AS t FROM queue_recipients WHERE status = 'pending'")
      .get() as { t: number | null };
    return row.t;
  }

  getMessage(id: string): QueuedMessage | null {
    const row = this.db
      .prepare('SELECT id, mail_from, created_at, size, delay_notified FROM queue_messages WHERE id = ?')
      .get(id) as MessageRow | undefined;
    if (!row) return null;
    return this.withRecipients(row);
  }

  getRaw(id: string): Buffer | null {
    const row = this.db.prepare('SELECT raw FROM queue_messages WHERE id = ?').get(id) as { raw: Buffer } | undefined;
    return row ? row.raw : null;
  }

  list(): QueuedMessage[] {
    const rows = this.db
      .prepare('SELECT id, mail_from, created_at, size, delay_notified FROM queue_messages ORDER BY created_at, rowid')
      .all() as MessageRow[];
    return rows.map((r) => this.withRecipients(r));
  }

  private withRecipients(row: MessageRow): QueuedMessage {
    const recipients = (
      this.db.prepare('SELECT * FROM queue_recipients WHERE message_id = ? ORDER BY id').all(row.id) as RecipientRow[]
    ).map(toRecipient);
    return {
      id: row.id,
      mailFrom: row.mail_from,
      createdAt: row.created_at,
      size: row.size,
      delayNotified: row.delay_notified !== 0,
      recipients,
    };
  }

  markDelivered(recipientId: number, mta: string | null, response: string): void {
    this.db
      .prepare("UPDATE queue_recipients SET status = 'delivered', last_mta = ?, last_error = ? WHERE id = ?")
      .run(mta, response, recipientId);
  }

  markFailed(recipientId: number, mta: string | null, error: string): void {
    this.db
      .prepare("UPDATE queue_recipients SET status = 'failed', last_mta = ?, last_error = ?, attempts = attempts + 1 WHERE id = ?")
      .run(mta, error, recipientId);
  }

  markDeferred(recipientId: number, mta: string | null, error: string, nextAttemptAt: number): void {
    this.db
      .prepare('UPDATE queue_recipients SET last_mta = ?, last_error = ?, attempts = attempts + 1, next_attempt_at = ? WHERE id = ?')
      .run(mta, error, nextAttemptAt, recipientId);
  }

  setDelayNotified(messageId: string): void {
    this.db.prepare('UPDATE queue_messages SET delay_notified = 1 WHERE id = ?').run(messageId);
  }

  /** Removes a message once none of its recipients is pending. Returns true when it was removed. */
  removeIfDone(messageId: string): boolean {
    const pending = this.db
      .prepare("SELECT COUNT(*) AS n FROM queue_recipients WHERE message_id = ? AND status = 'pending'")
      .get(messageId) as { n: number };
    if (pending.n > 0) return false;
    this.db.prepare('DELETE FROM queue_messages WHERE id = ?').run(messageId);
    return true;
  }

  /** Deletes a message (all recipients); false when there is no such id. */
  delete(messageId: string): boolean {
    return this.db.prepare('DELETE FROM queue_messages WHERE id = ?').run(messageId).changes > 0;
  }

  /** Makes every pending recipient (or those of one message) due now. Returns how many. */
  flush(now: number, messageId?: string): number {
    if (messageId) {
      return this.db
        .prepare("UPDATE queue_recipients SET next_attempt_at = ? WHERE status = 'pending' AND message_id = ?")
        .run(now, messageId).changes;
    }
    return this.db.prepare("UPDATE queue_recipients SET next_attempt_at = ? WHERE status = 'pending'").run(now).changes;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
