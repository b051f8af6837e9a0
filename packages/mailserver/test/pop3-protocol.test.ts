import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inboxUids, message, PASS, RawPop3, startPop3TestServer, USER, USER2, type Pop3TestServer } from './pop3-helpers.js';
import { LoginThrottle } from '../src/imap/login-throttle.js';

let srv: Pop3TestServer;
let c: RawPop3;

const STUFFED = Buffer.from(
  ['From: a@example.org', 'Subject: dots', '', 'line one', '.', '..two dots', '.three', 'end', ''].join('\r\n'),
  'utf8',
);

async function fresh(): Promise<void> {
  await srv?.close();
  srv = await startPop3TestServer();
  await srv.store.deliver(USER, message('first', 'hello one'));
  await srv.store.deliver(USER, message('second', 'hello two\r\nsecond line\r\nthird line'));
  await srv.store.deliver(USER, message('third', 'hello three'));
}

function flagsOf(uid: number): Promise<string[]> {
  const user = srv.store.findUser(USER)!;
  return srv.store.getMailbox(user.id, 'INBOX').then(async (box) => (await srv.store.getMeta(box!.id, [uid]))[0]!.flags);
}

beforeEach(async () => {
  await fresh();
  c = new RawPop3();
  expect(await c.connect(srv.port)).toMatch(/^\+OK .*POP3 ready$/);
});
afterEach(() => c.destroy());
afterAll(async () => {
  await srv?.close();
});

