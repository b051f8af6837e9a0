import { CacheValidity, RowCache } from './row-cache.js';
import { isDisplayKey, sortRows, type SortRow } from './display-sort.js';
import { EventEmitter } from 'node:events';
import { closeSync, fstatSync, fsync, openSync, statSync } from 'node:fs';
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import pino from 'pino';
import { ADDED_COLUMNS, DELETED_SQL, INDEX_SQL, NEXT_MESSAGE_ID_SQL, RECOUNT_SQL, SCHEMA_SQL, SCHEMA_VERSION, UNSEEN_SQL } from './schema.js';
import { ftsTextOf, indexMessage } from './indexer.js';
import { FtsIndex, type FtsJob } from './fts-index.js';
import { openAliases } from './aliases.js';
import { compileSearch } from './search.js';
import { createMetaTables } from './meta-table.js';
import { createAuthCache } from './auth-cache.js';
import {
  StoreError,
  type FlagMode,
  type MailboxEvent,
  type MailboxInfo,
  type MailboxStatus,
  type MailStore,
  type MessageMeta,
  type MessageRecord,
  type MetaSnapshot,
  type SortKey,
} from './types.js';

export * from './types.js';
export type { AliasRecord } from './aliases.js';

export const HIERARCHY_DELIMITER = '/';
export const MAX_MESSAGE_SIZE_BYTES = 50 * 1024 * 1024;
const SPECIAL_MAILBOXES: Array<[string, string | null]> = [
  ['INBOX', null],
  ['Drafts', '\\Drafts'],
  ['Sent', '\\Sent'],
  ['Trash', '\\Trash'],
  ['Junk', '\\Junk'],
  ['Archive', '\\Archive'],
];
const META_TABLE_MAILBOXES = 16;
const SCRYPT_N = 16384;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const SCRYPT_KEYLEN = 32;

const SYSTEM_FLAGS = new Map(['\\seen', '\\answered', '\\flagged', '\\deleted', '\\draft'].map((f) => [f, '\\' + f[1]!.toUpperCase() + f.slice(2)]));

/** Canonical flag spelling; \Recent can never be stored. Returns null for invalid flags. */
export function normalizeFlag(flag: string): string | null {
  if (!flag || /[\s()"{}\]%*\x00-\x1f\x7f]/.test(flag)) return null;
  if (flag.startsWith('\\')) return SYSTEM_FLAGS.get(flag.toLowerCase()) ?? null;
  return flag;
}

function normalizeFlags(flags: string[] | undefined): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const f of flags ?? []) {
    const n = normalizeFlag(f);
    if (n && !seen.has(n.toLowerCase())) { seen.add(n.toLowerCase()); out.push(n); }
  }
  return out;
}

/** Encodes a human mailbox name to IMAP modified UTF-7 (RFC 3501 5.1.3). */
export function encodeMailboxName(name: string): string {
  let out = '';
  let pending = '';
  const flush = () => {
    if (!pending) return;
    const utf16 = Buffer.alloc(pending.length * 2);
    for (let i = 0; i < pending.length; i++) utf16.writeUInt16BE(pending.charCodeAt(i), i * 2);
    out += '&' + utf16.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    pending = '';
  };
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c <= 0x7e) {
      flush();
      out += ch === '&' ? '&-' : ch;
    } else pending += ch;
  }
  flush();
  return out;
}

export function normalizeMailboxName(name: string): string {
  if (name.toUpperCase() === 'INBOX') return 'INBOX';
  if (name.toUpperCase().startsWith('INBOX' + HIERARCHY_DELIMITER)) return 'INBOX' + name.slice(5);
  return name;
}

function validMailboxName(name: string): boolean {
  if (!name || name.length > 512) return false;
  // IMAP names are 7-bit (modified UTF-7): raw 8-bit bytes (and invalid UTF-8) would be stored lossily
  if (/[^\x20-\x7e]|[*%]/.test(name)) return false;
  const parts = name.split(HIERARCHY_DELIMITER);
  return parts.every((p) => p.length > 0);
}

