// Failed logins rate-limited per IP and per user name; unauthenticated sessions limited in time
// and in commands. Raw sockets against startImapServer with small limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type MailStore } from '../src/store/index.js';
import { startImapServer, type ImapServerHandle } from '../src/imap/server.js';
import { LoginThrottle } from '../src/imap/login-throttle.js';
import { PASS, RawClient, USER, USER2 } from './imap-helpers.js';

let store: MailStore;
const servers: ImapServerHandle[] = [];
const clients: RawClient[] = [];
const FAST = { freeFailures: 2, baseDelayMs: 20, maxDelayMs: 80, lockAfter: 4, userLockAfter: 8, lockMs: 60_000, windowMs: 60_000 };

async function server(opts: Parameters<typeof startImapServer>[0] extends infer O ? Partial<O> : never): Promise<ImapServerHandle> {
  const s = await startImapServer({ store, host: '127.0.0.1', port: 0, ...opts });
  servers.push(s);
  return s;
}

async function client(port: number): Promise<RawClient> {
  const c = new RawClient();
  clients.push(c);
  await c.connect(port);
  return c;
}

/** One LOGIN on a fresh connection (per-connection limits stay out of the way). */
async function login(port: number, user: string, pass: string): Promise<string> {
  const c = await client(port);
  const r = await c.command('l', `LOGIN "${user}" "${pass}"`);
  c.close();
  return r;
}

beforeAll(() => {
  store = openStore({ path: ':memory:' });
  store.addDomain('example.test');
  store.createUser(USER, PASS);
  store.createUser(USER2, PASS);
});

afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of servers) await s.close();
  store?.close();
});

describe('LoginThrottle', () => {
  it('answers the first failures at once, then with a growing, capped delay, then locks the IP and the pair', () => {
    let t = 1_000_000;
    const th = new LoginThrottle({ ...FAST, lockAfter: 7, userLockAfter: 50, exemptIps: [] }, () => t);
    const delays = Array.from({ length: 6 }, () => th.recordFailure('192.0.2.1', 'x@example.test'));
    expect(delays).toEqual([0, 0, 20, 40, 80, 80]);
    expect(th.isLocked('192.0.2.1', 'other@example.test')).toBe(false);
    th.recordFailure('192.0.2.1', 'x@example.test');
    expect(th.isLocked('192.0.2.1', 'other@example.test')).toBe(true); // the IP
    expect(th.isLocked('192.0.2.1', 'x@example.test')).toBe(true); // the pair
    // the owner signing in from elsewhere is not locked out by a stranger's guesses
    expect(th.isLocked('192.0.2.9', 'x@example.test')).toBe(false);
    expect(th.isLocked('192.0.2.9', 'other@example.test')).toBe(false);
    t += 60_001;
    expect(th.isLocked('192.0.2.1', 'x@example.test')).toBe(false);
    expect(th.recordFailure('192.0.2.1', 'x@example.test')).toBe(0); // the window passed
  });

  it('locks a user name everywhere only after userLockAfter failures from all addresses', () => {
    const th = new LoginThrottle({ ...FAST, exemptIps: [] }, () => 5);
    for (let i = 0; i < FAST.userLockAfter - 1; i++) th.recordFailure(`192.0.2.${i + 1}`, 'x@example.test');
    expect(th.isLocked('198.51.100.1', 'x@example.test')).toBe(false);
    th.recordFailure('192.0.2.200', 'x@example.test');
    expect(th.isLocked('198.51.100.1', 'x@example.test')).toBe(true);
    expect(th.isLocked('198.51.100.1', 'y@example.test')).toBe(false);
  });

  it('forgives a user name after a successful login, and counts loopback only towards the user-wide limit', () => {
    const th = new LoginThrottle({ ...FAST, exemptIps: ['127.0.0.1'] }, () => 5);
    th.recordFailure('127.0.0.1', 'a@example.test');
    th.recordFailure('127.0.0.1', 'a@example.test');
    th.recordSuccess('127.0.0.1', 'a@example.test');
    expect(th.recordFailure('127.0.0.1', 'a@example.test')).toBe(0);
    for (let i = 0; i < 10; i++) th.recordFailure('127.0.0.1', `u${i}@example.test`);
    expect(th.isLocked('127.0.0.1', 'fresh@example.test')).toBe(false);
    for (let i = 0; i < FAST.lockAfter + 1; i++) th.recordFailure('127.0.0.1', 'b@example.test');
    expect(th.isLocked('127.0.0.1', 'b@example.test')).toBe(false);
  });
});