describe('POP3 authorization state', () => {
  it('advertises CAPA without STLS when no certificate is configured', async () => {
    const { status, body } = await c.multi('CAPA');
    expect(status).toMatch(/^\+OK/);
    const caps = body.trim().split('\r\n');
    expect(caps).toEqual(expect.arrayContaining(['TOP', 'UIDL', 'USER', 'SASL PLAIN', 'RESP-CODES', 'PIPELINING']));
    expect(caps).not.toContain('STLS');
    expect(await c.cmd('STLS')).toMatch(/^-ERR TLS not available/);
  });

  it('refuses a wrong password with -ERR [AUTH], then accepts the right one', async () => {
    expect(await c.cmd(`USER ${USER}`)).toMatch(/^\+OK/);
    expect(await c.cmd('PASS wrong')).toBe('-ERR [AUTH] Invalid credentials');
    expect(await c.cmd('PASS ' + PASS)).toBe('-ERR USER first');
    expect(await c.cmd(`USER nobody@example.test`)).toMatch(/^\+OK/); // does not reveal unknown users
    expect(await c.cmd('PASS ' + PASS)).toMatch(/^-ERR \[AUTH\]/);
    await c.login();
    expect(await c.cmd('STAT')).toMatch(/^\+OK 3 \d+$/);
    // CAPA after login no longer lists USER/SASL
    const { body } = await c.multi('CAPA');
    expect(body).not.toMatch(/USER|SASL/);
  });

  it('closes the connection after three failed logins', async () => {
    for (let i = 0; i < 2; i++) {
      await c.cmd(`USER ${USER}`);
      expect(await c.cmd('PASS nope')).toMatch(/^-ERR \[AUTH\] Invalid credentials$/);
    }
    await c.cmd(`USER ${USER}`);
    expect(await c.cmd('PASS nope')).toMatch(/^-ERR \[AUTH\] .*closing/);
    await c.waitClosed();
  });

  it('counts failures across connections: a guessing address gets locked, with -ERR [SYS/TEMP] even for the right password', async () => {
    const throttle = new LoginThrottle({ freeFailures: 10, lockAfter: 4, exemptIps: [] });
    const own = await startPop3TestServer({ loginThrottle: throttle });
    try {
      for (let i = 0; i < 4; i++) {
        const x = new RawPop3();
        await x.connect(own.port);
        await x.cmd(`USER ${USER}`);
        expect(await x.cmd(`PASS wrong-${i}`)).toBe('-ERR [AUTH] Invalid credentials');
        x.destroy();
      }
      const y = new RawPop3();
      await y.connect(own.port);
      await y.cmd(`USER ${USER}`);
      expect(await y.cmd(`PASS ${PASS}`)).toBe('-ERR [SYS/TEMP] Too many failed logins; try again later');
      // the lock is on this address (and this user name from it), not on the user name everywhere
      expect(throttle.isLocked('198.51.100.4', USER)).toBe(false);
      y.destroy();
    } finally {
      await own.close();
    }
  });

  it('rejects transaction commands before login and login commands after it', async () => {
    for (const cmd of ['STAT', 'LIST', 'UIDL', 'RETR 1', 'TOP 1 0', 'DELE 1', 'RSET', 'NOOP']) {
      expect(await c.cmd(cmd)).toBe('-ERR Not authenticated');
    }
    expect(await c.cmd('FOO')).toBe('-ERR Unknown command');
    expect(await c.cmd('APOP alice 0123456789abcdef0123456789abcdef')).toBe('-ERR Unknown command');
    await c.login();
    expect(await c.cmd(`USER ${USER}`)).toBe('-ERR Command not valid in this state');
    expect(await c.cmd('PASS x')).toBe('-ERR Command not valid in this state');
    expect(await c.cmd('AUTH PLAIN')).toBe('-ERR Command not valid in this state');
    expect(await c.cmd('STLS')).toBe('-ERR Command not valid in this state');
    expect(await c.cmd('NOOP')).toBe('+OK');
  });

  it('AUTH PLAIN with an initial response, with a continuation, cancelled, and malformed', async () => {
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    const { status, body } = await c.multi('AUTH');
    expect(status).toMatch(/^\+OK/);
    expect(body).toBe('PLAIN\r\n');
    expect(await c.cmd('AUTH CRAM-MD5')).toBe('-ERR Unsupported authentication mechanism');
    expect(await c.cmd('AUTH PLAIN')).toBe('+ ');
    expect(await c.cmd('*')).toBe('-ERR Authentication cancelled');
    expect(await c.cmd('AUTH PLAIN !!!notbase64')).toBe('-ERR Invalid base64 in authentication response');
    expect(await c.cmd(`AUTH PLAIN ${b64('only-one-part')}`)).toBe('-ERR Invalid SASL PLAIN response');
    expect(await c.cmd(`AUTH PLAIN ${b64(`${USER2}\0${USER}\0${PASS}`)}`)).toMatch(/^-ERR \[AUTH\] Authorization identity/);
    expect(await c.cmd(`AUTH PLAIN ${b64(`\0${USER}\0wrong`)}`)).toMatch(/^-ERR \[AUTH\] Invalid credentials/);
    expect(await c.cmd('AUTH PLAIN')).toBe('+ ');
    expect(await c.cmd(b64(`\0${USER}\0${PASS}`))).toBe('+OK Authenticated');
    expect(await c.cmd('STAT')).toMatch(/^\+OK 3 /);

    const d = new RawPop3();
    await d.connect(srv.port);
    expect(await d.cmd(`AUTH PLAIN ${b64(`${USER}\0${USER}\0${PASS}`)}`)).toBe('+OK Authenticated');
    expect(await d.cmd('STAT')).toMatch(/^\+OK 3 /);
    d.destroy();
  });

  it('answers pipelined commands in order', async () => {
    c.write(`CAPA\r\nUSER ${USER}\r\nPASS ${PASS}\r\nSTAT\r\nUIDL 1\r\n`);
    await c.until('\r\n.\r\n');
    expect(await c.line()).toMatch(/^\+OK/);
    expect(await c.line()).toMatch(/^\+OK Logged in/);
    expect(await c.line()).toMatch(/^\+OK 3 \d+$/);
    expect(await c.line()).toMatch(/^\+OK 1 \d+\.\d+$/);
  });

  it('keeps up with a client that pipelines much more than it reads', async () => {
    await c.login();
    const n = 20_000; // 120 KB of commands in one go
    c.write('NOOP\r\n'.repeat(n) + 'STAT\r\n');
    const replies = await c.until('+OK 3 ', false, 30_000);
    expect(replies.split('\r\n').filter((l) => l === '+OK')).toHaveLength(n);
  });

  it('limits commands before authentication', async () => {
    let last = '';
    c.write('CAPA\r\n'.repeat(40));
    last = await c.waitClosed();
    expect(last).toContain('-ERR Too many commands without authentication');
  });
});

