/**
 * Hostile input against the real IMAP server (startMailServer in this process): a few thousand
 * random and malformed commands from a seeded PRNG over several connections, then checks that the
 * server still serves, the store is intact and nothing threw in the process.
 */
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prng } from '../src/seed/prng.js';
import { FuzzClient, type Outcome, type Segment } from './support/fuzz-client.js';
import { composeMessage, SIMPLE_PASS, startInteropServer, type InteropServer } from './support/server.js';

const FUZZ_USER = 'fuzz@interop.test';
const KEEP_USER = 'keeper@interop.test';
const SEEDS = [0xf00d, 0xbeef, 0x5eed];
const COMMANDS_PER_WORKER = Number(process.env.FUZZ_COMMANDS ?? 1000);
const DEBUG = !!process.env.FUZZ_DEBUG;

const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);

let srv: InteropServer;
let known: Buffer;
const fuzzInbox: Buffer[] = [];

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  srv = await startInteropServer([
    { email: FUZZ_USER, password: SIMPLE_PASS },
    { email: KEEP_USER, password: SIMPLE_PASS },
  ]);
  const store = srv.server.store;
  known = await composeMessage({ from: 'k@example.org', to: KEEP_USER, subject: 'keep me', messageId: '<keep@interop.test>', text: 'precious bytes', attachments: [{ filename: 'a.bin', content: Buffer.from([0, 1, 2, 255]) }] });
  await store.deliver(KEEP_USER, known, { flags: ['\\Seen'] });
  for (let i = 1; i <= 5; i++) {
    const raw = await composeMessage({ from: `s${i}@example.org`, to: FUZZ_USER, subject: `fuzz target ${i}`, text: `message ${i} `.repeat(i * 20) });
    fuzzInbox.push(raw);
    await store.deliver(FUZZ_USER, raw);
  }
});

afterAll(async () => {
  await srv?.close();
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
});

// ---------------------------------------------------------------- generator

const COMMANDS = ['CAPABILITY', 'NOOP', 'LOGOUT', 'LOGIN', 'AUTHENTICATE', 'ID', 'ENABLE', 'NAMESPACE', 'LIST', 'LSUB', 'STATUS', 'SELECT', 'EXAMINE',
  'CREATE', 'DELETE', 'RENAME', 'SUBSCRIBE', 'UNSUBSCRIBE', 'FETCH', 'STORE', 'SEARCH', 'SORT', 'EXPUNGE', 'COPY', 'MOVE', 'APPEND', 'IDLE',
  'CHECK', 'CLOSE', 'UNSELECT', 'STARTTLS', 'UID FETCH', 'UID STORE', 'UID SEARCH', 'UID COPY', 'UID MOVE', 'UID EXPUNGE', 'UID SORT', 'UID',
  'XYZZY', 'DONE', 'THREAD', 'GETQUOTAROOT', 'COMPRESS', 'NOTIFY'];
const BOGUS_SETS = ['0', '*:*', '4294967296', '4294967295', '1:4294967295', '1:999999999999999999999', '-1', '1:', ':5', '1,,2', ',', '*', '1:*',
  '0:0', '2:1', '1,2,3,4,5,6,7,8,9,10:20,*', '18446744073709551616', '1e5', '0x10', '1.5', '$', '1:*:*', Array(3000).fill('1').join(',')];
const FETCH_ATTS = ['FLAGS', 'UID', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'RFC822', 'RFC822.SIZE', 'RFC822.HEADER', 'RFC822.TEXT', 'INTERNALDATE', 'ALL', 'FAST', 'FULL',
  'BODY.PEEK[]', 'BODY[]<0.10>', 'BODY[1.2.3.4.5]', 'BODY[HEADER.FIELDS (SUBJECT]', 'BODY[HEADER.FIELDS ()]', 'BODY[0]', 'BODY[]<4294967296.1>', 'BODY[]<0.0>',
  'BODY[]<-1.5>', 'BODY[TEXT', 'BODY[MIME]', 'BODY[1.MIME]', 'BINARY[1]', 'MODSEQ', '(CHANGEDSINCE 0)', '(CHANGEDSINCE -1)', 'BODY[HEADER.FIELDS.NOT (A B C)]<1.2>'];
