/**
 * Aliases of the mail store: an alias address (`sales@example.org`) or a domain's catch-all
 * (`@example.org`) that delivers to one user. Users always win over aliases, and a catch-all only
 * takes addresses of its domain that are neither a user nor an alias (see resolveRecipient in
 * smtp/delivery.ts). Removing a user removes the aliases pointing to it.
 */
import type Database from 'better-sqlite3';
import { StoreError, type UserRecord } from './types.js';

export interface AliasRecord {
  /** `local@domain` in lower case, or `@domain` for the domain's catch-all. */
  address: string;
  /** The user mail for the alias is delivered to. */
  target: UserRecord;
}

export const ALIASES_SQL = `
CREATE TABLE IF NOT EXISTS aliases (
  address TEXT PRIMARY KEY COLLATE NOCASE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS aliases_user ON aliases (user_id);
`;

export interface AliasStore {
  addAlias(address: string, targetEmail: string): AliasRecord;
  /** True when the alias existed. */
  removeAlias(address: string): boolean;
  listAliases(): AliasRecord[];
  /** The user an exact alias (or a catch-all, `@domain`) delivers to; null when there is none. */
  findAlias(address: string): UserRecord | null;
}

/**
 * The address as stored: trimmed, lower case, `local@domain` or `@domain`. Throws a clear
 * StoreError for anything else, including the relay-trick characters that inbound SMTP refuses
 * (`% ! : ,`, quotes) and a `+` (plus addressing is resolved on top of every address).
 */
export function normalizeAliasAddress(input: string): string {
  const address = input.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  if (at < 0 || at === address.length - 1) {
    throw new StoreError('CANNOT', `Invalid alias address "${input}": use local@domain, or @domain for a catch-all`);
  }
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (!/^[a-z0-9.-]+$/.test(domain) || domain.startsWith('.') || domain.endsWith('.') || domain.includes('..')) {
    throw new StoreError('CANNOT', `Invalid domain in alias address "${input}"`);
  }
  if (local !== '' && !/^[a-z0-9#$&'*/=?^_`{|}~.-]+$/.test(local)) {
    throw new StoreError('CANNOT', `Invalid local part in alias address "${input}" (no spaces, quotes, "+", "%", "!", ":", ",", "@")`);
  }
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    throw new StoreError('CANNOT', `Invalid local part in alias address "${input}" (dots)`);
  }
  return `${local}@${domain}`;
}

export function openAliases(
  db: Database.Database,
  deps: { hasDomain(domain: string): boolean; findUser(email: string): UserRecord | null },
): AliasStore {
  db.exec(ALIASES_SQL);
  interface Row { address: string; user_id: number; email: string }
  const st = {
    insert: db.prepare('INSERT INTO aliases (address, user_id, created_at) VALUES (?, ?, ?)'),
    remove: db.prepare('DELETE FROM aliases WHERE address = ?'),
    find: db.prepare<[string], { id: number; email: string }>('SELECT u.id, u.email FROM aliases a JOIN users u ON u.id = a.user_id WHERE a.address = ?'),
    list: db.prepare<[], Row>('SELECT a.address, a.user_id, u.email FROM aliases a JOIN users u ON u.id = a.user_id ORDER BY substr(a.address, instr(a.address, \'@\') + 1), a.address'),
  };
  return {
    addAlias(input, targetEmail) {
      const address = normalizeAliasAddress(input);
      const domain = address.slice(address.indexOf('@') + 1);
      if (!deps.hasDomain(domain)) throw new StoreError('CANNOT', `${domain} is not a local domain (add it first: mailroom domain add ${domain})`);
      const target = deps.findUser(targetEmail);
      if (!target) throw new StoreError('NONEXISTENT', `No such user: ${targetEmail.trim()}`);
      if (!address.startsWith('@') && deps.findUser(address)) throw new StoreError('ALREADYEXISTS', `${address} is a user; an alias cannot take its place`);
      const existing = st.find.get(address);
      if (existing) throw new StoreError('ALREADYEXISTS', `Alias ${address} already exists (delivers to ${existing.email})`);
      st.insert.run(address, target.id, Date.now());
      return { address, target: { id: target.id, email: target.email } };
    },
    removeAlias(input) {
      return st.remove.run(input.trim().toLowerCase()).changes > 0;
    },
    listAliases() {
      return st.list.all().map((r) => ({ address: r.address, target: { id: r.user_id, email: r.email } }));
    },
    findAlias(address) {
      const row = st.find.get(address.trim());
      return row ? { id: row.id, email: row.email } : null;
    },
  };
}
