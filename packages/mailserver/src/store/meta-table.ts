/**
 * The metadata of every message of recently used mailboxes (UID, modseq, flags, INTERNALDATE, size),
 * kept in memory in UID order, the way Dovecot keeps its index file mapped. Flag syncs
 * (`UID FETCH 1:* (UID FLAGS)`), SELECT's UID list and SORT ARRIVAL read it instead of scanning
 * 100,000 index rows through SQLite each time.
 *
 * Validity: a table belongs to one (mailbox id, UIDVALIDITY) and is current while the mailbox's
 * HIGHESTMODSEQ is unchanged: every change of a message list bumps it (a new message or a flag
 * change sets the message's modseq to the new value; an expunge or a move away leaves a tombstone
 * in `expunged` with the new value). When it moved on, the table is brought up to date from the
 * rows with a greater modseq and the tombstones after it (the same data QRESYNC answers from);
 * the result must have the mailbox's message count (kept by triggers), otherwise, and whenever
 * something does not fit, the table is read again in full. Callers run `get` inside one read
 * transaction with the mailbox row they pass.
 */
import type Database from 'better-sqlite3';
import type { MetaSnapshot } from './types.js';

export interface MetaTableBox {
  id: number;
  uidvalidity: number;
  highestmodseq: number;
  msg_count: number;
}

interface Table {
  uidvalidity: number;
  highestmodseq: number;
  uids: number[];
  modseqs: number[];
  flags: string[];
  internaldates: number[];
  sizes: number[];
  arrivalInUidOrder: boolean;
}

type Row = [uid: number, modseq: number, flags: string, internaldate: number, size: number];

/** Changes above this many rows are read as a whole table again. */
const INCREMENTAL_MAX_ROWS = 20_000;
const INTERN_MAX = 10_000;

function inDateOrder(dates: number[]): boolean {
  for (let i = 1; i < dates.length; i++) if (dates[i]! < dates[i - 1]!) return false;
  return true;
}

function indexOfUid(uids: number[], uid: number): number {
  let lo = 0;
  let hi = uids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = uids[mid]!;
    if (v === uid) return mid;
    if (v < uid) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function createMetaTables(db: Database.Database, maxMailboxes: number) {
  const all = db.prepare<[number], Row>('SELECT uid, modseq, flags, internaldate, size FROM messages INDEXED BY messages_meta WHERE mailbox_id = ? ORDER BY uid').raw();
  const changed = db.prepare<[number, number], Row>('SELECT uid, modseq, flags, internaldate, size FROM messages INDEXED BY messages_mailbox_modseq WHERE mailbox_id = ? AND modseq > ? ORDER BY uid').raw();
  const gone = db.prepare<[number, number], number>('SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ?').pluck();
  const tables = new Map<number, Table>();
  // the same few flag combinations repeat over a mailbox: keep one string of each
  const interned = new Map<string, string>();
  const intern = (s: string): string => {
    const hit = interned.get(s);
    if (hit !== undefined) return hit;
    if (interned.size >= INTERN_MAX) interned.clear();
    interned.set(s, s);
    return s;
  };

  function load(box: MetaTableBox): Table {
    const rows = all.all(box.id);
    const n = rows.length;
    // filled with push: `new Array(n)` of 100,000 would be a holey (or dictionary-mode) array, slow to read and to copy
    const t: Table = { uidvalidity: box.uidvalidity, highestmodseq: box.highestmodseq, uids: [], modseqs: [], flags: [], internaldates: [], sizes: [], arrivalInUidOrder: true };
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      t.uids.push(r[0]);
      t.modseqs.push(r[1]);
      t.flags.push(intern(r[2]));
      t.internaldates.push(r[3]);
      t.sizes.push(r[4]);
    }
    t.arrivalInUidOrder = inDateOrder(t.internaldates);
    return t;
  }

  /** Applies the changes after t.highestmodseq; false when they do not fit (the caller reloads). */
  function update(t: Table, box: MetaTableBox): boolean {
    const removed = gone.all(box.id, t.highestmodseq);
    const rows = changed.all(box.id, t.highestmodseq);
    if (rows.length > INCREMENTAL_MAX_ROWS) return false;
    if (removed.length) {
      const drop = new Set(removed);
      // new arrays: a snapshot handed out before stays as it was
      const keep: number[] = [];
      for (let i = 0; i < t.uids.length; i++) if (!drop.has(t.uids[i]!)) keep.push(i);
      t.uids = keep.map((i) => t.uids[i]!);
      t.modseqs = keep.map((i) => t.modseqs[i]!);
      t.flags = keep.map((i) => t.flags[i]!);
      t.internaldates = keep.map((i) => t.internaldates[i]!);
      t.sizes = keep.map((i) => t.sizes[i]!);
      if (!t.arrivalInUidOrder) t.arrivalInUidOrder = inDateOrder(t.internaldates);
    }
    for (const [uid, modseq, flags, internaldate, size] of rows) {
      const last = t.uids.length ? t.uids[t.uids.length - 1]! : 0;
      if (uid > last) {
        if (t.uids.length && internaldate < t.internaldates[t.internaldates.length - 1]!) t.arrivalInUidOrder = false;
        t.uids.push(uid);
        t.modseqs.push(modseq);
        t.flags.push(intern(flags));
        t.internaldates.push(internaldate);
        t.sizes.push(size);
        continue;
      }
      const i = indexOfUid(t.uids, uid);
      if (i < 0) return false; // UIDs only grow: an unknown old UID means the table missed something
      t.modseqs[i] = modseq;
      t.flags[i] = intern(flags);
    }
    t.highestmodseq = box.highestmodseq;
    return t.uids.length === box.msg_count;
  }

  const snapshot = (t: Table): MetaSnapshot => ({ uids: t.uids, modseqs: t.modseqs, flags: t.flags, internaldates: t.internaldates, sizes: t.sizes, arrivalInUidOrder: t.arrivalInUidOrder, highestmodseq: t.highestmodseq });

  return {
    /** The table when it is current for this mailbox row (nothing to read), else null. */
    current(box: MetaTableBox): MetaSnapshot | null {
      const t = tables.get(box.id);
      return t && t.uidvalidity === box.uidvalidity && t.highestmodseq === box.highestmodseq ? snapshot(t) : null;
    },
    /** The current table of a mailbox; run inside the read transaction that read `box`. */
    get(box: MetaTableBox): MetaSnapshot {
      let t = tables.get(box.id);
      if (t && t.uidvalidity === box.uidvalidity) {
        if (t.highestmodseq !== box.highestmodseq && !update(t, box)) t = undefined;
      } else t = undefined;
      if (!t) t = load(box);
      // most recently used last
      tables.delete(box.id);
      tables.set(box.id, t);
      if (tables.size > maxMailboxes) tables.delete(tables.keys().next().value!);
      return snapshot(t);
    },
    forget(mailboxId: number): void {
      tables.delete(mailboxId);
    },
  };
}