describe('POP3 transaction state', () => {
  it('STAT, LIST and UIDL agree; sizes are the octets RETR sends', async () => {
    await c.login();
    const stat = /^\+OK (\d+) (\d+)$/.exec(await c.cmd('STAT'))!;
    expect(stat[1]).toBe('3');
    const list = await c.multi('LIST');
    const sizes = list.body.trim().split('\r\n').map((l) => l.split(' ').map(Number));
    expect(sizes.map((s) => s[0])).toEqual([1, 2, 3]);
    expect(sizes.reduce((a, s) => a + s[1]!, 0)).toBe(Number(stat[2]));
    for (const [n, size] of sizes) {
      const r = await c.multi(`RETR ${n}`);
      expect(r.status).toBe(`+OK ${size} octets`);
      expect(Buffer.byteLength(r.body.replace(/^\.\./gm, '.'))).toBe(size);
      expect(await c.cmd(`LIST ${n}`)).toBe(`+OK ${n} ${size}`);
    }
    const uidl = await c.multi('UIDL');
    const ids = uidl.body.trim().split('\r\n').map((l) => l.split(' ')[1]);
    expect(new Set(ids).size).toBe(3);
    const uids = await inboxUids(srv.store);
    const box = (await srv.store.getMailbox(srv.store.findUser(USER)!.id, 'INBOX'))!;
    expect(ids).toEqual(uids.map((u) => `${box.uidvalidity}.${u}`));
    expect(await c.cmd('UIDL 2')).toBe(`+OK 2 ${ids[1]}`);
  });

  it('RETR marks the message \\Seen, TOP does not', async () => {
    await c.login();
    const [u1, u2] = await inboxUids(srv.store);
    const top = await c.multi('TOP 2 0');
    expect(top.status).toMatch(/^\+OK/);
    expect(await flagsOf(u2!)).not.toContain('\\Seen');
    const r = await c.multi('RETR 1');
    expect(r.body).toContain('hello one');
    expect(await flagsOf(u1!)).toContain('\\Seen');
  });

  it('TOP 0 returns the header and the blank line; TOP n adds n body lines', async () => {
    await c.login();
    const t0 = await c.multi('TOP 2 0');
    expect(t0.body).toMatch(/^From: .*Subject: second.*\r\n\r\n$/s);
    expect(t0.body).not.toContain('hello two');
    const t2 = await c.multi('TOP 2 2');
    expect(t2.body.endsWith('\r\n\r\nhello two\r\nsecond line\r\n')).toBe(true);
    const all = await c.multi('TOP 2 1000');
    expect(all.body).toBe((await c.multi('RETR 2')).body);
    expect(await c.cmd('TOP 2')).toBe('-ERR Syntax: TOP msg n');
    expect(await c.cmd('TOP 2 -1')).toBe('-ERR Invalid line count');
    expect(await c.cmd('TOP 9 0')).toBe('-ERR No such message');
  });

  it('byte-stuffs lines that begin with "." and normalises line ends', async () => {
    await srv.store.deliver(USER, STUFFED);
    // no final line break, bare LF inside: delivered as CRLF, RETR still ends in CRLF
    await srv.store.deliver(USER, Buffer.from('Subject: bare\n\nline a\n.\nlast line without newline', 'utf8'));
    await c.login();
    const r = await c.multi('RETR 4');
    expect(r.body).toBe(['From: a@example.org', 'Subject: dots', '', 'line one', '..', '...two dots', '..three', 'end', ''].join('\r\n'));
    expect(r.body.replace(/^\.\./gm, '.')).toBe(STUFFED.toString('utf8'));
    const r5 = await c.multi('RETR 5');
    expect(r5.body).toBe('Subject: bare\r\n\r\nline a\r\n..\r\nlast line without newline\r\n');
    const size5 = Number((await c.cmd('LIST 5')).split(' ')[2]);
    expect(size5).toBe(Buffer.byteLength(r5.body) - 1); // minus the stuffed dot
    const t = await c.multi('TOP 4 2');
    expect(t.body.endsWith('\r\n\r\nline one\r\n..\r\n')).toBe(true);
  });

  it('DELE then RSET keeps every message', async () => {
    await c.login();
    const before = await c.cmd('STAT');
    expect(await c.cmd('DELE 2')).toBe('+OK Message 2 deleted');
    expect(await c.cmd('DELE 2')).toBe('-ERR Message already deleted');
    expect(await c.cmd('RETR 2')).toBe('-ERR Message already deleted');
    expect(await c.cmd('LIST 2')).toBe('-ERR Message already deleted');
    expect(await c.cmd('STAT')).toMatch(/^\+OK 2 /);
    expect((await c.multi('LIST')).body).not.toMatch(/^2 /m);
    expect((await c.multi('UIDL')).body).not.toMatch(/^2 /m);
    expect(await c.cmd('RSET')).toMatch(/^\+OK Maildrop has 3 messages/);
    expect(await c.cmd('STAT')).toBe(before);
    expect(await c.cmd('QUIT')).toMatch(/^\+OK Bye, 3 messages left/);
    await c.waitClosed();
    expect(await inboxUids(srv.store)).toHaveLength(3);
  });

  it('DELE then QUIT removes exactly the marked messages', async () => {
    const uids = await inboxUids(srv.store);
    // a message flagged \Deleted by an IMAP client but not DELEted over POP3 stays
    const box = (await srv.store.getMailbox(srv.store.findUser(USER)!.id, 'INBOX'))!;
    await srv.store.storeFlags(box.id, [uids[1]!], 'add', ['\\Deleted']);
    await c.login();
    expect(await c.cmd('DELE 1')).toMatch(/^\+OK/);
    expect(await c.cmd('DELE 3')).toMatch(/^\+OK/);
    // not yet: deletion happens in the UPDATE state
    expect(await inboxUids(srv.store)).toEqual(uids);
    expect(await c.cmd('QUIT')).toBe('+OK Bye, 1 messages left');
    await c.waitClosed();
    expect(await inboxUids(srv.store)).toEqual([uids[1]]);
    // the other user's mailbox is untouched
    expect(await inboxUids(srv.store, USER2)).toEqual([]);
  });

  it('a connection that drops without QUIT deletes nothing', async () => {
    const uids = await inboxUids(srv.store);
    await c.login();
    expect(await c.cmd('DELE 1')).toMatch(/^\+OK/);
    expect(await c.cmd('DELE 2')).toMatch(/^\+OK/);
    c.destroy();
    // a new session sees all messages, and none is flagged \Deleted
    const d = new RawPop3();
    await d.connect(srv.port);
    await d.login();
    expect(await d.cmd('STAT')).toMatch(/^\+OK 3 /);
    expect(await inboxUids(srv.store)).toEqual(uids);
    for (const uid of uids) expect(await flagsOf(uid)).not.toContain('\\Deleted');
    expect(await d.cmd('QUIT')).toMatch(/^\+OK/);
    d.destroy();
  });

  it('two sessions of the same user each remove what they marked', async () => {
    const uids = await inboxUids(srv.store);
    const d = new RawPop3();
    await d.connect(srv.port);
    await c.login();
    await d.login();
    expect(await c.cmd('DELE 1')).toMatch(/^\+OK/);
    expect(await d.cmd('DELE 1')).toMatch(/^\+OK/);
    expect(await d.cmd('DELE 3')).toMatch(/^\+OK/);
    expect(await c.cmd('QUIT')).toBe('+OK Bye, 2 messages left');
    expect(await d.cmd('QUIT')).toBe('+OK Bye, 1 messages left');
    expect(await inboxUids(srv.store)).toEqual([uids[1]]);
    d.destroy();
  });

  it('QUIT in the authorization state closes without touching the mailbox', async () => {
    expect(await c.cmd('QUIT')).toBe('+OK Bye');
    await c.waitClosed();
    expect(await inboxUids(srv.store)).toHaveLength(3);
  });

  it('works on a snapshot: new mail shows up in the next session, removed mail is an error', async () => {
    await c.login();
    const uids = await inboxUids(srv.store);
    await srv.store.deliver(USER, message('late', 'arrived later'));
    expect(await c.cmd('STAT')).toMatch(/^\+OK 3 /);
    const box = (await srv.store.getMailbox(srv.store.findUser(USER)!.id, 'INBOX'))!;
    await srv.store.storeFlags(box.id, [uids[0]!], 'add', ['\\Deleted']);
    await srv.store.expunge(box.id, { uids: [uids[0]!] }); // e.g. by an IMAP client
    expect(await c.cmd('RETR 1')).toMatch(/^-ERR \[SYS\/TEMP\] Message was removed/);
    expect(await c.cmd('DELE 2')).toMatch(/^\+OK/);
    expect(await c.cmd('QUIT')).toMatch(/^\+OK/);
    await c.waitClosed();
    expect(await inboxUids(srv.store)).toEqual([uids[2], uids[2]! + 1]);
    const d = new RawPop3();
    await d.connect(srv.port);
    await d.login();
    expect(await d.cmd('STAT')).toMatch(/^\+OK 2 /);
    // UIDL stays the same for a message across sessions even though its number changed
    expect(await d.cmd('UIDL 1')).toBe(`+OK 1 ${box.uidvalidity}.${uids[2]}`);
    d.destroy();
  });
});

