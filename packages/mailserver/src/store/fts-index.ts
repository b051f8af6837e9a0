/**
 * The full-text index (FTS5, trigram) of the store, in a SQLite file of its own written on a
 * worker thread.
 *
 * Why: the trigram index of a 100 KB message costs 4–25 ms of CPU, several times the rest of its
 * delivery. SQLite has one writer per file, so a worker writing the index into mail.sqlite would
 * hold the lock the deliveries need; in a separate file (`<name>.fts.sqlite`, WAL) the worker
 * writes on the second core while the main thread keeps delivering.
 *
 * Durability: the main database stays the record of what still needs indexing. A delivery
 * commits its message with a row in `fts_pending` (same transaction); the main thread then hands
 * the text it already extracted to the writer, and deletes the `fts_pending` row only after the
 * writer reports the entry committed (synchronous=FULL). Anything lost on the way (a crash of the
 * process or of the worker, a text dropped because too much was in flight) is still in
 * `fts_pending` and is indexed again from the raw message: re-indexing replaces an entry, so it
 * is idempotent. Entries of expunged messages are deleted by the writer too; one that a crash
 * left behind belongs to no message and is never returned (searches join with the messages
 * table) and is removed by the check at the writer's start.
 *
 * Completeness: `sync()` resolves once everything that was pending when it was called is in the
 * index; SEARCH awaits it before it reads the index.
 *
 * Robustness: if the worker dies it is restarted; after MAX_RESTARTS failures in a row the index
 * is written on the main thread instead, as it is for an in-memory store (':memory:'), where a
 * worker could not open the same database.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';

export interface FtsText { subject: string; sender: string; recipients: string; body: string }
export interface FtsJob extends FtsText { id: number }

/** Messages between the store and the writer. */
type ToWriter =
  | { type: 'index'; jobs: FtsJob[] }
  | { type: 'delete'; ids: number[] }
  | { type: 'sync'; seq: number }
  | { type: 'checkpoint' }
  | { type: 'close' };
type FromWriter =
  | { type: 'done'; ids: number[] }
  | { type: 'synced'; seq: number }
  | { type: 'error'; message: string };

export const FTS_SCHEMA_SQL = `
CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5 (subject, sender, recipients, body, tokenize = 'trigram');
`;

/** The index file next to the store file: mail.sqlite → mail.fts.sqlite. */
export function ftsPathFor(storePath: string): string {
  return storePath.endsWith('.sqlite') ? storePath.slice(0, -'.sqlite'.length) + '.fts.sqlite' : storePath + '.fts';
}

/** Most text (in characters) handed to the writer and not yet committed; past it, jobs wait in fts_pending. */
const MAX_INFLIGHT_CHARS = 16 * 1024 * 1024;
/** Most jobs the writer commits in one transaction. */
const WRITER_BATCH = 128;
/** Longest store.close() waits for the index worker to close its databases. */
const CLOSE_WAIT_MS = 5_000;
/** Nice value of the index worker thread (background work; deliveries first on a busy machine). */
const WORKER_NICE = 10;
/** Worker failures in a row before the index is written on the main thread. */
const MAX_RESTARTS = 3;

/**
 * The writer: applies index/delete jobs in order, several per transaction. Self-contained (no
 * reference to anything outside it), because its source text is also the worker's program.
 */