const SEARCH_KEYS = ['ALL', 'OR', 'NOT', 'SUBJECT', 'BODY', 'TEXT', 'FROM', 'HEADER', 'SINCE', 'BEFORE', 'ON', '1-Jan-2020', '32-Foo-99999', 'LARGER', 'SMALLER',
  '99999999999999999999', 'UID', 'MODSEQ', 'CHARSET', 'UTF-8', 'KOI8-R', 'X-UNKNOWN', 'NEW', 'OLD', 'RECENT', 'KEYWORD', '\\Seen', 'UNSEEN', 'DELETED', '(', ')', '""'];
const MAILBOXES = ['Fuzz', 'Fuzz/sub', '"Fuzz/deep/er"', '&Jjo-', '&AAA', '&-', '"&ZeVnLIqe-"', '%', '*', '""', '"/"', '"a/"', '"/a"', '"..//.."', 'Trash',
  '"\\\\"', 'NIL', '"\u00e4"'];
const ATOMS = ['NIL', '()', '(', ')', '((((', '))))', '"', '"unterminated', '"esc\\"', '"\\x"', '[', ']', '[[', 'BODY[', '{', '}', '{3}x', '{5+}x', '~{2}x', '\\', '\\Seen',
  '\\Deleted', '\\Recent', '$Junk', '+FLAGS', '-FLAGS.SILENT', 'FLAGS', '(\\Seen', '(\\Seen \\Flagged)', '*', '%', '<', '>', '<0.1>', '""', '" "', 'INBOX', '1', '2', '0',
  '-', '+', 'UTF8', 'RETURN', '(MIN MAX COUNT)', '(UNCHANGEDSINCE 1)', 'X'.repeat(300), '"' + 'q'.repeat(2000) + '"'];

function randomBytes(rng: Prng, n: number, opts: { noLf?: boolean } = {}): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    let c = rng.int(0, 255);
    if (opts.noLf && (c === 0x0a || c === 0x0d)) c = 0x20;
    b[i] = c;
  }
  return b;
}

/** Invalid UTF-8 and other awkward byte sequences (no LF). */
function nastyBytes(rng: Prng): Buffer {
  return Buffer.from(rng.pick([[0x00], [0xc3, 0x28], [0xff, 0xfe], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x0d], [0x7f], [0x1b, 0x5b, 0x32, 0x4a], [0xef, 0xbb, 0xbf]]));
}

function token(rng: Prng): Buffer {
  switch (rng.int(0, 7)) {
    case 0: return Buffer.from(rng.pick(BOGUS_SETS));
    case 1: return Buffer.from(rng.pick(FETCH_ATTS));
    case 2: return Buffer.from(rng.pick(SEARCH_KEYS));
    case 3: return Buffer.from(rng.pick(MAILBOXES));
    case 4: return nastyBytes(rng);
    case 5: return randomBytes(rng, rng.int(1, 12), { noLf: true });
    default: return Buffer.from(rng.pick(ATOMS));
  }
}

interface Planned {
  tag: string;
  segments: Segment[];
  /** must not be answered OK */
  malformed: boolean;
  /** the tag is unreadable, a "* BAD" answers it */
  untaggedOk?: boolean;
  /** what to do after the answer */
  then?: 'disconnect';
  /** skip waiting: send and drop the connection (abrupt disconnect) */
  abrupt?: boolean;
  label: string;
}