function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, SCRYPT_KEYLEN, { N: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P });
  return `scrypt$${SCRYPT_N}$${SCRYPT_R}$${SCRYPT_P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return Promise.resolve(false);
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  return new Promise((resolve) => {
    scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 }, (err, key) => {
      if (err) return resolve(false);
      resolve(key.length === expected.length && timingSafeEqual(key, expected));
    });
  });
}

/** True when raw holds an LF without CR before it or a CR without LF after it (native indexOf scans, no byte loop). */
function hasBareLineEnd(raw: Buffer): boolean {
  for (let i = raw.indexOf(0x0a); i !== -1; i = raw.indexOf(0x0a, i + 1)) if (i === 0 || raw[i - 1] !== 0x0d) return true;
  for (let i = raw.indexOf(0x0d); i !== -1; i = raw.indexOf(0x0d, i + 1)) if (raw[i + 1] !== 0x0a) return true;
  return false;
}

/** IMAP serves messages with CRLF line ends; bare LF (and bare CR) are normalised on the way in. */
export function toCrlf(raw: Buffer): Buffer {
  if (!hasBareLineEnd(raw)) return raw;
  const out = Buffer.allocUnsafe(raw.length * 2);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === 0x0d) {
      out[n++] = 0x0d;
      out[n++] = 0x0a;
      if (raw[i + 1] === 0x0a) i++;
    } else if (c === 0x0a) {
      out[n++] = 0x0d;
      out[n++] = 0x0a;
    } else out[n++] = c;
  }
  return Buffer.from(out.subarray(0, n));
}

interface MailboxRow { id: number; user_id: number; name: string; uidvalidity: number; uidnext: number; highestmodseq: number; special_use: string | null; subscribed: number; msg_count: number; unseen_count: number; total_size: number; recent_floor: number }
interface MessageRow { id: number; uid: number; modseq: number; flags: string; internaldate: number; size: number; envelope?: string; bodystructure?: string; body?: string }

function toMailbox(r: MailboxRow): MailboxInfo {
  return { id: r.id, userId: r.user_id, name: r.name, uidvalidity: r.uidvalidity, uidnext: r.uidnext, highestmodseq: r.highestmodseq, specialUse: r.special_use, subscribed: !!r.subscribed };
}
function splitFlags(s: string): string[] { return s ? s.split(' ') : []; }
function toMeta(r: MessageRow): MessageMeta {
  return { uid: r.uid, modseq: r.modseq, flags: splitFlags(r.flags), internaldate: r.internaldate, size: r.size };
}


/** A MessageRecord whose ENVELOPE/BODYSTRUCTURE/BODY JSON is parsed on first use (FETCH usually wants one of them). */
function lazyRecord(meta: MessageMeta, envelope: string, bodystructure: string, body: string): MessageRecord {
  const rec = meta as MessageRecord;
  const lazy = (key: 'envelope' | 'bodystructure' | 'body', json: string) => {
    Object.defineProperty(rec, key, {
      enumerable: true,
      configurable: true,
      get() {
        const value = JSON.parse(json) as MessageRecord[typeof key];
        Object.defineProperty(rec, key, { value, enumerable: true, configurable: true, writable: true });
        return value;
      },
      set(value: MessageRecord[typeof key]) {
        Object.defineProperty(rec, key, { value, enumerable: true, configurable: true, writable: true });
      },
    });
  };
  lazy('envelope', envelope);
  lazy('bodystructure', bodystructure);
  lazy('body', body);
  return rec;
}

/** SQL function icontains(hay, needle): 1 when hay, lower-cased, contains needle (already lower case). */
function icontains(hay: unknown, needle: unknown): number {
  return typeof hay === 'string' && typeof needle === 'string' && hay.toLowerCase().includes(needle) ? 1 : 0;
}

export interface OpenStoreOptions {
  path: string; // sqlite file path, or ':memory:'
  /** Write the full-text index on the main thread instead of a worker (tests) */
  ftsInThread?: boolean;
  /** Most text handed to the index writer and not yet committed (tests: small, to exercise the backlog) */
  ftsMaxInflightChars?: number;
  logger?: Logger;
  /** storage limit for newly created users (bytes); default unlimited */
  defaultQuotaBytes?: number | null;
}

export function openStore(opts: OpenStoreOptions): MailStore {
  const log = opts.logger ?? pino({ level: 'silent' });
  const db = new Database(opts.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA_SQL);
  for (const [table, column, ddl] of ADDED_COLUMNS) {
    const cols = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all();
    if (!cols.some((c) => c.name === column)) db.exec(ddl);
  }
  // databases from before the counter triggers: create indexes + triggers and count once, atomically
  const hasCounters = !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'messages_counters_ins'").get();
  db.transaction(() => {
    db.exec(INDEX_SQL);
    if (!hasCounters) db.exec(RECOUNT_SQL);
  }).immediate();
  db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
  db.function('icontains', { deterministic: true }, icontains);
  db.function('header_contains', { deterministic: true }, (headers: unknown, field: unknown, needle: unknown) => {
    if (typeof headers !== 'string' || typeof field !== 'string' || typeof needle !== 'string') return 0;
    const prefix = field.toLowerCase() + ':';
    for (const line of headers.split('\n')) {
      if (line.toLowerCase().startsWith(prefix) && line.slice(prefix.length).toLowerCase().includes(needle)) return 1;
    }
    return 0;
  });

  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const pending: MailboxEvent[] = [];
  const emitLater = (ev: MailboxEvent) => pending.push(ev);
  const flushEvents = () => {
    const list = pending.splice(0);
    for (const ev of list) {
      try { emitter.emit(`mailbox:${ev.mailboxId}`, ev); } catch (err) { log.error({ err }, 'mailbox event listener failed'); }
    }
  };
  /** Runs fn in an IMMEDIATE transaction; events collected during it are emitted after commit. */
  function tx<T>(fn: () => T): T {
    quotaUse.clear();
    try {
      const out = db.transaction(fn).immediate();
      flushEvents();
      afterCommitFts();
      checkpointSoon();
      return out;
    } catch (err) {
      pending.length = 0;
      ftsRemovals.length = 0;
      ftsJobs.length = 0;
      ftsCopies = false;
      throw err;
    }
  }

  // mailbox rows between writes (STATUS, SELECT and every command naming a mailbox read them)
  const cacheValidity = new CacheValidity(db);
  const mailboxByNameStmt = db.prepare<[number, string], MailboxRow>('SELECT * FROM mailboxes WHERE user_id = ? AND name = ?');
  const mailboxByIdStmt = db.prepare<[number], MailboxRow>('SELECT * FROM mailboxes WHERE id = ?');
  const mailboxByNameCache = new RowCache<string, MailboxRow>(db, cacheValidity, (key) => {
    const sep = key.indexOf('\0');
    return mailboxByNameStmt.get(Number(key.slice(0, sep)), key.slice(sep + 1));
  });
  const mailboxByIdCache = new RowCache<number, MailboxRow>(db, cacheValidity, (id) => mailboxByIdStmt.get(id));

  const st = {
    addDomain: db.prepare('INSERT OR IGNORE INTO domains (domain) VALUES (?)'),
    hasDomain: db.prepare('SELECT 1 FROM domains WHERE domain = ?'),
    findUser: db.prepare<[string], { id: number; email: string; password_hash: string }>('SELECT id, email, password_hash FROM users WHERE email = ?'),
    insertUser: db.prepare('INSERT INTO users (email, password_hash, created_at) VALUES (?, ?, ?)'),
    mailboxByName: { get: (userId: number, name: string): MailboxRow | undefined => mailboxByNameCache.get(`${userId}\0${name}`) },
    mailboxById: { get: (id: number): MailboxRow | undefined => mailboxByIdCache.get(id) },
    mailboxes: db.prepare<[number], MailboxRow>('SELECT * FROM mailboxes WHERE user_id = ? ORDER BY name'),
    insertMailbox: db.prepare('INSERT INTO mailboxes (user_id, name, uidvalidity, special_use, subscribed) VALUES (?, ?, ?, ?, ?)'),
    bumpMailbox: db.prepare<[number], { uidnext: number; highestmodseq: number }>('UPDATE mailboxes SET uidnext = uidnext + 1, highestmodseq = highestmodseq + 1 WHERE id = ? RETURNING uidnext - 1 AS uidnext, highestmodseq'),
    bumpModseq: db.prepare<[number], { highestmodseq: number }>('UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = ? RETURNING highestmodseq'),
    insertMessage: db.prepare(`INSERT INTO messages (id, mailbox_id, uid, modseq, flags, recent, internaldate, size, sent_date, subject, from_text, to_text, cc_text, bcc_text, headers, sort_subject, sort_from, sort_to, sort_cc, envelope, bodystructure, body)
      VALUES (${NEXT_MESSAGE_ID_SQL}, @mailbox_id, @uid, @modseq, @flags, 1, @internaldate, @size, @sent_date, @subject, @from_text, @to_text, @cc_text, @bcc_text, @headers, @sort_subject, @sort_from, @sort_to, @sort_cc, @envelope, @bodystructure, @body)`),
    insertBlob: db.prepare('INSERT INTO blobs (message_id, raw) VALUES (?, ?)'),
    insertFtsPending: db.prepare('INSERT OR IGNORE INTO fts_pending (message_id) VALUES (?)'),
    ftsPendingAfter: db.prepare<[number, number], number>('SELECT message_id FROM fts_pending WHERE message_id > ? ORDER BY message_id LIMIT ?').pluck(),
    deleteFtsPending: db.prepare('DELETE FROM fts_pending WHERE message_id = ?'),
    blobById: db.prepare<[number], Buffer>('SELECT raw FROM blobs WHERE message_id = ?').pluck(),
    arrival: db.prepare<[number], [uid: number, internaldate: number]>('SELECT uid, internaldate FROM messages INDEXED BY messages_arrival WHERE mailbox_id = ? ORDER BY internaldate, uid').raw(),
    // \Recent: recent = 1 and a UID at or above the mailbox's recent_floor (claimRecent raises the floor instead of rewriting rows)
    recentCount: db.prepare<[number, number], number>('SELECT count(*) FROM messages INDEXED BY messages_recent WHERE mailbox_id = ? AND recent = 1 AND uid >= ?').pluck(),
    firstUnseen: db.prepare<[number], number>(`SELECT uid FROM messages INDEXED BY messages_unseen WHERE mailbox_id = ? AND ${UNSEEN_SQL} ORDER BY uid LIMIT 1`).pluck(),
    metaRange: db.prepare<[number, number, number], [uid: number, modseq: number, flags: string, internaldate: number, size: number]>('SELECT uid, modseq, flags, internaldate, size FROM messages INDEXED BY messages_meta WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid').raw(),
    recentUids: db.prepare<[number, number], number>('SELECT uid FROM messages INDEXED BY messages_recent WHERE mailbox_id = ? AND recent = 1 AND uid >= ? ORDER BY uid').pluck(),
    raiseRecentFloor: db.prepare('UPDATE mailboxes SET recent_floor = ? WHERE id = ?'),
    messageByUid: db.prepare<[number, number], MessageRow>('SELECT id, uid, modseq, flags, internaldate, size, envelope, bodystructure, body FROM messages WHERE mailbox_id = ? AND uid = ?'),
    structuresRange: db.prepare<[number, number, number], [uid: number, envelope: string, bodystructure: string, body: string]>('SELECT uid, envelope, bodystructure, body FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid').raw(),
    structuresByUid: db.prepare<[number, number], [uid: number, envelope: string, bodystructure: string, body: string]>('SELECT uid, envelope, bodystructure, body FROM messages WHERE mailbox_id = ? AND uid = ?').raw(),
    metaByUid: db.prepare<[number, number], MessageRow>('SELECT id, uid, modseq, flags, internaldate, size FROM messages INDEXED BY messages_meta WHERE mailbox_id = ? AND uid = ?'),
    raw: db.prepare<[number, number], { raw: Buffer }>('SELECT b.raw FROM messages m JOIN blobs b ON b.message_id = m.id WHERE m.mailbox_id = ? AND m.uid = ?'),
    setFlags: db.prepare('UPDATE messages SET flags = ?, modseq = ? WHERE id = ?'),
    deleted: db.prepare<[number], { id: number; uid: number }>(`SELECT id, uid FROM messages INDEXED BY messages_deleted WHERE mailbox_id = ? AND ${DELETED_SQL} ORDER BY uid`),
    deleteMessage: db.prepare('DELETE FROM messages WHERE id = ?'),
    copyMessage: db.prepare(`INSERT INTO messages (id, mailbox_id, uid, modseq, flags, recent, internaldate, size, sent_date, subject, from_text, to_text, cc_text, bcc_text, headers, sort_subject, sort_from, sort_to, sort_cc, envelope, bodystructure, body)
      SELECT ${NEXT_MESSAGE_ID_SQL}, ?, ?, ?, flags, 1, internaldate, size, sent_date, subject, from_text, to_text, cc_text, bcc_text, headers, sort_subject, sort_from, sort_to, sort_cc, envelope, bodystructure, body FROM messages WHERE id = ?`),
    copyBlob: db.prepare('INSERT INTO blobs (message_id, raw) SELECT ?, raw FROM blobs WHERE message_id = ?'),
    userQuota: db.prepare<[number], { quota_bytes: number | null }>('SELECT quota_bytes FROM users WHERE id = ?'),
    // from the per-mailbox counters the triggers keep (no scan of the user's messages)
    userUsage: db.prepare<[number], { used: number }>('SELECT coalesce(sum(total_size), 0) AS used FROM mailboxes WHERE user_id = ?'),
    tombstone: db.prepare('INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)'),
    expungedSince: db.prepare<[number, number], { uid: number }>('SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid'),
    nextUidvalidity: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'uidvalidity'"),
    setUidvalidity: db.prepare("INSERT INTO meta (key, value) VALUES ('uidvalidity', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
  };

  function newUidvalidity(): number {
    const last = Number(st.nextUidvalidity.get()?.value ?? 0);
    const v = Math.max(Math.floor(Date.now() / 1000), last + 1);
    st.setUidvalidity.run(String(v));
    return v;
  }

  function mailboxRow(userId: number, name: string): MailboxRow | undefined {
    return st.mailboxByName.get(userId, normalizeMailboxName(name));
  }

  function requireMailboxById(id: number): MailboxRow {
    const r = st.mailboxById.get(id);
    if (!r) throw new StoreError('NONEXISTENT', 'Mailbox does not exist');
    return r;
  }

  function insertMailbox(userId: number, name: string, specialUse: string | null, subscribed: boolean): MailboxRow {
    st.insertMailbox.run(userId, name, newUidvalidity(), specialUse, subscribed ? 1 : 0);
    return st.mailboxByName.get(userId, name)!;
  }

  // per-transaction cache of quota usage, so that deliverMany does not re-sum for every message
  const quotaUse = new Map<number, { used: number; limit: number }>();
  function chargeQuota(mailboxId: number, bytes: number): void {
    const box = st.mailboxById.get(mailboxId);
    if (!box) throw new StoreError('NONEXISTENT', 'Mailbox does not exist');
    let q = quotaUse.get(box.user_id);
    if (!q) {
      const limit = st.userQuota.get(box.user_id)?.quota_bytes;
      if (limit === null || limit === undefined) return;
      q = { used: st.userUsage.get(box.user_id)!.used, limit };
      quotaUse.set(box.user_id, q);
    }
    if (q.used + bytes > q.limit) throw new StoreError('OVERQUOTA', 'Mailbox storage quota exceeded');
    q.used += bytes;
  }

  function insertMessage(mailboxId: number, input: Buffer, flags: string[], internalDate: Date | undefined, origin?: string): number {
    const raw = toCrlf(input);
    if (raw.length > MAX_MESSAGE_SIZE_BYTES) throw new StoreError('TOOBIG', 'Message too large');
    if (raw.length === 0) throw new StoreError('CANNOT', 'Empty message');
    chargeQuota(mailboxId, raw.length);
    const idx = indexMessage(raw, internalDate?.getTime() ?? Date.now());
    const { uidnext: uid, highestmodseq } = st.bumpMailbox.get(mailboxId)!;
    const info = st.insertMessage.run({ ...idx.row, mailbox_id: mailboxId, uid, modseq: highestmodseq, flags: flags.join(' ') });
    const id = Number(info.lastInsertRowid);
    st.insertBlob.run(id, raw);
    // the full-text entry is written after the commit (fts-index.ts); fts_pending records it is due
    st.insertFtsPending.run(id);
    ftsJobs.push({ id, ...idx.fts });
    emitLater({ type: 'exists', mailboxId, uid, origin });
    return uid;
  }

  /**
   * Group commit of deliveries: the deliveries requested in one turn of the event loop (SMTP
   * sessions whose DATA ended together), or while the WAL fsync of the previous group commit ran,
   * are written in one transaction, each in its own savepoint
   * so that one failure (over quota) does not undo the others, and committed with one fsync.
   * Every promise settles only after that commit, so a 250 still means "on disk".
   */
  const pendingDeliveries: Array<{ run: () => { mailbox: string; uid: number }; resolve: (v: { mailbox: string; uid: number }) => void; reject: (e: unknown) => void }> = [];
  function groupCommit(run: () => { mailbox: string; uid: number }): Promise<{ mailbox: string; uid: number }> {
    return new Promise((resolve, reject) => {
      // while a WAL fsync runs, deliveries wait for it and are committed together when it returns
      // (settle below): they could not be acknowledged before the next fsync anyway, and one
      // commit writes the pages they share (tables, indexes, the mailbox row) once, not once each
      if (pendingDeliveries.push({ run, resolve, reject }) === 1 && !walSyncRunning) setImmediate(flushDeliveries);
    });
  }
  function flushDeliveries(): void {
    const batch = pendingDeliveries.splice(0);
    let outcomes: Array<{ ok: { mailbox: string; uid: number }; jobs: FtsJob[] } | { err: unknown }>;
    const indexedRows = takeIndexedRows();
    // the commit writes the WAL; its fsync runs on libuv's thread pool (syncWal) instead of blocking this thread
    const asyncSync = walFile !== null;
    if (asyncSync) setSyncNormal.run();
    try {
      outcomes = tx(() => {
        deletePendingRows(indexedRows);
        return batch.map((item) => {
          const mark = ftsJobs.length;
          try {
            const ok = db.transaction(item.run)(); // nested: a savepoint
            return { ok, jobs: ftsJobs.splice(mark) };
          } catch (err) {
            ftsJobs.length = mark;
            return { err };
          }
        });
      });
    } catch (err) {
      for (const id of indexedRows) indexedNotDeleted.add(id);
      for (const item of batch) item.reject(err);
      return;
    } finally {
      if (asyncSync) setSyncFull.run();
    }
    fts.forget(indexedRows);
    const jobs: FtsJob[] = [];
    const delivered: Array<() => void> = [];
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if ('ok' in outcome) {
        jobs.push(...outcome.jobs);
        delivered.push(() => item.resolve(outcome.ok));
      } else item.reject(outcome.err);
    });
    fts.enqueue(jobs);
    if (!delivered.length) return;
    const acknowledge = () => { for (const done of delivered) done(); };
    if (!asyncSync) return acknowledge();
    // a delivery is acknowledged (SMTP 250) only once the WAL holding its commit is on disk
    walDurable().then(acknowledge, (err: unknown) => {
      log.warn({ err }, 'fsync of the WAL failed; syncing through SQLite');
      try {
        forceSyncedCommit();
      } catch (err2) {
        // the commit may or may not survive a power cut: answer with an error (the client retries)
        for (const item of batch) item.reject(err2);
        return;
      }
      acknowledge();
    });
  }

  /**
   * Durable group commit without blocking the event loop. In WAL mode a commit only appends to
   * the -wal file, and synchronous=FULL means "fsync the WAL at every commit" (the main database
   * file is written and synced by checkpoints, which sync the WAL first, in every mode but OFF).
   * The delivery commit runs with synchronous=NORMAL, which is the same commit without that
   * fsync, and syncWal() then fsyncs the -wal file on libuv's thread pool (fsync flushes a file's
   * data whichever descriptor asks). The deliveries are acknowledged only after it returns, so a
   * 250 still means "the commit is on disk", as with FULL; a power cut before that can only lose
   * a commit that nobody was told about (WAL frames are checksummed, so a commit is recovered
   * whole or not at all). Meanwhile the event loop keeps reading the next messages, and the next
   * group commit fills while this one syncs. Every other write of the store stays FULL.
   */
  const walFile = opts.path && opts.path !== ':memory:' ? `${opts.path}-wal` : null;
  const setSyncNormal = db.prepare('PRAGMA synchronous = NORMAL');
  const setSyncFull = db.prepare('PRAGMA synchronous = FULL');
  let walFd: number | null = null;
  /**
   * Resolves after an fsync of the WAL that started after this call: one fsync at a time, and the
   * commits made while it runs share the next one (so a burst of small deliveries costs a few
   * fsyncs, not one each).
   */
  let walSyncRunning = false;
  let walSyncWaiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  function walDurable(): Promise<void> {
    return new Promise((resolve, reject) => {
      walSyncWaiters.push({ resolve, reject });
      if (!walSyncRunning) startWalSync();
    });
  }
  function startWalSync(): void {
    walSyncRunning = true;
    const waiters = walSyncWaiters;
    walSyncWaiters = [];
    const settle = (err?: unknown) => {
      walSyncRunning = false;
      for (const w of waiters) {
        if (err === undefined) w.resolve();
        else w.reject(err);
      }
      // the deliveries that came in during this fsync: one commit, which starts the next fsync
      if (pendingDeliveries.length) flushDeliveries();
      else if (walSyncWaiters.length) startWalSync();
    };
    syncWal().then(() => settle(), (err: unknown) => settle(err ?? new Error('fsync failed')));
  }
  function syncWal(): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        // one descriptor for the store's life; opened again if the file was replaced (a new inode)
        if (walFd !== null && fstatSync(walFd).ino !== statSync(walFile!).ino) { closeSync(walFd); walFd = null; }
        walFd ??= openSync(walFile!, 'r');
      } catch (err) {
        reject(err);
        return;
      }
      fsync(walFd, (err) => (err ? reject(err) : resolve()));
    });
  }
  /** Fallback: a FULL commit of a no-op write makes SQLite fsync the WAL (and what it holds) itself. */
  function forceSyncedCommit(): void {
    db.transaction(() => db.prepare("UPDATE meta SET value = value WHERE key = 'schema_version'").run()).immediate();
  }

  /**
   * The full-text index (fts-index.ts): written by a worker thread into its own SQLite file after
   * the commit, from the text the delivery extracted anyway; fts_pending rows (same transaction as
   * the message) say what is still due and go once the writer committed the entry, with the next
   * delivery's commit or after FTS_PENDING_DELETE_MS. SEARCH waits for the writer first.
   */
  const FTS_PENDING_DELETE_MS = 20;
  /** at most one WAL checkpoint request to the worker per this many ms */
  const CHECKPOINT_EVERY_MS = 25;
  /** text of messages inserted by the running transaction, handed to the writer after its commit */
  const ftsJobs: FtsJob[] = [];
  /** ids of messages deleted by the running transaction */
  const ftsRemovals: number[] = [];
  /** the running transaction added fts_pending rows without text (copies) */
  let ftsCopies = false;
  /** indexed messages whose fts_pending rows are still to be deleted */
  const indexedNotDeleted = new Set<number>();
  let pendingDeleteTimer: NodeJS.Timeout | null = null;
  function afterCommitFts(): void {
    if (ftsRemovals.length) {
      const ids = ftsRemovals.splice(0);
      for (const id of ids) indexedNotDeleted.delete(id);
      fts.remove(ids);
    }
    if (ftsJobs.length) fts.enqueue(ftsJobs.splice(0));
    if (ftsCopies) {
      ftsCopies = false;
      fts.markBacklog();
    }
  }
  function takeIndexedRows(): number[] {
    const ids = [...indexedNotDeleted];
    indexedNotDeleted.clear();
    return ids;
  }
  function deletePendingRows(ids: number[]): void {
    for (const id of ids) st.deleteFtsPending.run(id);
  }
  function deleteIndexedRowsSoon(): void {
    if (pendingDeleteTimer || !db.open) return;
    pendingDeleteTimer = setTimeout(() => {
      pendingDeleteTimer = null;
      if (!db.open || !indexedNotDeleted.size) return;
      if (pendingDeliveries.length) return deleteIndexedRowsSoon(); // the delivery commit takes them
      const ids = takeIndexedRows();
      // no fsync of its own: a lost delete only means indexing a message again (it replaces the
      // entry); the next FULL commit or checkpoint makes it durable
      if (walFile) setSyncNormal.run();
      try {
        tx(() => deletePendingRows(ids));
        fts.forget(ids);
      } catch (err) {
        for (const id of ids) indexedNotDeleted.add(id);
        log.error({ err }, 'could not clear fts_pending; retried later');
        deleteIndexedRowsSoon();
      } finally {
        if (walFile) setSyncFull.run();
      }
    }, FTS_PENDING_DELETE_MS);
    pendingDeleteTimer.unref();
  }
  const fts = new FtsIndex(
    {
      storePath: opts.path,
      log,
      inThread: opts.ftsInThread,
      maxInflightChars: opts.ftsMaxInflightChars,
      pendingAfter: (after, limit) => st.ftsPendingAfter.all(after, limit),
      textOf: (id) => {
        const raw = st.blobById.get(id);
        return raw ? ftsTextOf(raw) : null;
      },
      onIndexed: (ids) => {
        for (const id of ids) indexedNotDeleted.add(id);
        deleteIndexedRowsSoon();
      },
      onInThread: () => {
        if (db.open) db.pragma('wal_autocheckpoint = 1000');
      },
    },
    !!db.prepare('SELECT 1 FROM fts_pending LIMIT 1').get(),
  );
  // WAL checkpoints on the index worker (FtsIndex.checkpoint), requested after commits
  if (fts.checkpointsOffThread) db.pragma('wal_autocheckpoint = 0');
  let lastCheckpointAt = 0;
  function checkpointSoon(): void {
    const now = Date.now();
    if (now - lastCheckpointAt < CHECKPOINT_EVERY_MS) return;
    lastCheckpointAt = now;
    fts.checkpoint();
  }
  fts.db.function('icontains', { deterministic: true }, icontains);
  checkFtsIndex();

  /**
   * Makes the index file and the store agree at open: messages with neither an entry nor an
   * fts_pending row (a new or replaced index file, a store from before the index had its own
   * file) are queued, entries of messages that no longer exist (a crash before the writer removed
   * them) are removed. Two scans of narrow integer keys.
   */
  function checkFtsIndex(): void {
    const legacy = !!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'messages_fts'").get();
    const indexed = fts.indexedIds();
    const messageIds = db.prepare<[], number>('SELECT id FROM messages ORDER BY id').pluck().all();
    const pendingIds = new Set(db.prepare<[], number>('SELECT message_id FROM fts_pending').pluck().all());
    const missing: number[] = [];
    const orphans: number[] = [];
    let i = 0;
    for (const id of messageIds) {
      while (i < indexed.length && indexed[i]! < id) orphans.push(indexed[i++]!);
      if (i < indexed.length && indexed[i] === id) i++;
      else if (!pendingIds.has(id)) missing.push(id);
    }
    while (i < indexed.length) orphans.push(indexed[i++]!);
    if (missing.length || legacy) {
      tx(() => {
        for (const id of missing) st.insertFtsPending.run(id);
        if (legacy) db.exec('DROP TABLE messages_fts'); // the index lives in its own file now
      });
      if (missing.length) fts.markBacklog();
    }
    if (orphans.length) fts.remove(orphans);
  }

  function userByEmail(email: string) {
    const u = st.findUser.get(email.trim());
    if (!u) throw new StoreError('NONEXISTENT', `No such user: ${email}`);
    return u;
  }

  function deliverTarget(userId: number, mailbox: string | undefined): MailboxRow {
    // programmatic callers pass human names; IMAP stores names in modified UTF-7
    const name = normalizeMailboxName(/[^\x20-\x7e]|&/.test(mailbox ?? '') ? encodeMailboxName(mailbox!) : mailbox ?? 'INBOX');
    let box = st.mailboxByName.get(userId, name);
    if (!box) {
      if (!validMailboxName(name)) throw new StoreError('CANNOT', 'Invalid mailbox name');
      box = insertMailbox(userId, name, null, true);
    }
    return box;
  }

  function expungeRows(mailboxId: number, rows: Array<{ id: number; uid: number }>, origin?: string) {
    if (!rows.length) return;
    const { highestmodseq } = st.bumpModseq.get(mailboxId)!;
    for (const r of rows) {
      ftsRemovals.push(r.id);
      st.deleteMessage.run(r.id);
      st.tombstone.run(mailboxId, r.uid, highestmodseq);
      emitLater({ type: 'expunge', mailboxId, uid: r.uid, origin });
    }
  }

  /** SORT (ARRIVAL) / (REVERSE ARRIVAL): one scan of the arrival index, ties by ascending UID, no SQL sort. */
  function sortByArrival(mailboxId: number, reverse: boolean, uids: number[]): number[] {
    const snap = snapshotOf(mailboxId);
    if (snap?.arrivalInUidOrder) return sortInUidOrder(snap, reverse, uids);
    const rows = st.arrival.all(mailboxId); // [uid, internaldate] by internaldate, then uid
    const wanted = uidFilter(uids);
    const out: number[] = [];
    if (!reverse) {
      for (const [uid] of rows) if (wanted(uid)) out.push(uid);
      return out;
    }
    // descending dates; within one date, ascending UIDs (the RFC 5256 tie-break is the sequence number)
    let end = rows.length;
    while (end > 0) {
      const date = rows[end - 1]![1];
      let start = end - 1;
      while (start > 0 && rows[start - 1]![1] === date) start--;
      for (let i = start; i < end; i++) { const uid = rows[i]![0]; if (wanted(uid)) out.push(uid); }
      end = start;
    }
    return out;
  }

  /** ARRIVAL order when INTERNALDATE never decreases with the UID: the table's order, ties (equal dates) by ascending UID both ways. */
  function sortInUidOrder(snap: MetaSnapshot, reverse: boolean, uids: number[]): number[] {
    const wanted = uidFilter(uids);
    const { uids: all, internaldates: dates } = snap;
    const out: number[] = [];
    if (!reverse) {
      for (let i = 0; i < all.length; i++) if (wanted(all[i]!)) out.push(all[i]!);
      return out;
    }
    let end = all.length;
    while (end > 0) {
      const date = dates[end - 1]!;
      let start = end - 1;
      while (start > 0 && dates[start - 1] === date) start--;
      for (let i = start; i < end; i++) if (wanted(all[i]!)) out.push(all[i]!);
      end = start;
    }
    return out;
  }

  const metaTables = createMetaTables(db, META_TABLE_MAILBOXES);
  const authCache = createAuthCache();
  /** The metadata table of a mailbox, read in one transaction with the mailbox row. */
  function snapshotOf(mailboxId: number): MetaSnapshot | null {
    // the usual case, a table that is up to date, needs one row read and no transaction
    const row = st.mailboxById.get(mailboxId);
    const hit = row && metaTables.current(row);
    if (hit) return hit;
    return db.transaction(() => {
      const box = st.mailboxById.get(mailboxId);
      if (!box) { metaTables.forget(mailboxId); return null; }
      return metaTables.get(box);
    })();
  }

  /** Membership test for a UID list: a bitmap for the usual dense UIDs, a Set otherwise. */
  function uidFilter(uids: number[]): (uid: number) => boolean {
    let max = 0;
    for (const u of uids) if (u > max) max = u;
    if (max <= Math.max(1024, uids.length * 16)) {
      const bits = new Uint8Array(max + 1);
      for (const u of uids) bits[u] = 1;
      return (uid) => uid <= max && bits[uid] === 1;
    }
    const set = new Set(uids);
    return (uid) => set.has(uid);
  }


  const store: MailStore = {
    maxMessageSize: MAX_MESSAGE_SIZE_BYTES,
    ...openAliases(db, { hasDomain: (d) => store.hasDomain(d), findUser: (e) => store.findUser(e) }),

    addDomain(domain) {
      st.addDomain.run(domain.trim().toLowerCase());
    },
    hasDomain(domain) {
      return !!st.hasDomain.get(domain.trim().toLowerCase());
    },
    createUser(email, password) {
      const addr = email.trim();
      if (!/^[^\s@]+@[^\s@]+$/.test(addr)) throw new StoreError('CANNOT', `Invalid address: ${email}`);
      if (st.findUser.get(addr)) throw new StoreError('ALREADYEXISTS', `User already exists: ${addr}`);
      const hash = hashPassword(password);
      return tx(() => {
        const info = st.insertUser.run(addr, hash, Date.now());
        const id = Number(info.lastInsertRowid);
        if (opts.defaultQuotaBytes) db.prepare('UPDATE users SET quota_bytes = ? WHERE id = ?').run(opts.defaultQuotaBytes, id);
        for (const [name, use] of SPECIAL_MAILBOXES) insertMailbox(id, name, use, true);
        log.info({ user: addr }, 'user created');
        return { id, email: addr };
      });
    },
    findUser(email) {
      const u = st.findUser.get(email.trim());
      return u ? { id: u.id, email: u.email } : null;
    },
    listUsers() {
      return (db.prepare('SELECT email, quota_bytes, created_at FROM users ORDER BY email').all() as Array<{ email: string; quota_bytes: number | null; created_at: number }>).map(
        (u) => ({ email: u.email, quotaBytes: u.quota_bytes, createdAt: u.created_at }),
      );
    },
    setPassword(email, password) {
      const u = userByEmail(email);
      if (!password) throw new StoreError('CANNOT', 'The password must not be empty');
      db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hashPassword(password), u.id);
    },
    deleteUser(email) {
      const u = userByEmail(email);
      const boxes = st.mailboxes.all(u.id);
      tx(() => {
        ftsRemovals.push(...db.prepare<[number], number>('SELECT m.id FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.user_id = ?').pluck().all(u.id));
        db.prepare('DELETE FROM users WHERE id = ?').run(u.id);
        for (const box of boxes) emitLater({ type: 'deleted', mailboxId: box.id });
      });
      log.info({ user: u.email }, 'user deleted');
    },
    async authenticate(email, password) {
      const u = st.findUser.get(String(email).trim());
      if (!u) {
        // spend comparable time so that unknown users are not distinguishable by timing
        await verifyPassword(password, 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
        return null;
      }
      if (authCache.verified(u.email, password, u.password_hash)) return { id: u.id, email: u.email };
      if (!(await verifyPassword(password, u.password_hash))) return null;
      authCache.remember(u.email, password, u.password_hash);
      return { id: u.id, email: u.email };
    },
    async deliver(email, raw, opts = {}) {
      const u = userByEmail(email);
      return groupCommit(() => {
        const box = deliverTarget(u.id, opts.mailbox);
        const uid = insertMessage(box.id, raw, normalizeFlags(opts.flags), opts.internalDate);
        return { mailbox: box.name, uid };
      });
    },
    async deliverMany(email, items) {
      const u = userByEmail(email);
      let jobs: FtsJob[] = [];
      const n = tx(() => {
        const boxes = new Map<string, MailboxRow>();
        for (const item of items) {
          const key = item.mailbox ?? 'INBOX';
          let box = boxes.get(key);
          if (!box) { box = deliverTarget(u.id, key); boxes.set(key, box); }
          insertMessage(box.id, item.raw, normalizeFlags(item.flags), item.internalDate);
        }
        jobs = ftsJobs.splice(0); // handed over below, not by tx()
        return items.length;
      });
      // bulk loads (import, seeding) resolve with their messages indexed, as before the worker:
      // the batch's text goes to the writer whatever is in flight, and the next batch waits for it
      fts.enqueue(jobs, true);
      await fts.sync();
      return n;
    },
    setQuota(email, bytes) {
      const u = userByEmail(email);
      if (bytes !== null && (!Number.isSafeInteger(bytes) || bytes < 0)) throw new StoreError('CANNOT', 'Invalid quota');
      db.prepare('UPDATE users SET quota_bytes = ? WHERE id = ?').run(bytes, u.id);
    },
    async getQuota(userId) {
      return { usedBytes: st.userUsage.get(userId)!.used, limitBytes: st.userQuota.get(userId)?.quota_bytes ?? null };
    },
    close() {
      storeFts.delete(store);
      if (pendingDeleteTimer) clearTimeout(pendingDeleteTimer);
      fts.close();
      if (walFd !== null) {
        // after fsyncs still running on the thread pool
        const fd = walFd;
        walFd = null;
        setTimeout(() => { try { closeSync(fd); } catch { /* already closed */ } }, 1000).unref();
      }
      emitter.removeAllListeners();
      if (db.open) db.close();
    },

    async listMailboxes(userId) {
      return st.mailboxes.all(userId).map(toMailbox);
    },
    async getMailbox(userId, name) {
      const r = mailboxRow(userId, name);
      return r ? toMailbox(r) : null;
    },
    async createMailbox(userId, rawName, specialUse = null) {
      let name = normalizeMailboxName(rawName);
      if (name.endsWith(HIERARCHY_DELIMITER)) name = name.slice(0, -1);
      if (!validMailboxName(name)) throw new StoreError('CANNOT', 'Invalid mailbox name');
      if (name === 'INBOX' || st.mailboxByName.get(userId, name)) throw new StoreError('ALREADYEXISTS', 'Mailbox already exists');
      return tx(() => {
        const parts = name.split(HIERARCHY_DELIMITER);
        for (let i = 1; i < parts.length; i++) {
          const parent = parts.slice(0, i).join(HIERARCHY_DELIMITER);
          if (!st.mailboxByName.get(userId, parent)) insertMailbox(userId, parent, null, false);
        }
        return toMailbox(insertMailbox(userId, name, specialUse, false));
      });
    },
    async deleteMailbox(userId, rawName, origin) {
      const name = normalizeMailboxName(rawName);
      if (name === 'INBOX') throw new StoreError('CANNOT', 'INBOX can not be deleted');
      const box = st.mailboxByName.get(userId, name);
      if (!box) throw new StoreError('NONEXISTENT', 'Mailbox does not exist');
      const hasChildren = st.mailboxes.all(userId).some((m) => m.name.startsWith(name + HIERARCHY_DELIMITER));
      if (hasChildren) throw new StoreError('INUSE', 'Mailbox has children, delete them first');
      tx(() => {
        ftsRemovals.push(...db.prepare<[number], number>('SELECT id FROM messages WHERE mailbox_id = ?').pluck().all(box.id));
        db.prepare('DELETE FROM mailboxes WHERE id = ?').run(box.id);
        emitLater({ type: 'deleted', mailboxId: box.id, origin });
      });
    },
    async renameMailbox(userId, rawFrom, rawTo) {
      const from = normalizeMailboxName(rawFrom);
      let to = normalizeMailboxName(rawTo);
      if (to.endsWith(HIERARCHY_DELIMITER)) to = to.slice(0, -1);
      if (!validMailboxName(to)) throw new StoreError('CANNOT', 'Invalid mailbox name');
      const src = st.mailboxByName.get(userId, from);
      if (!src) throw new StoreError('NONEXISTENT', 'Mailbox does not exist');
      if (to === 'INBOX' || st.mailboxByName.get(userId, to)) throw new StoreError('ALREADYEXISTS', 'Target mailbox already exists');
      if (to.startsWith(from + HIERARCHY_DELIMITER)) throw new StoreError('CANNOT', 'Can not move a mailbox into itself');
      tx(() => {
        const parts = to.split(HIERARCHY_DELIMITER);
        for (let i = 1; i < parts.length; i++) {
          const parent = parts.slice(0, i).join(HIERARCHY_DELIMITER);
          if (!st.mailboxByName.get(userId, parent)) insertMailbox(userId, parent, null, false);
        }
        if (from === 'INBOX') {
          // RFC 3501: renaming INBOX moves its messages to a new mailbox and leaves INBOX empty.
          const dest = insertMailbox(userId, to, null, false);
          const rows = db.prepare<[number], { id: number; uid: number }>('SELECT id, uid FROM messages WHERE mailbox_id = ? ORDER BY uid').all(src.id);
          const srcModseq = rows.length ? st.bumpModseq.get(src.id)!.highestmodseq : 0;
          for (const r of rows) {
            const { uidnext, highestmodseq } = st.bumpMailbox.get(dest.id)!;
            db.prepare('UPDATE messages SET mailbox_id = ?, uid = ?, modseq = ? WHERE id = ?').run(dest.id, uidnext, highestmodseq, r.id);
            st.tombstone.run(src.id, r.uid, srcModseq);
            // no origin: the RENAME command does not report these, so the renaming session must get them too
            emitLater({ type: 'expunge', mailboxId: src.id, uid: r.uid });
          }
          return;
        }
        const children = st.mailboxes.all(userId).filter((m) => m.name.startsWith(from + HIERARCHY_DELIMITER));
        db.prepare('UPDATE mailboxes SET name = ? WHERE id = ?').run(to, src.id);
        for (const c of children) db.prepare('UPDATE mailboxes SET name = ? WHERE id = ?').run(to + c.name.slice(from.length), c.id);
      });
    },
    async setSubscribed(userId, name, subscribed) {
      const box = mailboxRow(userId, name);
      if (!box) {
        if (subscribed) throw new StoreError('NONEXISTENT', 'Mailbox does not exist');
        return;
      }
      db.prepare('UPDATE mailboxes SET subscribed = ? WHERE id = ?').run(subscribed ? 1 : 0, box.id);
    },
    async mailboxStatus(mailboxId, opts = {}) {
      const { recent: wantRecent = true, firstUnseen: wantFirstUnseen = true } = opts;
      // the counters are on the mailbox row: without RECENT or the first unseen UID, one row read does
      if (!wantRecent && !wantFirstUnseen) {
        const box = requireMailboxById(mailboxId);
        return { messages: box.msg_count, unseen: box.unseen_count, recent: 0, size: box.total_size, uidnext: box.uidnext, uidvalidity: box.uidvalidity, highestmodseq: box.highestmodseq };
      }
      return db.transaction(() => {
        const box = requireMailboxById(mailboxId);
        const recent = wantRecent ? st.recentCount.get(mailboxId, box.recent_floor)! : 0;
        const firstUnseenUid = wantFirstUnseen && box.unseen_count > 0 ? (st.firstUnseen.get(mailboxId) ?? null) : wantFirstUnseen ? null : undefined;
        const out: MailboxStatus = { messages: box.msg_count, unseen: box.unseen_count, recent, size: box.total_size, uidnext: box.uidnext, uidvalidity: box.uidvalidity, highestmodseq: box.highestmodseq, firstUnseenUid };
        return out;
      })();
    },
    async listUids(mailboxId) {
      return snapshotOf(mailboxId)?.uids.slice() ?? [];
    },
    async metaSnapshot(mailboxId) {
      return snapshotOf(mailboxId);
    },
    async claimRecent(mailboxId) {
      const box = st.mailboxById.get(mailboxId);
      if (!box) return [];
      if (box.recent_floor === box.uidnext) return [];
      // \\Recent is advisory: losing the raised floor in a power cut only shows messages as recent once
      // more, so this one commit does not wait for fsync (synchronous=NORMAL in WAL mode)
      const sync = db.pragma('synchronous', { simple: true }) as number;
      if (sync > 1) db.pragma('synchronous = NORMAL');
      try {
        return tx(() => {
          const cur = st.mailboxById.get(mailboxId);
          if (!cur) return [];
          const uids = st.recentUids.all(mailboxId, cur.recent_floor);
          // one row update instead of clearing the flag on every message (100,000 rows after a big delivery)
          if (cur.recent_floor !== cur.uidnext) st.raiseRecentFloor.run(cur.uidnext, mailboxId);
          return uids;
        });
      } finally {
        if (sync > 1) db.pragma(`synchronous = ${sync}`);
      }
    },
    async getMessages(mailboxId, uids) {
      const out: MessageRecord[] = [];
      for (const uid of uids) {
        const r = st.messageByUid.get(mailboxId, uid);
        if (!r) continue;
        out.push(lazyRecord(toMeta(r), r.envelope!, r.bodystructure!, r.body!));
      }
      return out;
    },
    async getStructures(mailboxId, uids) {
      if (!uids.length) return [];
      const sorted = uids.slice().sort((a, b) => a - b);
      const lo = sorted[0]!;
      const hi = sorted[sorted.length - 1]!;
      if (sorted.length > 1 && hi - lo < sorted.length * 2) {
        // a dense list (a page of the message list): one range scan
        const wanted = uidFilter(sorted);
        return st.structuresRange.all(mailboxId, lo, hi).filter((r) => wanted(r[0]));
      }
      const out: Array<[number, string, string, string]> = [];
      for (const uid of sorted) {
        const r = st.structuresByUid.get(mailboxId, uid);
        if (r) out.push(r);
      }
      return out;
    },
    async getMeta(mailboxId, uids) {
      const out: MessageMeta[] = [];
      if (uids.length > 8) {
        let lo = Infinity;
        let hi = -Infinity;
        for (const u of uids) { if (u < lo) lo = u; if (u > hi) hi = u; }
        if (hi - lo < uids.length * 4) {
          // one range scan of the narrow index instead of a lookup per UID
          const rows = st.metaRange.all(mailboxId, lo, hi);
          let ascending = true;
          for (let i = 1; i < uids.length && ascending; i++) ascending = uids[i - 1]! < uids[i]!;
          if (ascending) {
            // both lists in UID order (FETCH asks this way): merge, no lookup structure
            let j = 0;
            for (const uid of uids) {
              while (j < rows.length && rows[j]![0] < uid) j++;
              const r = rows[j];
              if (r && r[0] === uid) out.push({ uid, modseq: r[1], flags: splitFlags(r[2]), internaldate: r[3], size: r[4] });
            }
            return out;
          }
          const wanted = uidFilter(uids);
          const found = new Map<number, MessageMeta>();
          for (const [uid, modseq, flags, internaldate, size] of rows) {
            if (wanted(uid)) found.set(uid, { uid, modseq, flags: splitFlags(flags), internaldate, size });
          }
          for (const uid of uids) {
            const m = found.get(uid);
            if (m) out.push(m);
          }
          return out;
        }
      }
      for (const uid of uids) {
        const r = st.metaByUid.get(mailboxId, uid);
        if (r) out.push(toMeta(r));
      }
      return out;
    },
    async getRaw(mailboxId, uid) {
      return st.raw.get(mailboxId, uid)?.raw ?? null;
    },
    async storeFlags(mailboxId, uids, mode, rawFlags, opts = {}) {
      const flags = normalizeFlags(rawFlags);
      return tx(() => {
        requireMailboxById(mailboxId);
        const updated: MessageMeta[] = [];
        const modified: number[] = [];
        let modseq = 0;
        for (const uid of uids) {
          const r = st.metaByUid.get(mailboxId, uid);
          if (!r) continue;
          if (opts.unchangedSince !== undefined && r.modseq > opts.unchangedSince) { modified.push(uid); continue; }
          const cur = splitFlags(r.flags);
          let next: string[];
          const lower = new Set(flags.map((f) => f.toLowerCase()));
          if (mode === 'set') next = flags;
          else if (mode === 'add') next = normalizeFlags([...cur, ...flags]);
          else next = cur.filter((f) => !lower.has(f.toLowerCase()));
          const changed = next.length !== cur.length || next.some((f) => !cur.some((c) => c.toLowerCase() === f.toLowerCase()));
          if (!changed) { updated.push(toMeta(r)); continue; }
          if (!modseq) modseq = st.bumpModseq.get(mailboxId)!.highestmodseq;
          st.setFlags.run(next.join(' '), modseq, r.id);
          const meta = { ...toMeta(r), flags: next, modseq };
          updated.push(meta);
          emitLater({ type: 'flags', mailboxId, uid, flags: next, modseq, origin: opts.origin });
        }
        return { updated, modified };
      });
    },
    async expunge(mailboxId, opts = {}) {
      return tx(() => {
        requireMailboxById(mailboxId);
        let rows = st.deleted.all(mailboxId);
        if (opts.uids) {
          const allowed = new Set(opts.uids);
          rows = rows.filter((r) => allowed.has(r.uid));
        }
        expungeRows(mailboxId, rows, opts.origin);
        return rows.map((r) => r.uid);
      });
    },
    async copy(mailboxId, uids, destMailboxId, opts = {}) {
      return tx(() => {
        requireMailboxById(mailboxId);
        const dest = requireMailboxById(destMailboxId);
        const pairs: Array<[number, number]> = [];
        const moved: Array<{ id: number; uid: number }> = [];
        for (const uid of uids) {
          const r = st.metaByUid.get(mailboxId, uid);
          if (!r) continue;
          if (!opts.move) chargeQuota(dest.id, r.size);
          const { uidnext, highestmodseq } = st.bumpMailbox.get(dest.id)!;
          const info = st.copyMessage.run(dest.id, uidnext, highestmodseq, r.id);
          const id = Number(info.lastInsertRowid);
          st.copyBlob.run(id, r.id);
          st.insertFtsPending.run(id); // indexed again from the copy (fts-index.ts)
          ftsCopies = true;
          pairs.push([uid, uidnext]);
          emitLater({ type: 'exists', mailboxId: dest.id, uid: uidnext, origin: opts.origin });
          moved.push({ id: r.id, uid });
        }
        if (opts.move) expungeRows(mailboxId, moved, opts.origin);
        return { uidvalidity: dest.uidvalidity, pairs };
      });
    },
    async append(mailboxId, raw, opts = {}) {
      return tx(() => {
        const box = requireMailboxById(mailboxId);
        const uid = insertMessage(box.id, raw, normalizeFlags(opts.flags), opts.internalDate, opts.origin);
        return { uid, uidvalidity: box.uidvalidity };
      });
    },
    async search(mailboxId, key, recentUids) {
      let usesFts = false;
      compileSearch(key, new Set(), () => { usesFts = true; return []; });
      if (usesFts) await fts.sync();
      const { sql, params } = compileSearch(key, recentUids ?? new Set(), (where, args) => fts.db.prepare<unknown[], number>(`SELECT rowid FROM messages_fts WHERE ${where}`).pluck().all(...args));
      return db.prepare<unknown[], { uid: number }>(`SELECT uid FROM messages WHERE mailbox_id = ? AND (${sql}) ORDER BY uid`).all(mailboxId, ...params).map((r) => r.uid);
    },
    async sort(mailboxId, keys, uids) {
      // RFC 5256: base subject and addr-mailbox keys, compared as i;ascii-casemap (octets after ASCII upper-casing)
      if (keys.some((k) => isDisplayKey(k.key))) {
        // RFC 5957 display keys come from the ENVELOPE (decoded display name), sorted here
        const wantedRows = new Set(uids);
        const rows = db.prepare<[number], SortRow>('SELECT uid, internaldate, sent_date, sort_from, sort_to, sort_cc, sort_subject, size, envelope FROM messages WHERE mailbox_id = ?').all(mailboxId).filter((r) => wantedRows.has(r.uid));
        return sortRows(rows, keys);
      }
      if (keys.length === 1 && keys[0]!.key === 'arrival') return sortByArrival(mailboxId, keys[0]!.reverse, uids);
      const cols: Record<Exclude<SortKey, 'displayfrom' | 'displayto'>, string> = { arrival: 'internaldate', date: 'sent_date', from: 'sort_from', to: 'sort_to', cc: 'sort_cc', subject: 'sort_subject', size: 'size' };
      const order = keys.map((k) => `${cols[k.key as Exclude<SortKey, 'displayfrom' | 'displayto'>]} ${k.reverse ? 'DESC' : 'ASC'}`).concat(['uid ASC']).join(', ');
      const wanted = new Set(uids);
      return db.prepare<[number], number>(`SELECT uid FROM messages WHERE mailbox_id = ? ORDER BY ${order}`).pluck().all(mailboxId).filter((u) => wanted.has(u));
    },
    async expungedSince(mailboxId, modseq) {
      return st.expungedSince.all(mailboxId, modseq).map((r) => r.uid);
    },
    async changedSince(mailboxId, modseq) {
      return db.prepare<[number, number], MessageRow>('SELECT id, uid, modseq, flags, internaldate, size FROM messages WHERE mailbox_id = ? AND modseq > ? ORDER BY uid').all(mailboxId, modseq).map(toMeta);
    },
    async threadInfo(mailboxId, uids) {
      const wanted = new Set(uids);
      const rows = db.prepare<[number], { uid: number; headers: string; subject: string; sent_date: number }>('SELECT uid, headers, subject, sent_date FROM messages WHERE mailbox_id = ? ORDER BY uid').all(mailboxId);
      const ids = (v: string) => v.match(/<[^<>\s]+>/g) ?? [];
      return rows.filter((r) => wanted.has(r.uid)).map((r) => {
        const field = (name: string) => r.headers.split('\n').find((l) => l.startsWith(name + ':'))?.slice(name.length + 1).trim() ?? '';
        const refs = ids(field('references'));
        return { uid: r.uid, messageId: ids(field('message-id'))[0] ?? null, references: refs.length ? refs : ids(field('in-reply-to')).slice(0, 1), subject: r.subject, date: r.sent_date };
      });
    },
    subscribe(mailboxId, listener) {
      const name = `mailbox:${mailboxId}`;
      emitter.on(name, listener);
      return () => emitter.off(name, listener);
    },
  };
  storeFts.set(store, fts);
  return store;
}

/** The full-text index of an open store (tests: worker crash and recovery). */
const storeFts = new WeakMap<MailStore, FtsIndex>();
export function ftsIndexOf(store: MailStore): FtsIndex | undefined {
  return storeFts.get(store);
}

export type { FlagMode };
