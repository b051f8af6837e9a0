// The store survives SIGKILL at any moment: nothing acknowledged is lost, nothing half-written is
// visible, UIDs are never reused and UIDVALIDITY does not change.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/index.js';
import { ftsPathFor } from '../src/store/fts-index.js';

const CHILD = fileURLToPath(new URL('./fixtures/store-crash-child.ts', import.meta.url));
const CRASH_USER = 'crash@example.test';
const WORK_FLAGS = ['\\Flagged', '$Crash'];
const ITERATIONS = 30;
const MAILBOXES = ['INBOX', 'Work'] as const;
type Box = (typeof MAILBOXES)[number];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-crash-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const dbFile = path.join(tmp, 'mail.sqlite');

type Line =
  | { t: 'ready' }
  | { t: 'begin'; op: 'deliver'; mailbox: Box; msgs: Array<{ id: string; sha: string; size: number }> }
  | { t: 'begin'; op: 'flags'; mailbox: Box; uids: number[]; flags: string[] }
  | { t: 'begin'; op: 'expunge'; mailbox: Box; uids: number[] }
  | { t: 'ack'; uids?: number[] };
type Begin = Extract<Line, { t: 'begin' }>;

/** Runs the child until a random moment, kills it with SIGKILL and returns the complete lines it printed. */
async function runAndKill(iteration: number, rand: () => number): Promise<Line[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dbFile, String(iteration + 1)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const kill = () => { clearTimeout(timer); child.kill('SIGKILL'); };
  if (iteration % 5 === 4) {
    // sometimes during start-up (opening the store, recovery, schema)
    timer = setTimeout(kill, Math.floor(rand() * 700));
  } else {
    const afterReady = 10 + Math.floor(rand() * 250);
    const onData = () => {
      if (stdout.includes('"t":"ready"')) { child.stdout.off('data', onData); timer = setTimeout(kill, afterReady); }
    };
    child.stdout.on('data', onData);
    // a child that never becomes ready is killed anyway (and then reported below)
    timer = setTimeout(kill, 20_000);
  }
  await exited;
  clearTimeout(timer);
  if (child.signalCode !== 'SIGKILL') throw new Error(`child ended by itself (${child.exitCode}): ${stderr}`);
  const complete = stdout.slice(0, stdout.lastIndexOf('\n') + 1);
  return complete.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
}

interface KnownMessage { sha: string; size: number; mailbox: Box; committed: boolean; uid?: number; expunged: boolean }

