export const SCHEMA_VERSION = 1;

/** The id of the next message: above every id in use and every id a deleted message had (messages_id_floor). */
export const NEXT_MESSAGE_ID_SQL = "(max(coalesce((SELECT max(id) FROM messages), 0), coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'message_id_floor'), 0)) + 1)";

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS domains (domain TEXT PRIMARY KEY COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  quota_bytes INTEGER
);
CREATE TABLE IF NOT EXISTS mailboxes (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  uidvalidity INTEGER NOT NULL,
  uidnext INTEGER NOT NULL DEFAULT 1,
  highestmodseq INTEGER NOT NULL DEFAULT 1,
  special_use TEXT,
  subscribed INTEGER NOT NULL DEFAULT 0,
  -- counters kept by the messages_counters_* triggers (INDEX_SQL), so that STATUS/SELECT do not scan
  msg_count INTEGER NOT NULL DEFAULT 0,
  unseen_count INTEGER NOT NULL DEFAULT 0,
  total_size INTEGER NOT NULL DEFAULT 0,
  UNIQUE (user_id, name)
);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY,
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  flags TEXT NOT NULL DEFAULT '',
  recent INTEGER NOT NULL DEFAULT 1,
  internaldate INTEGER NOT NULL,
  size INTEGER NOT NULL,
  sent_date INTEGER NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  from_text TEXT NOT NULL DEFAULT '',
  to_text TEXT NOT NULL DEFAULT '',
  cc_text TEXT NOT NULL DEFAULT '',
  bcc_text TEXT NOT NULL DEFAULT '',
  headers TEXT NOT NULL DEFAULT '',
  sort_subject TEXT NOT NULL DEFAULT '',
  sort_from TEXT NOT NULL DEFAULT '',
  sort_to TEXT NOT NULL DEFAULT '',
  sort_cc TEXT NOT NULL DEFAULT '',
  envelope TEXT NOT NULL,
  bodystructure TEXT NOT NULL,
  body TEXT NOT NULL,
  UNIQUE (mailbox_id, uid)
);
CREATE INDEX IF NOT EXISTS messages_mailbox_modseq ON messages (mailbox_id, modseq);
-- tombstones of expunged UIDs for QRESYNC (VANISHED (EARLIER))
CREATE TABLE IF NOT EXISTS expunged (
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE, raw BLOB NOT NULL);
-- messages whose full-text entry is still to be written (the index is a file of its own: fts-index.ts)
CREATE TABLE IF NOT EXISTS fts_pending (message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE);
`;

/** Columns added after the first schema; added to older databases on open. */
export const ADDED_COLUMNS: Array<[table: string, column: string, ddl: string]> = [
  ['users', 'quota_bytes', 'ALTER TABLE users ADD COLUMN quota_bytes INTEGER'],
  ['messages', 'sort_subject', "ALTER TABLE messages ADD COLUMN sort_subject TEXT NOT NULL DEFAULT ''"],
  ['messages', 'sort_from', "ALTER TABLE messages ADD COLUMN sort_from TEXT NOT NULL DEFAULT ''"],
  ['messages', 'sort_to', "ALTER TABLE messages ADD COLUMN sort_to TEXT NOT NULL DEFAULT ''"],
  ['messages', 'sort_cc', "ALTER TABLE messages ADD COLUMN sort_cc TEXT NOT NULL DEFAULT ''"],
  ['mailboxes', 'msg_count', 'ALTER TABLE mailboxes ADD COLUMN msg_count INTEGER NOT NULL DEFAULT 0'],
  ['mailboxes', 'unseen_count', 'ALTER TABLE mailboxes ADD COLUMN unseen_count INTEGER NOT NULL DEFAULT 0'],
  ['mailboxes', 'total_size', 'ALTER TABLE mailboxes ADD COLUMN total_size INTEGER NOT NULL DEFAULT 0'],
  // messages.recent = 1 counts as \\Recent only from this UID on (SELECT raises it to UIDNEXT)
  ['mailboxes', 'recent_floor', 'ALTER TABLE mailboxes ADD COLUMN recent_floor INTEGER NOT NULL DEFAULT 0'],
];

/** SQL condition "message is not \\Seen" (flags are stored in canonical spelling); the partial index uses the same text. */
export const UNSEEN_SQL = "instr(' ' || flags || ' ', ' \\Seen ') = 0";
/** SQL condition "message is \\Deleted". */
export const DELETED_SQL = "instr(' ' || flags || ' ', ' \\Deleted ') > 0";
const unseenOf = (row: string) => `(instr(' ' || ${row}.flags || ' ', ' \\Seen ') = 0)`;

/**
 * Narrow indexes and counter triggers, run after ADDED_COLUMNS (the triggers use the added columns).
 * Whole-mailbox operations (SELECT, STATUS, UID FETCH 1:* FLAGS, SORT ARRIVAL, EXPUNGE) read these
 * instead of the wide messages rows, which also hold headers, envelope, bodystructure and body text.
 */
export const INDEX_SQL = `
CREATE INDEX IF NOT EXISTS messages_meta ON messages (mailbox_id, uid, modseq, flags, internaldate, size);
CREATE INDEX IF NOT EXISTS messages_arrival ON messages (mailbox_id, internaldate, uid);
CREATE INDEX IF NOT EXISTS messages_recent ON messages (mailbox_id, uid) WHERE recent = 1;
CREATE INDEX IF NOT EXISTS messages_unseen ON messages (mailbox_id, uid) WHERE ${UNSEEN_SQL};
CREATE INDEX IF NOT EXISTS messages_deleted ON messages (mailbox_id, uid) WHERE ${DELETED_SQL};
CREATE TRIGGER IF NOT EXISTS messages_counters_ins AFTER INSERT ON messages BEGIN
  UPDATE mailboxes SET msg_count = msg_count + 1, unseen_count = unseen_count + ${unseenOf('NEW')}, total_size = total_size + NEW.size WHERE id = NEW.mailbox_id;