function ftsWriter(DatabaseCtor: typeof Database, file: string, schema: string, batch: number, reply: (msg: FromWriter) => void, ownDb?: Database.Database, storeFile?: string, stopRequested: () => boolean = () => false) {
  const db = ownDb ?? new DatabaseCtor(file);
  // the store's WAL checkpoints run here, off the thread that delivers (see FtsIndex.checkpoint)
  let store: Database.Database | null = null;
  let lastCheckpoint = 0;
  const checkpoint = () => {
    if (!storeFile) return;
    const now = Date.now();
    if (now - lastCheckpoint < 20) return;
    lastCheckpoint = now;
    if (!store) {
      store = new DatabaseCtor(storeFile);
      store.pragma('busy_timeout = 5000');
    }
    store.pragma('wal_checkpoint(PASSIVE)');
  };
  if (!ownDb) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(schema);
  }
  const ins = db.prepare('INSERT INTO messages_fts (rowid, subject, sender, recipients, body) VALUES (?, ?, ?, ?, ?)');
  const del = db.prepare('DELETE FROM messages_fts WHERE rowid = ?');
  const queue: ToWriter[] = [];
  let scheduled = false;
  let closing = false;
  const flush = () => {
    scheduled = false;
    if (!db.open) return;
    const done: number[] = [];
    const after: FromWriter[] = [];
    let jobs = 0;
    let close = false;
    let wantCheckpoint = false;
    db.transaction(() => {
      while (queue.length && jobs < batch) {
        if (stopRequested()) { close = true; break; }
        const msg = queue.shift()!;
        if (msg.type === 'index') {
          for (const j of msg.jobs) {
            // a job not written now stays in fts_pending and is indexed after the next start
            if (stopRequested()) { close = true; break; }
            del.run(j.id);
            ins.run(j.id, j.subject, j.sender, j.recipients, j.body);
            done.push(j.id);
          }
          jobs += msg.jobs.length;
        } else if (msg.type === 'delete') {
          for (const id of msg.ids) del.run(id);
          jobs += msg.ids.length;
        } else if (msg.type === 'sync') {
          after.push({ type: 'synced', seq: msg.seq });
        } else if (msg.type === 'checkpoint') {
          wantCheckpoint = true;
        } else {
          close = true;
          break;
        }
      }
    }).immediate();
    if (done.length) reply({ type: 'done', ids: done });
    for (const m of after) reply(m);
    if (wantCheckpoint && !close) {
      try {
        checkpoint();
      } catch {
        // the next request tries again; the store's WAL only grows meanwhile
      }
    }
    if (close) {
      queue.length = 0;
      if (!ownDb) db.close();
      if (store) (store as Database.Database).close();
      return;
    }
    if (queue.length) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      try {
        flush();
      } catch (err) {
        reply({ type: 'error', message: err instanceof Error ? err.message : String(err) });
        queue.length = 0;
        if (!ownDb && db.open) db.close();
        closing = true;
      }
    });
  };
  return {
    post(msg: ToWriter) {
      if (closing) return;
      queue.push(msg);
      schedule();
    },
  };
}

/** The worker's program: the writer above, fed by the parent port. */
function workerSource(): string {
  // __name: what a bundler with keepNames would wrap the writer's inner functions in
  return `'use strict';
const __name = (f) => f;
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
// store.close() sets signal[0] and blocks until this thread closed its databases (signal[1])
const signal = new Int32Array(workerData.signal);
const stopRequested = () => Atomics.load(signal, 0) === 1;
process.on('exit', () => { Atomics.store(signal, 1, 1); Atomics.notify(signal, 1); });
// background work: a lower priority (nice) for this thread only, so that on a busy machine the
// thread that delivers mail gets the CPU first (Linux: setpriority on a thread id)
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) require('node:os').setPriority(tid, workerData.nice);
} catch {
  // not Linux, or not allowed: the same priority as the rest
}
const ftsWriter = ${ftsWriter.toString()};
let writer;
try {
  writer = ftsWriter(Database, workerData.file, workerData.schema, workerData.batch, (m) => {
    parentPort.postMessage(m);
    if (m.type === 'error') process.exit(1);
  }, undefined, workerData.storeFile, stopRequested);
} catch (err) {
  parentPort.postMessage({ type: 'error', message: String(err && err.message || err) });
  process.exit(1);
}
parentPort.on('message', (m) => {
  writer.post(m);
  if (m.type === 'close') setImmediate(() => process.exit(0));
});
`;
}

interface Backend {
  post(msg: ToWriter): void;
  stop(): void;
  /** Ends the worker abruptly, as a crash would (tests). */
  kill?(): Promise<void>;
}

export interface FtsIndexOptions {
  /** the store file, or ':memory:' */
  storePath: string;
  log: Logger;
  /** Pending message ids after `afterId`, ascending (at most `limit`). */
  pendingAfter(afterId: number, limit: number): number[];
  /** The text of a message for the index; null when it no longer exists. */
  textOf(id: number): FtsText | null;
  /** Called with ids whose index entry is committed: their fts_pending rows may go. */
  onIndexed(ids: number[]): void;
  /** Force the worker off (tests) */
  inThread?: boolean;
  /** Most text in flight to the writer (default MAX_INFLIGHT_CHARS; tests use less) */
  maxInflightChars?: number;
  /** The writer runs on this thread from now on: the store checkpoints its WAL itself again. */
  onInThread?(): void;
}

export class FtsIndex {
  /** Connection to the index file for reads (and for writes when the writer runs on this thread). */
  readonly db: Database.Database;
  private backend: Backend | null = null;
  private readonly inflight = new Map<number, number>();
  private inflightChars = 0;
  /** Rows of fts_pending that may be neither in flight nor done: indexed from the raw message by pump(). */
  private backlogged: boolean;
  private cursor = 0;
  /** Indexed ids whose fts_pending rows are not deleted yet. */
  private readonly indexed = new Set<number>();
  private seq = 0;
  private readonly waiters = new Map<number, (ok: boolean) => void>();
  private failures = 0;
  private inThread: boolean;
  private closed = false;
  private pumping = false;
  private readonly maxInflight: number;