describe('store crash safety', () => {
  it(`keeps every acknowledged write and no partial one across ${ITERATIONS} SIGKILLs`, async () => {
    let seed = 12345;
    const rand = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    const known = new Map<string, KnownMessage>(); // by X-Crash-Id
    const flagsOf = new Map<string, string[]>(); // `${mailbox}:${uid}` → flags the store must show
    const uidvalidity = new Map<Box, number>();
    const uidnextSeen = new Map<Box, number>();
    let acked = 0;

    for (let it = 0; it < ITERATIONS; it++) {
      const lines = await runAndKill(it, rand);
      // replay the acknowledged operations into the model; the last begin without ack is pending
      let pending: Begin | null = null;
      const ackedUids = new Map<Box, number[]>();
      for (const line of lines) {
        if (line.t === 'begin') { pending = line; continue; }
        if (line.t !== 'ack' || !pending) continue;
        const op: Begin = pending;
        pending = null;
        acked++;
        if (op.op === 'deliver') {
          op.msgs.forEach((m, i) => {
            const uid = line.uids?.[i];
            known.set(m.id, { ...m, mailbox: op.mailbox, committed: true, uid, expunged: false });
            if (uid !== undefined) {
              flagsOf.set(`${op.mailbox}:${uid}`, op.mailbox === 'Work' ? WORK_FLAGS : []);
              ackedUids.set(op.mailbox, [...(ackedUids.get(op.mailbox) ?? []), uid]);
            }
          });
        } else if (op.op === 'flags') {
          for (const uid of op.uids) flagsOf.set(`${op.mailbox}:${uid}`, op.flags);
        } else {
          for (const k of known.values()) if (k.mailbox === op.mailbox && k.uid !== undefined && line.uids!.includes(k.uid)) k.expunged = true;
        }
      }
      if (pending?.op === 'deliver') for (const m of pending.msgs) if (!known.has(m.id)) known.set(m.id, { ...m, mailbox: pending.mailbox, committed: false, expunged: false });

      // ---- reopen and check
      const store = openStore({ path: dbFile });
      let db: Database.Database | undefined;
      try {
        const user = store.findUser(CRASH_USER);
        if (!user) { expect(known.size).toBe(0); continue; }
        const present = new Map<string, { mailbox: Box; uid: number; flags: string[] }>();
        for (const name of MAILBOXES) {
          const box = await store.getMailbox(user.id, name);
          if (!box) { expect(name).toBe('Work'); continue; }
          // UIDVALIDITY is stable; UIDNEXT never goes back
          if (!uidvalidity.has(name)) uidvalidity.set(name, box.uidvalidity);
          expect(box.uidvalidity).toBe(uidvalidity.get(name));
          const before = uidnextSeen.get(name) ?? 1;
          expect(box.uidnext).toBeGreaterThanOrEqual(before);
          // UIDs handed out in this run are above every UID of earlier runs, and increase
          const fresh = ackedUids.get(name) ?? [];
          for (const [i, uid] of fresh.entries()) {
            expect(uid).toBeGreaterThanOrEqual(before);
            if (i > 0) expect(uid).toBeGreaterThan(fresh[i - 1]!);
          }
          uidnextSeen.set(name, box.uidnext);

          const uids = await store.listUids(box.id);
          for (const meta of await store.getMeta(box.id, uids)) {
            expect(meta.uid).toBeLessThan(box.uidnext);
            const raw = (await store.getRaw(box.id, meta.uid))!;
            expect(raw.length).toBe(meta.size);
            const id = /\r\nX-Crash-Id: (\S+)\r\n/.exec(raw.toString('latin1'))?.[1];
            expect(id, `message ${name}:${meta.uid} has no X-Crash-Id`).toBeDefined();
            const k = known.get(id!);
            expect(k, `unknown message ${id}`).toBeDefined();
            expect(present.has(id!), `message ${id} stored twice`).toBe(false);
            expect(k!.mailbox).toBe(name);
            expect(raw.length).toBe(k!.size);
            expect(createHash('sha256').update(raw).digest('hex')).toBe(k!.sha);
            if (k!.uid !== undefined) expect(meta.uid).toBe(k!.uid);
            expect(k!.expunged, `expunged message ${id} is back`).toBe(false);
            present.set(id!, { mailbox: name, uid: meta.uid, flags: meta.flags });
          }
        }

        // every acknowledged, not expunged message is there (unless a pending expunge took it)
        const pendingExpunge = pending?.op === 'expunge' ? pending : null;
        for (const [id, k] of known) {
          if (!k.committed || k.expunged) continue;
          const mayBeGone = pendingExpunge && pendingExpunge.mailbox === k.mailbox && k.uid !== undefined && pendingExpunge.uids.includes(k.uid);
          if (!mayBeGone) expect(present.has(id), `acknowledged message ${id} lost`).toBe(true);
        }

        // the pending operation took effect completely or not at all; the model follows the store
        if (pending?.op === 'deliver') {
          const there = pending.msgs.filter((m) => present.has(m.id)).length;
          expect([0, pending.msgs.length]).toContain(there);
          for (const m of pending.msgs) {
            const p = present.get(m.id);
            const k = known.get(m.id)!;
            if (p) { k.committed = true; k.uid = p.uid; flagsOf.set(`${p.mailbox}:${p.uid}`, pending.mailbox === 'Work' ? WORK_FLAGS : []); }
          }
        }
        if (pendingExpunge) {
          const uidsThere = new Set([...present.values()].filter((p) => p.mailbox === pendingExpunge.mailbox).map((p) => p.uid));
          const there = pendingExpunge.uids.filter((u) => uidsThere.has(u)).length;
          // only messages marked \Deleted are expunged; those are all of them here
          expect([0, pendingExpunge.uids.length]).toContain(there);
          for (const k of known.values()) if (k.mailbox === pendingExpunge.mailbox && k.uid !== undefined && !uidsThere.has(k.uid) && pendingExpunge.uids.includes(k.uid)) k.expunged = true;
        }
        if (pending?.op === 'flags') {
          const op = pending;
          const sameAs = (a: string[], b: string[]) => [...a].sort().join(' ') === [...b].sort().join(' ');
          const states = op.uids.map((uid) => {
            const p = [...present.values()].find((x) => x.mailbox === op.mailbox && x.uid === uid)!;
            return sameAs(p.flags, op.flags) ? 'new' : sameAs(p.flags, flagsOf.get(`${op.mailbox}:${uid}`) ?? []) ? 'old' : 'other';
          });
          expect(states).not.toContain('other');
          // a set that changes nothing for some UIDs can look old and new at once; otherwise all or nothing
          const changing = op.uids.filter((uid) => !sameAs(flagsOf.get(`${op.mailbox}:${uid}`) ?? [], op.flags));
          const applied = changing.filter((uid) => states[op.uids.indexOf(uid)] === 'new').length;
          expect([0, changing.length]).toContain(applied);
          if (applied) for (const uid of op.uids) flagsOf.set(`${op.mailbox}:${uid}`, op.flags);
        }

        // flags of every message are what was acknowledged
        for (const p of present.values()) {
          expect([...p.flags].sort(), `flags of ${p.mailbox}:${p.uid}`).toEqual([...(flagsOf.get(`${p.mailbox}:${p.uid}`) ?? [])].sort());
        }
        // a search waits for the full-text index (written by a worker into its own file) to catch up
        const inbox = (await store.getMailbox(user.id, 'INBOX'))!;
        await store.search(inbox.id, { type: 'body', value: 'no-such-text-anywhere' });
        store.close();

        // message rows, raw blobs and the full-text index agree
        db = new Database(dbFile);
        db.exec(`ATTACH DATABASE '${ftsPathFor(dbFile).replace(/'/g, "''")}' AS f`);
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const count = (sql: string) => (db!.prepare(sql).get() as { n: number }).n;
        const messages = count('SELECT count(*) AS n FROM messages');
        expect(messages).toBe(present.size);
        expect(count('SELECT count(*) AS n FROM blobs')).toBe(messages);
        expect(count('SELECT count(*) AS n FROM messages m JOIN blobs b ON b.message_id = m.id WHERE length(b.raw) = m.size')).toBe(messages);
        expect(count('SELECT count(*) AS n FROM f.messages_fts')).toBe(messages);
        expect(count('SELECT count(*) AS n FROM messages m JOIN f.messages_fts x ON x.rowid = m.id')).toBe(messages);
        expect(count("SELECT count(*) AS n FROM messages m JOIN f.messages_fts x ON x.rowid = m.id WHERE x.subject = m.subject")).toBe(messages);
      } finally {
        store.close();
        db?.close();
      }
    }

    // the runs did real work: many acknowledged operations, messages both kept and expunged
    expect(acked).toBeGreaterThan(ITERATIONS * 5);
    expect([...known.values()].filter((k) => k.committed && !k.expunged).length).toBeGreaterThan(50);
    expect([...known.values()].some((k) => k.expunged)).toBe(true);
  }, 180_000);
});
