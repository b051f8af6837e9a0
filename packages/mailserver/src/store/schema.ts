export const SCHEMA_VERSION = 1;

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
CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5 (subject, sender, recipients, body, tokenize = 'trigram');
`;

/** Columns added after the first schema; added to older databases on open. */
export const ADDED_COLUMNS: Array<[table: string, column: string, ddl: string]> = [
  ['users', 'quota_bytes', 'ALTER TABLE users ADD COLUMN quota_bytes INTEGER'],
  ['messages', 'sort_subject', "ALTER TABLE messages ADD COLUMN sort_subject TEXT NOT NULL DEFAULT ''"],
  ['messages', 'sort_from', "ALTER TABLE messages ADD COLUMN sort_from TEXT NOT NULL DEFAULT ''"],
  ['messages', 'sort_to', "ALTER TABLE messages ADD COLUMN sort_to TEXT NOT NULL DEFAULT ''"],
  ['messages', 'sort_cc', "ALTER TABLE messages ADD COLUMN sort_cc TEXT NOT NULL DEFAULT ''"],
];
