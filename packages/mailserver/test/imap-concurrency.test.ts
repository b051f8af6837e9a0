import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { compose, connectClient, PASS, RawClient, startTestServer, USER, type TestServer } from './imap-helpers.js';

let srv: TestServer;
const clients: ImapFlow[] = [];

beforeAll(async () => {
  srv = await startTestServer();
  for (let i = 1; i <= 3; i++) await srv.store.deliver(USER, await compose({ from: 'x@example.org', to: USER, subject: `m${i}`, text: `body ${i}` }));
});

afterAll(async () => {
  for (const c of clients) await c.logout().catch(() => undefined);
  await srv?.close();
});

function waitFor<T>(emitter: ImapFlow, event: string, pred: (v: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for ${event}`)), 10_000);
    const on = (v: T) => {
      if (!pred(v)) return;
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(v);
    };
    emitter.on(event, on);
  });
}

describe('IMAP sessions see each other\'s changes', () => {
  it('an idling session receives EXISTS right after deliver()', async () => {
    const watcher = await connectClient(srv.port);
    clients.push(watcher);
    await watcher.mailboxOpen('INBOX');
    expect(watcher.mailbox && watcher.mailbox.exists).toBe(3);
    const idle = watcher.idle();
    await new Promise((r) => setTimeout(r, 50)); // let IDLE start
    const exists = waitFor<{ count: number; prevCount: number }>(watcher, 'exists');
    await srv.store.deliver(USER, await compose({ from: 'y@example.org', to: USER, subject: 'new one', text: 'hi' }));
    const ev = await exists;
    expect(ev.count).toBe(4);
    expect(ev.prevCount).toBe(3);
    await watcher.noop(); // ends IDLE
    await idle;
  });

  it('another session sees EXPUNGE and flag changes', async () => {
    const a = await connectClient(srv.port);
    const b = await connectClient(srv.port);
    clients.push(a, b);
    await a.mailboxOpen('INBOX');
    await b.mailboxOpen('INBOX');
    const flagsEv = waitFor<{ uid?: number; flags: Set<string> }>(b, 'flags');
    await a.messageFlagsAdd('2', ['\\Flagged'], { uid: true });
    await b.noop();
    const f = await flagsEv;
    expect(f.uid).toBe(2);
    expect(f.flags.has('\\Flagged')).toBe(true);

    const expungeEv = waitFor<{ seq: number }>(b, 'expunge');
    await a.messageDelete('2', { uid: true });
    expect(a.mailbox && a.mailbox.exists).toBe(3);
    await b.noop();
    expect((await expungeEv).seq).toBe(2);
    expect(b.mailbox && b.mailbox.exists).toBe(3);
    expect(await b.search({ all: true }, { uid: true })).toEqual([1, 3, 4]);
  });

  it('holds EXPUNGE back during FETCH but delivers it on NOOP', async () => {
    const a = new RawClient();
    const b = new RawClient();
    await a.connect(srv.port);
    await b.connect(srv.port);
    try {
      await a.command('a1', `LOGIN ${USER} "correct horse battery staple"`);
      await b.command('b1', `LOGIN ${USER} "correct horse battery staple"`);
      await a.command('a2', 'SELECT INBOX');
      const sel = await b.command('b2', 'SELECT INBOX');
      expect(sel).toMatch(/^\* 3 EXISTS/m);
      await a.command('a3', 'UID STORE 1 +FLAGS.SILENT (\\Deleted)');
      const exp = await a.command('a4', 'EXPUNGE');
      expect(exp).toMatch(/^\* 1 EXPUNGE\r\n/m);
      // b addresses by sequence number: no EXPUNGE may arrive with FETCH
      const fetched = await b.command('b3', 'FETCH 1:* (UID)');
      expect(fetched).not.toMatch(/EXPUNGE/);
      expect(fetched).toMatch(/^\* 2 FETCH \(UID 3\)/m);
      const noop = await b.command('b4', 'NOOP');
      expect(noop).toMatch(/^\* 1 EXPUNGE\r\n/m);
      const after = await b.command('b5', 'FETCH 1:* (UID)');
      expect(after).toMatch(/^\* 1 FETCH \(UID 3\)/m);
      expect(after).toMatch(/^\* 2 FETCH \(UID 4\)/m);
      // UID commands may carry the EXPUNGE (RFC 3501 7.4.1)
      await a.command('a5', 'UID STORE 3 +FLAGS.SILENT (\\Deleted)');
      await a.command('a6', 'UID EXPUNGE 3');
      const byUid = await b.command('b6', 'UID FETCH 1:* (FLAGS)');
      expect(byUid).toMatch(/^\* 1 EXPUNGE\r\n/m);
    } finally {
      a.close();
      b.close();
    }
  });

  it('resynchronises with QRESYNC: VANISHED (EARLIER), changed flags, VANISHED for live expunges', async () => {
    const a = new RawClient();
    const b = new RawClient();
    await a.connect(srv.port);
    await b.connect(srv.port);
    try {
      for (const c of [a, b]) await c.command('l', `LOGIN ${USER} "correct horse battery staple"`);
      for (let i = 0; i < 3; i++) await srv.store.deliver(USER, await compose({ from: 'q@example.org', to: USER, subject: `q${i}`, text: 'q' }), { mailbox: 'Archive' });
      expect(await a.command('e', 'ENABLE QRESYNC')).toContain('* ENABLED QRESYNC');
      let r = await a.command('s1', 'SELECT Archive');
      const uv = Number(/UIDVALIDITY (\d+)/.exec(r)![1]);
      const ms = Number(/HIGHESTMODSEQ (\d+)/.exec(r)![1]);
      const uids = (await b.command('bs', 'EXAMINE Archive')) && (await b.command('bu', 'UID SEARCH ALL'));
      const [u1, u2, u3] = /\* SEARCH ([\d ]+)/.exec(uids)![1]!.split(' ').map(Number);
      await a.command('u', 'UNSELECT');
      // changes made while "offline"
      await b.command('bx', 'UNSELECT');
      await b.command('bsel', 'SELECT Archive');
      await b.command('b1', `UID STORE ${u1} +FLAGS.SILENT (\\Flagged)`);
      await b.command('b2', `UID STORE ${u2} +FLAGS.SILENT (\\Deleted)`);
      await b.command('b3', 'EXPUNGE');
      r = await a.command('s2', `SELECT Archive (QRESYNC (${uv} ${ms}))`);
      expect(r).toContain(`* VANISHED (EARLIER) ${u2}\r\n`);
      expect(r).toMatch(new RegExp(`^\\* 1 FETCH \\(UID ${u1} FLAGS \\(\\\\Flagged[^)]*\\) MODSEQ \\(\\d+\\)\\)`, 'm'));
      expect(r).not.toContain(`UID ${u3} FLAGS`);
      r = await a.command('f', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${ms} VANISHED)`);
      expect(r).toContain(`* VANISHED (EARLIER) ${u2}\r\n`);
      // live expunge by another session arrives as VANISHED
      await b.command('b4', `UID STORE ${u3} +FLAGS.SILENT (\\Deleted)`);
      await b.command('b5', 'EXPUNGE');
      r = await a.command('n', 'NOOP');
      expect(r).toContain(`* VANISHED ${u3}\r\n`);
      expect(r).not.toContain('EXPUNGE');
      // and SELECTing another mailbox reports [CLOSED]
      expect(await a.command('s3', 'SELECT INBOX')).toContain('* OK [CLOSED]');
    } finally {
      a.close();
      b.close();
    }
  });

  it('works with imapflow in QRESYNC mode', async () => {
    const q = new ImapFlow({ host: '127.0.0.1', port: srv.port, secure: false, auth: { user: USER, pass: PASS }, logger: false, qresync: true, disableAutoIdle: true });
    clients.push(q);
    await q.connect();
    expect(q.enabled.has('QRESYNC')).toBe(true);
    await q.mailboxOpen('INBOX');
    const other = await connectClient(srv.port);
    clients.push(other);
    await other.mailboxOpen('INBOX');
    const uids = (await other.search({ all: true }, { uid: true })) || [];
    const victim = uids[uids.length - 1]!;
    const gone = waitFor<{ uid?: number; vanished?: boolean }>(q, 'expunge');
    await other.messageDelete(String(victim), { uid: true });
    await q.noop();
    const ev = await gone;
    expect(ev.vanished).toBe(true);
    expect(ev.uid).toBe(victim);
  });

  it('wakes an IDLE in the raw protocol and ends it with DONE', async () => {
    const c = new RawClient();
    await c.connect(srv.port);
    try {
      await c.command('c1', `LOGIN ${USER} "correct horse battery staple"`);
      await c.command('c2', 'SELECT INBOX');
      c.write('c3 IDLE\r\n');
      await c.readUntil(/^\+ .*\r\n/m);
      await srv.store.deliver(USER, await compose({ from: 'z@example.org', to: USER, subject: 'wake', text: 'up' }));
      await c.readUntil(/^\* \d+ EXISTS\r\n/m);
      c.write('DONE\r\n');
      await c.readUntil(/^c3 OK/m);
    } finally {
      c.close();
    }
  });
});
