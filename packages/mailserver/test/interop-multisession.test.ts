/**
 * Several sessions on one mailbox (RFC 3501 7.4.1 and 5.5): sequence numbers stay stable for a
 * session while it runs FETCH/STORE/SEARCH, EXPUNGEs from others arrive only when allowed, and flag
 * changes made elsewhere show up as untagged FETCH.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FuzzClient, type Outcome } from './support/fuzz-client.js';
import { composeMessage, SIMPLE_PASS, startInteropServer, type InteropServer } from './support/server.js';

const USER = 'multi@interop.test';
const COUNT = 300; // more than one FETCH batch
let srv: InteropServer;
let mailboxId: number;
const open: FuzzClient[] = [];

beforeAll(async () => {
  srv = await startInteropServer([{ email: USER, password: SIMPLE_PASS }]);
  const items = [];
  for (let i = 1; i <= COUNT; i++) items.push({ raw: await composeMessage({ from: 'm@example.org', to: USER, subject: `msg ${i}`, text: `number ${i}` }) });
  await srv.server.store.deliverMany(USER, items);
  const userId = srv.server.store.findUser(USER)!.id;
  mailboxId = (await srv.server.store.getMailbox(userId, 'INBOX'))!.id;
});

afterAll(async () => {
  for (const c of open) c.destroy();
  await srv?.close();
});

let tagNo = 0;
async function cmd(c: FuzzClient, text: string): Promise<Outcome & { kind: 'tagged' }> {
  const tag = `t${++tagNo}`;
  const o = await c.exchange(tag, [{ line: Buffer.from(`${tag} ${text}\r\n`) }]);
  if (o.kind !== 'tagged') throw new Error(`${text}: ${JSON.stringify(o)}`);
  return o;
}

async function session(select = 'SELECT INBOX'): Promise<FuzzClient> {
  const c = new FuzzClient();
  await c.connect(srv.port);
  open.push(c);
  expect((await cmd(c, `LOGIN ${USER} ${SIMPLE_PASS}`)).status).toBe('OK');
  expect((await cmd(c, select)).status).toBe('OK');
  return c;
}

/** Applies "* n EXPUNGE" and "* n EXISTS" lines to a client-side UID list, the way a client must. */
function applyUntagged(view: number[], lines: string[]): void {
  for (const l of lines) {
    const m = /^\* (\d+) EXPUNGE$/.exec(l);
    if (m) view.splice(Number(m[1]) - 1, 1);
  }
}