const line = (s: string | Buffer) => ({ line: Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1') });
const lit = (b: Buffer | string) => ({ literal: Buffer.isBuffer(b) ? b : Buffer.from(b, 'latin1') });

function plan(rng: Prng, tag: string): Planned {
  const r = rng.next();
  if (r < 0.36) {
    // a command name followed by random tokens; never ends with "{n}" (that is the literal cases' job)
    const parts: Buffer[] = [Buffer.from(`${tag} ${rng.pick(COMMANDS)}`)];
    for (let i = rng.int(0, 6); i > 0; i--) parts.push(Buffer.from(rng.chance(0.9) ? ' ' : rng.pick(['', '  ', '\t'])), token(rng));
    parts.push(Buffer.from(' x\r\n'));
    return { tag, segments: [line(Buffer.concat(parts))], malformed: false, label: 'random tokens' };
  }
  if (r < 0.58) {
    const cmd = rng.pick(['FETCH', 'UID FETCH', 'STORE', 'UID STORE', 'COPY', 'UID COPY', 'MOVE', 'SEARCH', 'UID SEARCH', 'SORT', 'EXPUNGE', 'UID EXPUNGE']);
    const set = rng.pick(BOGUS_SETS.filter((s) => !['*', '1:*', '4294967295', '1:4294967295', '1,2,3,4,5,6,7,8,9,10:20,*'].includes(s)));
    const rest = cmd.includes('FETCH') ? rng.pick(FETCH_ATTS) : cmd.includes('STORE') ? `${rng.pick(['+FLAGS', 'FLAGS', '-FLAGS.SILENT', 'BOGUS'])} (${rng.pick(['\\Seen', '\\Recent', '\\Bogus', '$ok', '(', ''])}` : cmd.includes('SEARCH') ? `UID ${set}` : cmd.includes('SORT') ? '(DATE) UTF-8 ALL' : 'Fuzz';
    const text = cmd.includes('SEARCH') ? `${tag} ${cmd} ${rest}` : cmd.includes('SORT') ? `${tag} ${cmd} (${rng.pick(['DATE', 'BOGUS', '', 'REVERSE'])}) ${rng.pick(['UTF-8', 'EBCDIC', '('])} ${rng.pick(['ALL', 'UID 0', 'SUBJECT'])}` : `${tag} ${cmd} ${set} ${rest}`;
    return { tag, segments: [line(text + '\r\n')], malformed: false, label: `bogus set ${cmd}` };
  }
  if (r < 0.68) {
    const bodies = ['LOGIN "a', 'LOGIN (a b', 'SELECT "INBOX', 'FETCH 1 (FLAGS', 'FETCH 1 FLAGS)', 'SEARCH ((((((((((ALL', `SEARCH ${'('.repeat(200)}ALL${')'.repeat(200)}`,
      'STATUS Fuzz (MESSAGES', 'LIST "" "*', 'STORE 1 +FLAGS (\\Seen', 'APPEND Fuzz (\\Seen "x', 'CREATE "a\\"', 'CREATE "a\\q"', 'ID ("name" "x" "v"', 'ENABLE (', 'FETCH 1 BODY[HEADER.FIELDS (A B]',
      `FETCH 1 ${'('.repeat(100)}`, 'SELECT )', 'LOGIN a b c', 'LOGIN', 'SEARCH CHARSET', 'SEARCH OR ALL', 'SEARCH NOT', 'SEARCH HEADER Subject', 'RENAME a', 'STATUS', 'COPY', 'UID'];
    return { tag, segments: [line(`${tag} ${rng.pick(bodies)}\r\n`)], malformed: true, label: 'unbalanced' };
  }
  if (r < 0.76) {
    // NUL, invalid UTF-8, control characters, bare CR
    const cmd = rng.pick(['SELECT ', 'CREATE ', 'LOGIN ', 'FETCH 1 ', 'SEARCH SUBJECT ', 'STATUS ', 'LIST "" ', 'NOOP', 'LOGOUT']);
    const payload = Buffer.concat([nastyBytes(rng), randomBytes(rng, rng.int(0, 8), { noLf: true }), nastyBytes(rng)]);
    const quoted = rng.chance(0.5);
    return {
      tag,
      segments: [line(Buffer.concat([Buffer.from(`${tag} ${cmd}${quoted ? '"' : ''}`), payload, Buffer.from(`${quoted ? '"' : ''}\r\n`)]))],
      malformed: false,
      label: 'bad bytes',
    };
  }
  if (r < 0.8) {
    // wrong state
    const cmd = rng.pick(['FETCH 1 FLAGS', 'STORE 1 +FLAGS (\\Seen)', 'EXPUNGE', 'CLOSE', 'UNSELECT', 'SEARCH ALL', 'COPY 1 Fuzz', 'UID FETCH 1 UID', 'LOGIN a b', 'AUTHENTICATE PLAIN AGEAYg==', 'STARTTLS', 'SELECT Fuzz/none', 'IDLE extra']);
    return { tag, segments: [line(`${tag} ${cmd}\r\n`)], malformed: false, label: 'wrong state' };
  }
  if (r < 0.86) {
    // literal abuse that the client sends completely
    const n = rng.int(0, 40);
    const data = randomBytes(rng, n);
    const variants: Array<() => Planned> = [
      () => ({ tag, segments: [line(`${tag} LOGIN {${n}+}\r\n`), lit(data), line(' {0+}\r\n\r\n')], malformed: false, label: 'literal+ login' }),
      () => ({ tag, segments: [line(`${tag} SEARCH SUBJECT {${n}}\r\n`), lit(data), line(' BODY {3+}\r\nabc\r\n')], malformed: false, label: 'mixed literals search' }),
      () => ({ tag, segments: [line(`${tag} CREATE {${n}+}\r\n`), lit(data), line(' extra\r\n')], malformed: true, label: 'literal+ create extra' }),
      () => ({ tag, segments: [line(`${tag} FETCH {1+}\r\n`), lit('1'), line(' {5+}\r\n'), lit('FLAGS'), line('\r\n')], malformed: false, label: 'literal as set and att' }),
      () => ({ tag, segments: [line(`${tag} {4+}\r\n`), lit('NOOP'), line('\r\n')], malformed: true, label: 'literal command name' }),
      () => ({ tag, segments: [line(`${tag} NOOP {00000000000000000000003+}\r\n`), lit('abc'), line('\r\n')], malformed: true, label: 'literal leading zeros' }),
      () => ({ tag, segments: [line(`${tag} LIST {2+}\r\n`), lit('\r\n'), line(' {1+}\r\n'), lit('*'), line('\r\n')], malformed: false, label: 'CRLF in literal' }),
      () => ({ tag, segments: [line(`${tag} APPEND Fuzz (\\Seen) {${n}+}\r\n`), lit(data), line('\r\n')], malformed: false, label: 'append literal+' }),
      () => ({ tag, segments: [line(`${tag} APPEND Fuzz {${n}}\r\n`), lit(data), line(` {${n}+}\r\n`), lit(data), line('\r\n')], malformed: true, label: 'append two literals' }),
      () => ({ tag, segments: [line(`${tag} ID ({1+}\r\n`), lit('('), line(' NIL)\r\n')], malformed: false, label: 'paren in literal' }),
      () => ({ tag, segments: [line(`${tag} SELECT {-1}\r\n`)], malformed: true, label: 'negative literal' }),
      () => ({ tag, segments: [line(`${tag} SELECT {1a}\r\n`)], malformed: true, label: 'bad literal' }),
    ];
    return rng.pick(variants)();
  }
  if (r < 0.89) {
    // huge synchronising literal: must be refused without a continuation
    const cmd = rng.pick(['APPEND Fuzz', 'LOGIN', 'SEARCH SUBJECT', 'SELECT', 'APPEND Fuzz (\\Seen) "01-Jan-2020 00:00:00 +0000"']);
    // past the limits: 50 MiB for a message, 1 MiB for any other literal
    const size = rng.pick(['999999999', '4294967296', '99999999999999999999999', cmd.startsWith('APPEND') ? '52428801' : '1048577']);
    return { tag, segments: [line(`${tag} ${cmd} {${size}}\r\n`), lit('never sent')], malformed: true, label: 'huge sync literal' };
  }
  if (r < 0.894) {
    // huge non-synchronising literal: refused; the server must then drop or skip what it was promised, we disconnect
    return { tag, segments: [line(`${tag} APPEND Fuzz {${rng.pick(['999999999', '99999999999999999999'])}+}\r\n`), lit(randomBytes(rng, 500))], malformed: true, label: 'huge literal+', then: 'disconnect' };
  }
  if (r < 0.898) {
    // literal cut off by a disconnect
    const n = rng.int(50, 5000);
    return { tag, segments: [line(`${tag} APPEND Fuzz {${n}+}\r\n`), lit(randomBytes(rng, rng.int(0, n - 1)))], malformed: false, label: 'literal cut off', abrupt: true };
  }
  if (r < 0.902) {
    return { tag, segments: [line(`${tag} IDLE\r\n`)], malformed: false, label: 'IDLE then disconnect', abrupt: true };
  }
  if (r < 0.906) {
    const whole = `${tag} ${rng.pick(['FETCH 1:* (BODY[] ENVELOPE)', 'SEARCH TEXT message', 'LOGIN fuzz@interop.test', 'APPEND Fuzz {20}', 'STATUS INBOX (MESSAGES'])}`;
    return { tag, segments: [line(whole.slice(0, rng.int(1, whole.length)))], malformed: false, label: 'abrupt disconnect', abrupt: true };
  }
  if (r < 0.912) {
    // overlong line: either one huge write with a line end, or no line end at all
    const size = rng.pick([70 * 1024, 200 * 1024, 1024 * 1024]);
    const withEnd = rng.chance(0.5);
    return { tag, segments: [line(Buffer.concat([Buffer.from(`${tag} SEARCH SUBJECT `), Buffer.alloc(size, 0x61), Buffer.from(withEnd ? '\r\n' : '')]))], malformed: true, label: `overlong ${size}${withEnd ? ' with CRLF' : ''}` };
  }
  if (r < 0.925) {
    const bad = rng.pick(['*', '+', '(x', 'a"b', '{3}', '\x00', '\xff\xfe', 'a\\b', '%']);
    return { tag, segments: [line(`${bad} NOOP\r\n`)], malformed: true, untaggedOk: true, label: 'bad tag' };
  }
  if (r < 0.935) {
    return { tag, segments: [line(`${tag} AUTHENTICATE ${rng.pick(['PLAIN', 'PLAIN =', 'PLAIN !!!', 'PLAIN AGEAYg==', 'CRAM-MD5', 'PLAIN ' + Buffer.from('\0fuzz@interop.test\0wrong').toString('base64')])}\r\n`)], malformed: true, label: 'authenticate' };
  }
  // ordinary commands so that the session moves between states
  // INBOX only ever read-only: the integrity check below relies on nothing expunging it
  const cmd = rng.pick(['NOOP', 'CHECK', 'SELECT Fuzz/sub', 'EXAMINE INBOX', 'SELECT Fuzz', 'UNSELECT', 'CLOSE', 'CREATE Fuzz', 'LIST "" *', 'FETCH 1:* (FLAGS UID)', 'STATUS INBOX (MESSAGES UNSEEN)', 'ENABLE CONDSTORE', 'NAMESPACE']);
  return { tag, segments: [line(`${tag} ${cmd}\r\n`)], malformed: false, label: 'ordinary' };
}

// ---------------------------------------------------------------- driver

interface Finding { seed: number; n: number; label: string; sent: string; outcome: Outcome }

function describeSent(p: Planned): string {
  const s = Buffer.concat(p.segments.map((x) => ('line' in x ? x.line : x.literal)));
  const shown = s.subarray(0, 160).toString('latin1').replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return s.length > 160 ? `${shown}… (${s.length} bytes)` : shown;
}

const timing: Record<string, number> = {};

async function openSession(rng: Prng): Promise<FuzzClient> {
  const t0 = Date.now();
  try {
    return await openSessionInner(rng);
  } finally {
    if (DEBUG) timing.openSession = (timing.openSession ?? 0) + Date.now() - t0;
  }
}

async function openSessionInner(rng: Prng): Promise<FuzzClient> {
  const c = new FuzzClient();
  await c.connect(srv.port);
  const state = rng.int(0, 2);
  if (state >= 1) {
    const o = await c.exchange('s1', [line(`s1 LOGIN ${FUZZ_USER} ${SIMPLE_PASS}\r\n`)]);
    if (o.kind !== 'tagged' || o.status !== 'OK') throw new Error(`fuzz login failed: ${JSON.stringify(o)}`);
  }
  if (state === 2) await c.exchange('s2', [line(`s2 ${rng.pick(['EXAMINE INBOX', 'SELECT Fuzz', 'EXAMINE Fuzz'])}\r\n`)]);
  return c;
}

async function worker(seed: number, findings: Finding[], stats: Record<string, number>): Promise<void> {
  const rng = new Prng(seed);
  let c = await openSession(rng);
  let prev = '';
  try {
    for (let n = 0; n < COMMANDS_PER_WORKER; n++) {
      if (c.closed) c = await openSession(rng);
      const p = plan(rng, `F${n}`);
      const note = (outcome: Outcome) => {
        findings.push({ seed, n, label: p.label, sent: describeSent(p), outcome });
        if (DEBUG) console.log('FINDING', JSON.stringify(findings[findings.length - 1]).slice(0, 600), 'PREV', prev);
      };
      if (p.abrupt) {
        for (const s of p.segments) c.write('line' in s ? s.line : s.literal);
        await new Promise((r) => setImmediate(r));
        c.destroy();
        stats.abrupt = (stats.abrupt ?? 0) + 1;
        continue;
      }
      const t0 = Date.now();
      const outcome = await c.exchange(p.tag, p.segments, p.untaggedOk);
      if (DEBUG) timing[p.label.replace(/ \d+.*/, '')] = (timing[p.label.replace(/ \d+.*/, '')] ?? 0) + Date.now() - t0;
      if (DEBUG && Date.now() - t0 > 300) console.log(`slow ${Date.now() - t0}ms seed ${seed} #${n} ${p.label}: ${describeSent(p)} -> ${outcome.kind}`);
      stats[outcome.kind] = (stats[outcome.kind] ?? 0) + 1;
      if (outcome.kind === 'timeout') note(outcome);
      else if (outcome.kind === 'untagged-bad' && !p.untaggedOk) note(outcome);
      else if (outcome.kind === 'tagged' && outcome.status === 'OK' && p.malformed) note(outcome);
      if (outcome.lines.some((l) => /Internal (server )?error|SERVERBUG/i.test(l))) note(outcome);
      if (p.then === 'disconnect' || outcome.kind === 'timeout') c.destroy();
      if (DEBUG) prev = `${describeSent(p)} -> ${JSON.stringify(outcome).slice(0, 300)}`;
    }
  } finally {
    c.destroy();
  }
}

describe('IMAP server under hostile input', () => {
  it('answers every malformed command with BAD/NO/BYE, keeps serving and loses nothing', async () => {
    const findings: Finding[] = [];
    const stats: Record<string, number> = {};
    await Promise.all(SEEDS.map((s) => worker(s, findings, stats)));

    if (DEBUG) console.log('TIMING', JSON.stringify(timing), JSON.stringify(stats));
    expect(findings.slice(0, 15), JSON.stringify(stats)).toEqual([]);
    expect(uncaught).toEqual([]);
    // the mix really exercised the server
    expect(stats.tagged ?? 0).toBeGreaterThan(2500);
    expect(stats.bye ?? 0).toBeGreaterThan(0);

    // a fresh client can still log in, select and fetch
    const client = new ImapFlow({ host: '127.0.0.1', port: srv.port, secure: false, auth: { user: KEEP_USER, pass: SIMPLE_PASS }, logger: false, disableAutoIdle: true });
    await client.connect();
    const box = await client.mailboxOpen('INBOX');
    expect(box.exists).toBe(1);
    const msg = await client.fetchOne('1', { source: true, flags: true });
    expect(msg && msg.source?.equals(known)).toBe(true);
    expect(msg && [...(msg.flags ?? [])].filter((f) => f !== '\\Recent')).toEqual(['\\Seen']);
    await client.logout();

    // the fuzzed user's INBOX lost nothing either (the fuzz only EXAMINEs it, and RENAME INBOX is not among its commands)
    const store = srv.server.store;
    const userId = store.findUser(FUZZ_USER)!.id;
    const inbox = (await store.getMailbox(userId, 'INBOX'))!;
    const uids = await store.listUids(inbox.id);
    expect(uids).toEqual([1, 2, 3, 4, 5]);
    for (const [i, uid] of uids.entries()) expect((await store.getRaw(inbox.id, uid))?.equals(fuzzInbox[i]!)).toBe(true);
  }, 240_000); // a cap for a loaded machine, not a performance assertion
});

describe('IMAP server: specific hostile inputs', () => {
  async function session(): Promise<FuzzClient> {
    const c = new FuzzClient();
    await c.connect(srv.port);
    const o = await c.exchange('L', [line(`L LOGIN ${FUZZ_USER} ${SIMPLE_PASS}\r\n`)]);
    expect(o).toMatchObject({ kind: 'tagged', status: 'OK' });
    return c;
  }

  it('ends the session on an overlong line even when it arrives in one piece with its CRLF', async () => {
    const c = await session();
    const o = await c.exchange('X', [line(Buffer.concat([Buffer.from('X SEARCH SUBJECT '), Buffer.alloc(70 * 1024, 0x61), Buffer.from('\r\n')]))]);
    expect(o).toMatchObject({ kind: 'bye', text: 'Line too long' });
    c.destroy();
  });

  it('refuses oversized literals without inviting the data', async () => {
    const c = await session();
    const a = await c.exchange('A', [line('A APPEND INBOX {999999999}\r\n'), lit('x')]);
    expect(a).toMatchObject({ kind: 'tagged', status: 'NO', text: '[TOOBIG] Message too large' });
    expect(a.lines.some((l) => l.startsWith('+'))).toBe(false);
    const b = await c.exchange('B', [line('B SELECT {99999999999999999999999}\r\n'), lit('x')]);
    expect(b).toMatchObject({ kind: 'tagged', status: 'BAD' });
    expect(b.lines.some((l) => l.startsWith('+'))).toBe(false);
    expect(await c.exchange('C', [line('C NOOP\r\n')])).toMatchObject({ kind: 'tagged', status: 'OK' });
    c.destroy();
  });

  it('frames a literal with a long run of leading zeros like any other (no command smuggling)', async () => {
    const c = await session();
    // framing and parser must agree: the 12 bytes after the literal announcement are data, not a command
    const o = await c.exchange('A', [line(`A SEARCH SUBJECT {${'0'.repeat(30)}12+}\r\n`), lit('X CREATE Smu'), line('ggled\r\n')]);
    expect(o.kind).toBe('tagged');
    const list = await c.exchange('L2', [line('L2 LIST "" *\r\n')]);
    expect(list.lines.filter((l) => l.includes('Smu'))).toEqual([]);
    c.destroy();
  });

  it('matches LIST wildcards without catastrophic backtracking', async () => {
    const c = await session();
    const long = 'a'.repeat(200);
    expect(await c.exchange('A', [line(`A CREATE Fuzz/${long}\r\n`)])).toMatchObject({ kind: 'tagged', status: 'OK' });
    // a backtracking matcher needs minutes (and blocks the whole process) for this one
    const o = await c.exchange('B', [line(`B LIST "" "${'*a'.repeat(14)}b"\r\n`)]);
    expect(o).toMatchObject({ kind: 'tagged', status: 'OK' });
    expect(o.lines.filter((l) => l.startsWith('* LIST'))).toEqual([]);
    const hit = await c.exchange('C', [line(`C LIST "" "${'*a'.repeat(14)}"\r\n`)]);
    expect(hit.lines.filter((l) => l.startsWith('* LIST'))).toEqual([`* LIST (\\HasNoChildren) "/" Fuzz/${long}`]);
    expect(await c.exchange('D', [line(`D DELETE Fuzz/${long}\r\n`)])).toMatchObject({ kind: 'tagged', status: 'OK' });
    c.destroy();
  });

  it('answers oversized SEARCH programs with BAD, not an internal error', async () => {
    const c = await session();
    expect(await c.exchange('S', [line('S EXAMINE INBOX\r\n')])).toMatchObject({ kind: 'tagged', status: 'OK' });
    const big = await c.exchange('A', [line(`A SEARCH ${'SUBJECT x '.repeat(1000).trim()}\r\n`)]);
    expect(big).toMatchObject({ kind: 'tagged', status: 'BAD' });
    const fine = await c.exchange('B', [line(`B SEARCH ${'SUBJECT fuzz '.repeat(400).trim()}\r\n`)]);
    expect(fine).toMatchObject({ kind: 'tagged', status: 'OK' });
    expect(fine.lines).toContain('* SEARCH 1 2 3 4 5');
    c.destroy();
  });

  it('rejects 8-bit mailbox names and stray CREATE arguments', async () => {
    const c = await session();
    const eight = await c.exchange('A', [line(Buffer.concat([Buffer.from('A CREATE {6}\r\n')])), lit(Buffer.from('Grüß', 'utf8')), line('\r\n')]);
    expect(eight).toMatchObject({ kind: 'tagged', status: 'NO' });
    const invalid = await c.exchange('B', [line(Buffer.from('B CREATE {3+}\r\n')), lit(Buffer.from([0x61, 0xde, 0xff])), line('\r\n')]);
    expect(invalid).toMatchObject({ kind: 'tagged', status: 'NO' });
    expect(await c.exchange('C', [line('C CREATE Fine extra\r\n')])).toMatchObject({ kind: 'tagged', status: 'BAD' });
    const list = await c.exchange('D', [line('D LIST "" *\r\n')]);
    expect(list.lines.filter((l) => /[^\x20-\x7e]/.test(l))).toEqual([]);
    c.destroy();
  });

  it('survives IDLE without DONE and a literal cut off by a disconnect', async () => {
    const a = await session();
    a.write('I1 SELECT INBOX\r\nI2 IDLE\r\n');
    await new Promise((r) => setTimeout(r, 50));
    a.destroy();
    const b = await session();
    b.write('P1 APPEND INBOX {5000+}\r\nFrom: x@example.org\r\n');
    await new Promise((r) => setTimeout(r, 50));
    b.destroy();
    const c = await session();
    const sel = await c.exchange('S', [line('S EXAMINE INBOX\r\n')]);
    expect(sel.lines).toContain(`* ${fuzzInbox.length} EXISTS`);
    c.destroy();
    expect(uncaught).toEqual([]);
  });
});