  constructor(private readonly opts: FtsIndexOptions, hasPending: boolean) {
    const memory = opts.storePath === ':memory:' || opts.storePath === '';
    this.inThread = memory || !!opts.inThread;
    this.db = new Database(memory ? ':memory:' : ftsPathFor(opts.storePath));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(FTS_SCHEMA_SQL);
    this.backlogged = hasPending;
    this.maxInflight = opts.maxInflightChars ?? MAX_INFLIGHT_CHARS;
    // what a crash left pending is indexed in the background (a short-lived open, a CLI command, closes first)
    if (hasPending) setImmediate(() => this.pump());
  }

  /** Ids that have an entry in the index (for the consistency check at open). */
  indexedIds(): number[] {
    return this.db.prepare<[], number>('SELECT id FROM messages_fts_docsize ORDER BY id').pluck().all();
  }

  /**
   * Hands the text of newly committed messages to the writer; past MAX_INFLIGHT_CHARS they wait
   * in fts_pending unless `force` (a bulk load that waits for the writer before its next batch).
   */
  enqueue(jobs: FtsJob[], force = false): void {
    if (this.closed || !jobs.length) return;
    const send: FtsJob[] = [];
    for (const j of jobs) {
      const chars = j.body.length + j.subject.length + j.sender.length + j.recipients.length;
      if (!force && (this.backlogged || this.inflightChars + chars > this.maxInflight)) {
        // left in fts_pending; pump() reads it again from the raw message when there is room
        this.backlogged = true;
        if (j.id <= this.cursor) this.cursor = 0; // a reused id below the scan position
        continue;
      }
      this.inflight.set(j.id, chars);
      this.inflightChars += chars;
      send.push(j);
    }
    if (send.length) this.post({ type: 'index', jobs: send });
  }

  /** Entries of messages that are gone (expunged, their mailbox or user deleted). */
  remove(ids: number[]): void {
    if (this.closed || !ids.length) return;
    for (const id of ids) this.indexed.delete(id);
    this.post({ type: 'delete', ids });
  }

  /** Messages were added to fts_pending without their text (copies): pump() picks them up. */
  markBacklog(): void {
    this.backlogged = true;
    this.cursor = 0;
    queueMicrotask(() => this.pump());
  }

  /** The fts_pending rows of these ids were deleted. */
  forget(ids: number[]): void {
    for (const id of ids) this.indexed.delete(id);
    if (this.backlogged && this.inflight.size === 0) setImmediate(() => this.pump());
  }

  /** Terminates the worker as a crash would; the index must recover by itself (tests). */
  async killWorker(): Promise<boolean> {
    if (!this.backend?.kill) return false;
    await this.backend.kill();
    return true;
  }

  /** True while the store's WAL checkpoints are left to the worker (checkpoint()). */
  get checkpointsOffThread(): boolean {
    return !this.inThread;
  }

  /**
   * A PASSIVE checkpoint of the store's WAL on the worker. The store turns its automatic
   * checkpoints off while the worker runs: a checkpoint copies the WAL into the database file and
   * fsyncs both, tens of milliseconds for a few MB of 100 KB messages, which blocked deliveries
   * on the main thread. PASSIVE never waits for the store's writer.
   */
  checkpoint(): void {
    if (!this.inThread && !this.closed) this.post({ type: 'checkpoint' });
  }

  get busy(): boolean {
    return this.backlogged || this.inflight.size > 0;
  }

  /** Resolves once every message pending at the call is in the index. */
  async sync(): Promise<void> {
    while (!this.closed && this.busy) {
      this.pump(true);
      // everything pending is in flight now, unless more than MAX_INFLIGHT_CHARS waits
      const complete = !this.backlogged;
      const ok = await this.marker(); // the writer answers after it committed what was sent before
      if (ok && complete) return;
      if (!ok && this.failures > MAX_RESTARTS + 2) throw new Error('The full-text index is not available');
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.values()) w(false);
    this.waiters.clear();
    this.backend?.stop();
    this.backend = null;
    if (this.db.open) this.db.close();
  }

