// Data the webmail owns (preferences now; identities, signatures and contacts later), behind a
// small repository interface: SQLite by default, so PostgreSQL can serve several nodes later.
import type Database from 'better-sqlite3';
import { DEFAULT_PREFERENCES, preferences as preferencesSchema, type Preferences, type PreferencesUpdate } from '@mailroom/shared';
import { openWebmailDb } from './sqlite.js';

export interface PreferencesRepository {
  get(user: string): Promise<Preferences>;
  update(user: string, change: PreferencesUpdate): Promise<Preferences>;
  close(): void;
}

export class SqlitePreferences implements PreferencesRepository {
  private readonly db: Database.Database;

  /** `file` is a path, or ':memory:' (a single process that keeps nothing across restarts). */
  constructor(file: string) {
    this.db = openWebmailDb(file);
    this.db.exec('CREATE TABLE IF NOT EXISTS preferences (user TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at INTEGER NOT NULL)');
  }

  async get(user: string): Promise<Preferences> {
    const row = this.db.prepare('SELECT data FROM preferences WHERE user = ?').get(user.toLowerCase()) as { data: string } | undefined;
    if (!row) return { ...DEFAULT_PREFERENCES };
    // Stored data from an older version may lack newer fields: defaults fill them in.
    const parsed = preferencesSchema.partial().safeParse(JSON.parse(row.data));
    return { ...DEFAULT_PREFERENCES, ...(parsed.success ? parsed.data : {}) };
  }

  async update(user: string, change: PreferencesUpdate): Promise<Preferences> {
    const next = { ...(await this.get(user)), ...change };
    if (next.remoteContentSenders) next.remoteContentSenders = [...new Set(next.remoteContentSenders.map((s) => s.toLowerCase()))];
    this.db
      .prepare('INSERT INTO preferences (user, data, updated_at) VALUES (?, ?, ?) ON CONFLICT(user) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at')
      .run(user.toLowerCase(), JSON.stringify(next), Date.now());
    return next;
  }

  close() {
    this.db.close();
  }
}