const fetchUids = (lines: string[]) => lines.flatMap((l) => {
  const m = /^\* (\d+) FETCH \(.*UID (\d+)/.exec(l);
  return m ? [[Number(m[1]), Number(m[2])] as [number, number]] : [];
});

async function setDeleted(uids: number[]) {
  await srv.server.store.storeFlags(mailboxId, uids, 'add', ['\\Deleted']);
}

beforeEach(() => {
  tagNo = 0;
});

describe('two sessions on one mailbox', () => {
  it('keeps sequence numbers stable during FETCH, STORE and SEARCH and reports EXPUNGE on NOOP', async () => {
    const a = await session();
    const b = await session();
    const before = await srv.server.store.listUids(mailboxId);
    const view = [...before];

    // a expunges three messages (first, one in the middle, last)
    const victims = [before[0]!, before[150]!, before[before.length - 1]!];
    await cmd(a, `UID STORE ${victims.join(',')} +FLAGS.SILENT (\\Deleted)`);
    const exp = await cmd(a, 'EXPUNGE');
    expect(exp.lines.filter((l) => l.endsWith(' EXPUNGE'))).toHaveLength(3);

    // b still addresses by its old sequence numbers: FETCH, STORE and SEARCH carry no EXPUNGE
    const f = await cmd(b, 'FETCH 1:* (UID FLAGS)');
    expect(f.lines.some((l) => / EXPUNGE$/.test(l))).toBe(false);
    for (const [seq, uid] of fetchUids(f.lines)) expect(uid).toBe(view[seq - 1]);
    const s = await cmd(b, 'STORE 2 +FLAGS (\\Flagged)');
    expect(s.lines.some((l) => / EXPUNGE$/.test(l))).toBe(false);
    expect(s.lines).toContainEqual(expect.stringMatching(/^\* 2 FETCH \(FLAGS \(\\Flagged( \\Recent)?\)\)$/));
    const search = await cmd(b, 'SEARCH FLAGGED');
    expect(search.lines.some((l) => / EXPUNGE$/.test(l))).toBe(false);
    expect(search.lines).toContain('* SEARCH 2');
    // the message b flagged is the one it meant
    expect((await srv.server.store.getMeta(mailboxId, [view[1]!]))[0]!.flags).toContain('\\Flagged');

    // NOOP delivers the expunges; after applying them b agrees with the server
    const noop = await cmd(b, 'NOOP');
    expect(noop.lines.filter((l) => / EXPUNGE$/.test(l))).toHaveLength(3);
    applyUntagged(view, noop.lines);
    expect(view).toEqual(await srv.server.store.listUids(mailboxId));
    const f2 = await cmd(b, 'UID SEARCH ALL');
    expect(f2.lines).toContain(`* SEARCH ${view.join(' ')}`);
    a.destroy();
    b.destroy();
  });

  it('does not send EXPUNGE while a long FETCH by sequence number is running', async () => {
    const a = await session();
    const b = await session();
    const view = await srv.server.store.listUids(mailboxId);
    // b starts a FETCH across several batches; a expunges while it runs
    const tagB = 'big';
    const fetching = b.exchange(tagB, [{ line: Buffer.from(`${tagB} FETCH 1:* (UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n`) }]);
    const victims = view.filter((_, i) => i % 7 === 3);
    await setDeleted(victims);
    await cmd(a, 'EXPUNGE');
    const out = await fetching;
    expect(out).toMatchObject({ kind: 'tagged', status: 'OK' });
    expect(out.lines.some((l) => / EXPUNGE$/.test(l))).toBe(false);
    const pairs = fetchUids(out.lines);
    expect(pairs.length).toBeGreaterThan(view.length - victims.length - 1);
    for (const [seq, uid] of pairs) expect(uid).toBe(view[seq - 1]);

    const noop = await cmd(b, 'NOOP');
    applyUntagged(view, noop.lines);
    expect(view).toEqual(await srv.server.store.listUids(mailboxId));
    a.destroy();
    b.destroy();
  });

  it('shows flag changes from another session as untagged FETCH, at once during IDLE', async () => {
    const a = await session();
    const b = await session();
    const uids = await srv.server.store.listUids(mailboxId);
    const target = uids[4]!;
    await cmd(a, `UID STORE ${target} +FLAGS (\\Answered)`);
    const noop = await cmd(b, 'NOOP');
    expect(noop.lines).toContainEqual(expect.stringMatching(new RegExp(`^\\* 5 FETCH \\(UID ${target} FLAGS \\(.*\\\\Answered.*\\)\\)$`)));

    // b idles; a's change arrives without b asking
    b.write('idle1 IDLE\r\n');
    expect((await b.readUntil(/^\+ /)).match).not.toBeNull();
    await cmd(a, `UID STORE ${target} -FLAGS (\\Answered)`);
    const pushed = await b.readUntil(/^\* \d+ FETCH /);
    expect(pushed.match).toMatch(new RegExp(`^\\* 5 FETCH \\(UID ${target} FLAGS \\((?!.*Answered).*\\)\\)$`));
    b.write('DONE\r\n');
    expect((await b.readUntil(/^idle1 /)).match).toMatch(/^idle1 OK/);
    a.destroy();
    b.destroy();
  });

  it('never announces a message that was appended and expunged before the session looked', async () => {
    const a = await session();
    const b = await session();
    const view = await srv.server.store.listUids(mailboxId);
    const raw = await composeMessage({ from: 'ghost@example.org', to: USER, subject: 'ghost', text: 'boo' });
    const app = await a.exchange('ap', [{ line: Buffer.from(`ap APPEND INBOX (\\Deleted) {${raw.length}+}\r\n`) }, { literal: raw }, { line: Buffer.from('\r\n') }]);
    expect(app).toMatchObject({ kind: 'tagged', status: 'OK' });
    await cmd(a, 'EXPUNGE');
    const noop = await cmd(b, 'NOOP');
    applyUntagged(view, noop.lines);
    const exists = noop.lines.map((l) => /^\* (\d+) EXISTS$/.exec(l)).filter(Boolean).map((m) => Number(m![1]));
    const count = exists.length ? exists[exists.length - 1]! : view.length;
    const server = await srv.server.store.listUids(mailboxId);
    expect(count).toBe(server.length);
    const all = await cmd(b, 'UID SEARCH ALL');
    expect(all.lines).toContain(`* SEARCH ${server.join(' ')}`);
    const f = await cmd(b, `FETCH ${server.length}:* (UID)`);
    expect(fetchUids(f.lines)).toEqual([[server.length, server[server.length - 1]]]);
    a.destroy();
    b.destroy();
  });

  it('does not announce a message that its own EXPUNGE removed before the session saw it', async () => {
    const a = await session();
    const b = await session();
    const raw = await composeMessage({ from: 'ghost@example.org', to: USER, subject: 'ghost 2', text: 'boo' });
    const app = await a.exchange('ap', [{ line: Buffer.from(`ap APPEND INBOX (\\Deleted) {${raw.length}+}\r\n`) }, { literal: raw }, { line: Buffer.from('\r\n') }]);
    expect(app).toMatchObject({ kind: 'tagged', status: 'OK' });
    // b's EXPUNGE removes the \Deleted message it was never told about
    const exp = await cmd(b, 'EXPUNGE');
    expect(exp.lines.filter((l) => / (EXPUNGE|EXISTS)$/.test(l))).toEqual([]);
    const server = await srv.server.store.listUids(mailboxId);
    const noop = await cmd(b, 'NOOP');
    expect(noop.lines.filter((l) => / (EXPUNGE|EXISTS)$/.test(l))).toEqual([]);
    const all = await cmd(b, 'UID SEARCH ALL');
    expect(all.lines).toContain(`* SEARCH ${server.join(' ')}`);
    a.destroy();
    b.destroy();
  });

  it('tells the session that renames its selected INBOX that the messages left', async () => {
    const other = 'renamer@interop.test';
    srv.server.store.createUser(other, SIMPLE_PASS);
    for (let i = 1; i <= 3; i++) await srv.server.store.deliver(other, await composeMessage({ from: 'r@example.org', to: other, subject: `r${i}`, text: 'x' }));
    const c = new FuzzClient();
    await c.connect(srv.port);
    open.push(c);
    expect((await cmd(c, `LOGIN ${other} ${SIMPLE_PASS}`)).status).toBe('OK');
    expect((await cmd(c, 'SELECT INBOX')).lines).toContain('* 3 EXISTS');
    const r = await cmd(c, 'RENAME INBOX Old');
    expect(r.status).toBe('OK');
    const noop = await cmd(c, 'NOOP');
    expect([...r.lines, ...noop.lines].filter((l) => / EXPUNGE$/.test(l))).toEqual(['* 3 EXPUNGE', '* 2 EXPUNGE', '* 1 EXPUNGE']);
    expect((await cmd(c, 'SEARCH ALL')).lines).toContain('* SEARCH');
    expect((await cmd(c, 'STATUS Old (MESSAGES)')).lines).toContain('* STATUS Old (MESSAGES 3)');
    c.destroy();
  });
});
