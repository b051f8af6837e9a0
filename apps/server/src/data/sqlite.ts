// The webmail's own SQLite file (DATA_DIR/webmail.sqlite): every repository opens it the same way.
import Database from 'better-sqlite3';

/**
 * Opens `file` (a path, or ':memory:' for a single process that keeps nothing across restarts) with
 * WAL, full sync (a saved draft state, identity or scheduled send survives a crash) and a busy
 * timeout, since several repositories and processes share the file.
 */
export function openWebmailDb(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  return db;
}
