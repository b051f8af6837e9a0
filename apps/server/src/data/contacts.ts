// Contacts for recipient autocomplete: addresses saved by hand and addresses collected from sent
// mail, kept server-side per user (DESIGN.md: data the webmail owns).
import type Database from 'better-sqlite3';
import type { Contact, Recipient } from '@mailroom/shared';
import { openWebmailDb } from './sqlite.js';

export interface ContactRepository {
  /** Best first: saved, then often and recently written to. `q` matches the start of the address or of any word of the name. */
  search(user: string, q: string, limit: number): Promise<Contact[]>;
  /** Saves (or renames) an address book entry. */
  save(user: string, input: { name: string; address: string }): Promise<Contact>;
  /** false when there was no such contact. */
  remove(user: string, address: string): Promise<boolean>;
  /** Counts a message sent to these recipients. */
  record(user: string, recipients: Recipient[], at?: Date): Promise<void>;
  close(): void;
}

interface Row {
  address: string;
  name: string;
  times_contacted: number;
  last_contacted: number | null;
  saved: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Candidates read before ranking. */
const CANDIDATES = 500;

const toApi = (r: Row): Contact => ({
  name: r.name,
  address: r.address,
  timesContacted: r.times_contacted,
  lastContacted: r.last_contacted === null ? null : new Date(r.last_contacted).toISOString(),
  saved: r.saved === 1,
});

/** Frequency decayed by age (a month halves it roughly), so someone written to often last year ranks below last week's. */
function score(r: Row, now: number) {
  const ageDays = r.last_contacted === null ? 365 : Math.max(0, (now - r.last_contacted) / DAY_MS);
  return (r.saved ? 1000 : 0) + r.times_contacted / (1 + ageDays / 30);
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export class SqliteContacts implements ContactRepository {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openWebmailDb(file);
    this.db.exec(`CREATE TABLE IF NOT EXISTS contacts (
      user TEXT NOT NULL,
      address TEXT NOT NULL,
      name TEXT NOT NULL DEFAULT '',
      times_contacted INTEGER NOT NULL DEFAULT 0,
      last_contacted INTEGER,
      saved INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (user, address)
    ) WITHOUT ROWID`);
  }

  async search(user: string, q: string, limit: number): Promise<Contact[]> {
    const key = user.toLowerCase();
    const needle = q.trim().toLowerCase();
    let rows: Row[];
    if (!needle) {
      rows = this.db.prepare('SELECT * FROM contacts WHERE user = ? ORDER BY saved DESC, last_contacted DESC LIMIT ?').all(key, CANDIDATES) as Row[];
    } else {
      const p = `${escapeLike(needle)}%`;
      rows = this.db
        .prepare(
          `SELECT * FROM contacts WHERE user = ? AND (address LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\')
           ORDER BY saved DESC, last_contacted DESC LIMIT ?`,
        )
        .all(key, p, p, `% ${p}`, CANDIDATES) as Row[];
    }
    const now = Date.now();
    return rows
      .map((r) => ({ r, s: score(r, now) }))
      .sort((a, b) => b.s - a.s || (b.r.last_contacted ?? 0) - (a.r.last_contacted ?? 0) || a.r.address.localeCompare(b.r.address))
      .slice(0, limit)
      .map(({ r }) => toApi(r));
  }

  async save(user: string, input: { name: string; address: string }): Promise<Contact> {
    const key = user.toLowerCase();
    const address = input.address.trim().toLowerCase();
    this.db
      .prepare(
        `INSERT INTO contacts (user, address, name, saved) VALUES (?, ?, ?, 1)
         ON CONFLICT (user, address) DO UPDATE SET name = excluded.name, saved = 1`,
      )
      .run(key, address, input.name.trim());
    return toApi(this.db.prepare('SELECT * FROM contacts WHERE user = ? AND address = ?').get(key, address) as Row);
  }

  async remove(user: string, address: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM contacts WHERE user = ? AND address = ?').run(user.toLowerCase(), address.trim().toLowerCase()).changes > 0;
  }

  async record(user: string, recipients: Recipient[], at = new Date()): Promise<void> {
    const key = user.toLowerCase();
    const when = at.getTime();
    const upsert = this.db.prepare(
      `INSERT INTO contacts (user, address, name, times_contacted, last_contacted, saved) VALUES (?, ?, ?, 1, ?, 0)
       ON CONFLICT (user, address) DO UPDATE SET
         times_contacted = times_contacted + 1,
         last_contacted = max(coalesce(last_contacted, 0), excluded.last_contacted),
         name = CASE WHEN saved = 0 AND excluded.name <> '' THEN excluded.name ELSE name END`,
    );
    const seen = new Set<string>();
    this.db.transaction(() => {
      for (const r of recipients) {
        const address = r.address.trim().toLowerCase();
        if (!address || seen.has(address)) continue;
        seen.add(address);
        upsert.run(key, address, (r.name ?? '').trim(), when);
      }
    })();
  }

  close() {
    this.db.close();
  }
}
