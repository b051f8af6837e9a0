import type Database from 'better-sqlite3';

/** How long a read of another process's commit counter stays current (see CacheValidity). */
export const DATA_VERSION_TTL_MS = 1;

/**
 * Mailbox rows (counters, UIDNEXT, HIGHESTMODSEQ, …) kept in memory between writes.
 *
 * STATUS, SELECT, LIST-STATUS and every command naming a mailbox look up its row, one or two
 * `SELECT * FROM mailboxes` each (6–15 µs apiece in better-sqlite3, most of a STATUS command's
 * server time). The rows change only when the database changes, and two counters say when:
 *
 * - `total_changes()` counts every row this connection inserted, updated or deleted, trigger
 *   programs included (the message counters are triggers), and never goes down, also not on a
 *   rollback. It costs no read transaction (about 0.1 µs).
 * - `PRAGMA data_version` changes when another connection (another process: `mailroom import`,
 *   `mailroom user`, a second server on the same file) commits. Reading it takes a read lock on the
 *   WAL index (3–8 µs, as much as the row itself), so it is read again only after
 *   DATA_VERSION_TTL_MS: what another process committed shows within a millisecond, as if this
 *   process's command had arrived that much earlier. Those writers are people at a command line;
 *   nothing can tell the difference. This connection's own writes show at once (total_changes).
 *
 * The cache is only read and filled outside a transaction: inside one, a row could come from
 * changes that a rollback undoes later. Rows handed out are frozen so that no caller can change
 * the cached copy.
 */
export class RowCache<K, R extends object> {
  private rows = new Map<K, R | undefined>();
  private changes = -1;
  private version = -1;

  constructor(
    private readonly db: Database.Database,
    private readonly validity: CacheValidity,
    private readonly load: (key: K) => R | undefined,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: K): R | undefined {
    if (this.db.inTransaction) return this.load(key);
    const changes = this.validity.totalChanges();
    const version = this.validity.dataVersion();
    if (changes !== this.changes || version !== this.version) {
      this.rows.clear();
      this.changes = changes;
      this.version = version;
    } else if (this.rows.has(key)) {
      return this.rows.get(key);
    }
    const row = this.load(key);
    if (this.rows.size >= this.maxEntries) this.rows.clear();
    this.rows.set(key, row ? Object.freeze(row) : undefined);
    return row;
  }
}

/** The two counters of a connection, shared by its row caches. */
export class CacheValidity {
  private readonly totalChangesStmt: Database.Statement<[], number>;
  private readonly dataVersionStmt: Database.Statement<[], number>;
  private version = 0;
  private versionReadAt = -Infinity;

  constructor(db: Database.Database) {
    this.totalChangesStmt = db.prepare<[], number>('SELECT total_changes()').pluck();
    this.dataVersionStmt = db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  totalChanges(): number {
    return this.totalChangesStmt.get()!;
  }

  dataVersion(): number {
    const now = performance.now();
    if (now - this.versionReadAt >= DATA_VERSION_TTL_MS) {
      this.version = this.dataVersionStmt.get()!;
      this.versionReadAt = now;
    }
    return this.version;
  }
}