END;
CREATE TRIGGER IF NOT EXISTS messages_counters_del AFTER DELETE ON messages BEGIN
  UPDATE mailboxes SET msg_count = msg_count - 1, unseen_count = unseen_count - ${unseenOf('OLD')}, total_size = total_size - OLD.size WHERE id = OLD.mailbox_id;
END;
CREATE TRIGGER IF NOT EXISTS messages_counters_flags AFTER UPDATE OF flags ON messages
WHEN OLD.mailbox_id = NEW.mailbox_id AND ${unseenOf('OLD')} <> ${unseenOf('NEW')} BEGIN
  UPDATE mailboxes SET unseen_count = unseen_count + ${unseenOf('NEW')} - ${unseenOf('OLD')} WHERE id = NEW.mailbox_id;
END;
-- A message id is never given out twice: the full-text index file (mail.fts.sqlite, kept and backed
-- up apart from this file) knows messages by id, and an entry left under a reused id would answer
-- searches with another message's text. SQLite hands out max(id) + 1, so an id comes back when the
-- message holding the highest one is deleted: that id is kept here, and new messages are numbered
-- above it (NEXT_MESSAGE_ID_SQL).
CREATE TRIGGER IF NOT EXISTS messages_id_floor AFTER DELETE ON messages
WHEN OLD.id > coalesce((SELECT max(id) FROM messages), 0) BEGIN
  INSERT INTO meta (key, value) VALUES ('message_id_floor', OLD.id)
    ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER);
END;
CREATE TRIGGER IF NOT EXISTS messages_counters_move AFTER UPDATE OF mailbox_id, size ON messages
WHEN OLD.mailbox_id <> NEW.mailbox_id OR OLD.size <> NEW.size BEGIN
  UPDATE mailboxes SET msg_count = msg_count - 1, unseen_count = unseen_count - ${unseenOf('OLD')}, total_size = total_size - OLD.size WHERE id = OLD.mailbox_id;
  UPDATE mailboxes SET msg_count = msg_count + 1, unseen_count = unseen_count + ${unseenOf('NEW')}, total_size = total_size + NEW.size WHERE id = NEW.mailbox_id;
END;
`;

/** Recomputes the counters from the messages (for databases created before the counters existed). */
export const RECOUNT_SQL = `UPDATE mailboxes SET
  msg_count = (SELECT count(*) FROM messages m WHERE m.mailbox_id = mailboxes.id),
  unseen_count = (SELECT count(*) FROM messages m WHERE m.mailbox_id = mailboxes.id AND ${UNSEEN_SQL.replace('flags', 'm.flags')}),
  total_size = (SELECT coalesce(sum(size), 0) FROM messages m WHERE m.mailbox_id = mailboxes.id)`;