describe('POP3 bad input', () => {
  it('answers malformed commands with -ERR and keeps serving', async () => {
    await c.login();
    const bad = [
      'RETR', 'RETR abc', 'RETR -1', 'RETR 0', 'RETR 99999999999', 'RETR 1 2', 'LIST 1 2', 'LIST x', 'DELE',
      'UIDL 0', 'STAT 1', 'RSET now', 'TOP', 'TOP 1 x', '12345', '\x00\x01\x02', 'RETR\t1', 'ÄÖÜ 1', 'NOOP x',
    ];
    for (const line of bad) expect(await c.cmd(line), line).toMatch(/^-ERR /);
    c.write(Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a]));
    expect(await c.line()).toMatch(/^-ERR /);
    c.write('\r\n\r\n'); // empty lines are ignored
    expect(await c.cmd('NOOP')).toBe('+OK');
    expect(await c.cmd('stat')).toMatch(/^\+OK 3 /); // commands are case-insensitive
  });

  it('closes the connection on an over-long line, and the server keeps accepting', async () => {
    c.write('USER ' + 'a'.repeat(10_000) + '\r\n');
    expect(await c.waitClosed()).toContain('-ERR Line too long');
    const d = new RawPop3();
    await d.connect(srv.port);
    d.write('X'.repeat(5000)); // no line end at all
    expect(await d.waitClosed()).toContain('-ERR Line too long');
    const e = new RawPop3();
    await e.connect(srv.port);
    await e.login();
    expect(await e.cmd('STAT')).toMatch(/^\+OK 3 /);
    e.destroy();
  });

  it('closes a connection that sends too many invalid commands', async () => {
    await c.login();
    c.write('BOGUS\r\n'.repeat(25));
    expect(await c.waitClosed()).toContain('-ERR Too many invalid commands');
  });
});

describe('POP3 timeouts', () => {
  it('logs out an idle unauthenticated client', async () => {
    const quick = await startPop3TestServer({ limits: { preauthTimeoutMs: 200 } });
    try {
      const d = new RawPop3();
      await d.connect(quick.port);
      expect(await d.waitClosed()).toContain('-ERR Autologout');
    } finally {
      await quick.close();
    }
  });

  it('logs out an idle authenticated client without deleting anything', async () => {
    const quick = await startPop3TestServer({ limits: { idleTimeoutMs: 1000 } });
    try {
      await quick.store.deliver(USER, message('one', 'x'));
      const d = new RawPop3();
      await d.connect(quick.port);
      await d.login();
      expect(await d.cmd('DELE 1')).toMatch(/^\+OK/);
      expect(await d.waitClosed()).toContain('-ERR Autologout');
      expect(await inboxUids(quick.store)).toHaveLength(1);
    } finally {
      await quick.close();
    }
  });
});