describe('failed IMAP logins', () => {
  it('lock the user name after userLockAfter failures: even the right password gets NO [UNAVAILABLE], other users still log in', async () => {
    // loopback exempt from the per-IP and per-pair limits, as in production for the webmail
    const srv = await server({ loginLimits: { ...FAST, exemptIps: ['127.0.0.1', '::ffff:127.0.0.1'] } });
    for (let i = 0; i < FAST.userLockAfter; i++) expect(await login(srv.port, USER, 'wrong')).toMatch(/^l NO \[AUTHENTICATIONFAILED\]/m);
    expect(await login(srv.port, USER, PASS)).toMatch(/^l NO \[UNAVAILABLE\]/m);
    expect(await login(srv.port, USER.toUpperCase(), PASS)).toMatch(/^l NO \[UNAVAILABLE\]/m);
    const c = await client(srv.port);
    const ir = Buffer.from(`\0${USER}\0${PASS}`).toString('base64');
    expect(await c.command('a', `AUTHENTICATE PLAIN ${ir}`)).toMatch(/^a NO \[UNAVAILABLE\]/m);
    // the session is still usable, and another user is not affected
    expect(await c.command('b', `LOGIN "${USER2}" "${PASS}"`)).toMatch(/^b OK/m);
  });

  it('lock the client IP: many user names guessed from one address lock that address', async () => {
    const srv = await server({ loginLimits: { ...FAST, exemptIps: [] } });
    for (let i = 0; i < FAST.lockAfter; i++) expect(await login(srv.port, `guess${i}@example.test`, 'x')).toMatch(/^l NO \[AUTHENTICATIONFAILED\]/m);
    expect(await login(srv.port, USER2, PASS)).toMatch(/^l NO \[UNAVAILABLE\]/m);
  });

  it('still close a connection after 5 failures on it (BYE)', async () => {
    const srv = await server({ loginLimits: { ...FAST, lockAfter: 100, exemptIps: [] } });
    const c = await client(srv.port);
    for (let i = 0; i < 4; i++) expect(await c.command(`f${i}`, `LOGIN "${USER2}" "bad"`)).toMatch(/NO \[AUTHENTICATIONFAILED\]/);
    const last = await c.command('f5', `LOGIN "${USER2}" "bad"`);
    expect(last).toMatch(/^\* BYE/m);
    for (let i = 0; i < 100 && !c.closed; i++) await new Promise((r) => setTimeout(r, 50));
    expect(c.closed).toBe(true);
  });
});

describe('unauthenticated sessions', () => {
  it('are closed with BYE after too many commands', async () => {
    const srv = await server({ preauth: { maxCommands: 5 } });
    const c = await client(srv.port);
    for (let i = 0; i < 3; i++) expect(await c.command(`n${i}`, 'NOOP')).toMatch(/OK/);
    expect(await c.command('g', 'GARBAGE ((')).toMatch(/^g BAD/m);
    expect(await c.command('n4', 'CAPABILITY')).toMatch(/^n4 OK/m);
    c.write('n5 NOOP\r\n');
    expect(await c.readUntil(/^\* BYE.*\r\n/m)).toMatch(/Too many commands/);
    expect(await c.readUntil(/^n5 /m, 1000).catch(() => 'no tagged reply')).toBe('no tagged reply');
  });

  it('do not count commands after login', async () => {
    const srv = await server({ preauth: { maxCommands: 2 } });
    const c = await client(srv.port);
    expect(await c.command('l', `LOGIN "${USER}" "${PASS}"`)).toMatch(/^l OK/m);
    for (let i = 0; i < 5; i++) expect(await c.command(`n${i}`, 'NOOP')).toMatch(/OK/);
  });

  it('are closed with BYE after the login time limit even when active, logged-in ones are not', async () => {
    const srv = await server({ preauth: { maxMs: 300 } });
    const idle = await client(srv.port);
    const active = await client(srv.port);
    const authed = await client(srv.port);
    expect(await authed.command('l', `LOGIN "${USER}" "${PASS}"`)).toMatch(/^l OK/m);
    let n = 0;
    let bye = '';
    while (!bye) {
      await active.command(`n${n++}`, 'NOOP').catch(() => undefined);
      bye = await active.readUntil(/^\* BYE.*\r\n/m, 50).catch(() => '');
    }
    expect(bye).toMatch(/Login time limit/);
    expect(await idle.readUntil(/^\* BYE.*\r\n/m)).toMatch(/Login time limit/);
    expect(await authed.command('x', 'NOOP')).toMatch(/^x OK/m);
  });
});