  /** Reads pending rows that are not in flight from the raw messages and hands them over. */
  private pump(force = false): void {
    if (this.pumping || this.closed || !this.backlogged) return;
    this.pumping = true;
    try {
      const limit = force ? 256 : 64;
      while (this.backlogged && this.inflightChars < this.maxInflight) {
        const ids = this.opts.pendingAfter(this.cursor, limit);
        const jobs: FtsJob[] = [];
        let full = false;
        for (const id of ids) {
          if (this.inflightChars >= this.maxInflight) { full = true; break; }
          this.cursor = id;
          if (this.inflight.has(id) || this.indexed.has(id)) continue;
          const text = this.opts.textOf(id);
          if (!text) continue;
          const chars = text.body.length + text.subject.length + text.sender.length + text.recipients.length;
          this.inflight.set(id, chars);
          this.inflightChars += chars;
          jobs.push({ id, ...text });
        }
        if (jobs.length) this.post({ type: 'index', jobs });
        if (!full && ids.length < limit) {
          // read to the end of fts_pending: everything is in flight or indexed
          this.backlogged = false;
          this.cursor = 0;
        }
        // without force: one batch handed over is enough, its 'done' pumps again (rows that were
        // all in flight or already indexed hand over nothing, so read on)
        if (!force && jobs.length) break;
      }
    } catch (err) {
      this.opts.log.error({ err }, 'full-text index: reading pending messages failed');
    } finally {
      this.pumping = false;
    }
  }

  private marker(): Promise<boolean> {
    const seq = ++this.seq;
    return new Promise<boolean>((resolve) => {
      this.waiters.set(seq, resolve);
      this.post({ type: 'sync', seq });
    });
  }

  private post(msg: ToWriter): void {
    if (this.closed) return;
    if (!this.backend) this.backend = this.start();
    this.backend.post(msg);
  }

  private onReply(msg: FromWriter): void {
    if (this.closed) return;
    if (msg.type === 'done') {
      this.failures = 0;
      for (const id of msg.ids) {
        const chars = this.inflight.get(id);
        if (chars !== undefined) {
          this.inflight.delete(id);
          this.inflightChars -= chars;
        }
        this.indexed.add(id);
      }
      this.opts.onIndexed(msg.ids);
      // the backlog is read again from the raw messages (a parse on this thread) only when the
      // worker is about to run out of work, not while it still has plenty during a burst
      if (this.backlogged && this.inflightChars < this.maxInflight / 4) this.pump();
    } else if (msg.type === 'synced') {
      const w = this.waiters.get(msg.seq);
      this.waiters.delete(msg.seq);
      w?.(true);
    } else {
      this.opts.log.error({ error: msg.message }, 'full-text index writer failed');
    }
  }

  /** The writer ended without being asked: what it held goes back to fts_pending's backlog. */
  private onWriterLost(reason: unknown): void {
    if (this.closed) return;
    this.backend = null;
    this.failures++;
    this.opts.log.error({ err: reason, failures: this.failures }, 'full-text index worker stopped; indexing resumes from fts_pending');
    if (this.failures >= MAX_RESTARTS && !this.inThread) {
      this.opts.log.warn('full-text index: writing it on the main thread from now on');
      this.inThread = true;
      this.opts.onInThread?.();
    }
    this.inflight.clear();
    this.inflightChars = 0;
    this.backlogged = true;
    this.cursor = 0;
    const waiting = [...this.waiters.values()];
    this.waiters.clear();
    for (const w of waiting) w(false);
    // restart at once only when someone waits; otherwise on the next job
    setImmediate(() => this.pump());
  }

  private start(): Backend {
    if (this.inThread) {
      const writer = ftsWriter(Database, '', FTS_SCHEMA_SQL, WRITER_BATCH, (m) => {
        if (m.type === 'error') {
          this.opts.log.error({ error: m.message }, 'full-text indexing failed');
          // rebuild the writer on the next job; the failed jobs are still in fts_pending
          queueMicrotask(() => this.onWriterLost(new Error(m.message)));
          return;
        }
        this.onReply(m);
      }, this.db);
      return { post: (m) => writer.post(m), stop: () => writer.post({ type: 'close' }) };
    }
    const require = createRequire(import.meta.url);
    const signal = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(workerSource(), {
      eval: true,
      workerData: { signal: signal.buffer, betterSqlite3: require.resolve('better-sqlite3'), file: ftsPathFor(this.opts.storePath), schema: FTS_SCHEMA_SQL, batch: WRITER_BATCH, storeFile: this.opts.storePath, nice: WORKER_NICE },
    });
    worker.unref();
    let gone = false;
    worker.on('message', (m: FromWriter) => this.onReply(m));
    worker.on('error', (err) => {
      if (gone) return;
      gone = true;
      this.onWriterLost(err);
    });
    worker.on('exit', (code) => {
      if (gone) return;
      gone = true;
      this.onWriterLost(new Error(`worker exited with code ${code}`));
    });
    return {
      post: (m) => worker.postMessage(m),
      kill: async () => {
        await worker.terminate();
      },
      stop: () => {
        gone = true;
        // the worker stops after the entry it is writing and closes its databases; waiting for
        // that (at most CLOSE_WAIT_MS) means nothing touches the files once store.close() returned
        Atomics.store(signal, 0, 1);
        worker.postMessage({ type: 'close' });
        Atomics.wait(signal, 1, 0, CLOSE_WAIT_MS);
      },
    };
  }
}
