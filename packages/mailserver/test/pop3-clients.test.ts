// Real POP3 clients against the POP3 server on 127.0.0.1: Python's poplib and curl.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { inboxUids, message, PASS, python, run, startPop3TestServer, USER, type Pop3TestServer } from './pop3-helpers.js';

let srv: Pop3TestServer;

const DOTS = Buffer.from(['From: dots@example.org', 'Subject: dotted', '', 'before', '.', '.leading dot', 'after', ''].join('\r\n'));

beforeEach(async () => {
  await srv?.close();
  srv = await startPop3TestServer();
  await srv.store.deliver(USER, message('first', 'hello one'));
  await srv.store.deliver(USER, DOTS);
  await srv.store.deliver(USER, message('third', 'hello three\r\nline 2\r\nline 3'));
});
afterAll(async () => {
  await srv?.close();
});

async function box() {
  return (await srv.store.getMailbox(srv.store.findUser(USER)!.id, 'INBOX'))!;
}

describe('Python poplib', () => {
  it('user/pass_, stat, list, uidl, top, retr, dele, quit', async () => {
    const uids = await inboxUids(srv.store);
    const out = await python(
      srv.port,
      `
p = poplib.POP3('127.0.0.1', PORT, timeout=10)
r = {'welcome': p.getwelcome().decode(), 'capa': sorted(p.capa().keys())}
p.user(USER)
r['pass'] = p.pass_(PASS).decode()
r['stat'] = list(p.stat())
_, lines, _ = p.list(); r['list'] = [l.decode() for l in lines]
_, lines, _ = p.uidl(); r['uidl'] = [l.decode() for l in lines]
r['uidl2'] = p.uidl(2).decode()
_, lines, _ = p.top(3, 1); r['top'] = [l.decode() for l in lines]
_, lines, octets = p.retr(2); r['retr'] = {'lines': [l.decode() for l in lines], 'octets': octets}
r['dele'] = p.dele(1).decode()
r['quit'] = p.quit().decode()
print(json.dumps(r))
`,
    );
    const r = JSON.parse(out) as {
      welcome: string; capa: string[]; pass: string; stat: [number, number]; list: string[]; uidl: string[]; uidl2: string;
      top: string[]; retr: { lines: string[]; octets: number }; dele: string; quit: string;
    };
    expect(r.welcome).toMatch(/^\+OK/);
    expect(r.capa).toEqual(expect.arrayContaining(['TOP', 'UIDL', 'USER', 'SASL']));
    expect(r.pass).toMatch(/^\+OK/);
    expect(r.stat[0]).toBe(3);
    const sizes = r.list.map((l) => Number(l.split(' ')[1]));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(r.stat[1]);
    const { uidvalidity } = await box();
    expect(r.uidl).toEqual(uids.map((u, i) => `${i + 1} ${uidvalidity}.${u}`));
    expect(r.uidl2).toBe(`+OK 2 ${uidvalidity}.${uids[1]}`);
    expect(r.top).toContain('Subject: third');
    expect(r.top.slice(-2)).toEqual(['', 'hello three']);
    // poplib undoes the byte-stuffing; its octet count equals the size LIST announced
    expect(r.retr.lines.slice(-4)).toEqual(['before', '.', '.leading dot', 'after']);
    expect(r.retr.octets).toBe(sizes[1]);
    expect(r.dele).toMatch(/^\+OK/);
    expect(r.quit).toMatch(/^\+OK/);
    expect(await inboxUids(srv.store)).toEqual(uids.slice(1));
  });

  it('reports a wrong password as an error_proto with [AUTH] and deletes nothing', async () => {
    const out = await python(
      srv.port,
      `
p = poplib.POP3('127.0.0.1', PORT, timeout=10)
p.user(USER)
try:
    p.pass_('wrong password')
    print('accepted')
except poplib.error_proto as e:
    print(e.args[0].decode())
`,
    );
    expect(out.trim()).toBe('-ERR [AUTH] Invalid credentials');
  });

  it('SASL PLAIN with an initial response and with a continuation (raw AUTH through _shortcmd)', async () => {
    const out = await python(
      srv.port,
      `
tok = base64.b64encode(('\\0' + USER + '\\0' + PASS).encode()).decode()
r = {}
p = poplib.POP3('127.0.0.1', PORT, timeout=10)
r['ir'] = p._shortcmd('AUTH PLAIN ' + tok).decode()
r['stat1'] = list(p.stat())
p.quit()
q = poplib.POP3('127.0.0.1', PORT, timeout=10)
r['cont'] = q._shortcmd('AUTH PLAIN').decode()
r['done'] = q._shortcmd(tok).decode()
_, lines, _ = q.retr(1); r['retr'] = [l.decode() for l in lines]
q.quit()
print(json.dumps(r))
`,
    );
    const r = JSON.parse(out) as { ir: string; stat1: number[]; cont: string; done: string; retr: string[] };
    expect(r.ir).toBe('+OK Authenticated');
    expect(r.stat1[0]).toBe(3);
    expect(r.cont).toBe('+ ');
    expect(r.done).toBe('+OK Authenticated');
    expect(r.retr).toContain('Subject: first');
  });
});

describe('curl', () => {
  const auth = `${USER}:${PASS}`;
  const curl = async (...args: string[]) => (await run('curl', ['-s', '-S', '--max-time', '15', ...args])).stdout;

  it('retrieves a message by number (AUTH PLAIN, RETR) and undoes the byte-stuffing', async () => {
    const body = await curl(`pop3://127.0.0.1:${srv.port}/2`, '-u', auth);
    expect(body).toBe(DOTS.toString('utf8'));
    const flags = (await srv.store.getMeta((await box()).id, [(await inboxUids(srv.store))[1]!]))[0]!.flags;
    expect(flags).toContain('\\Seen');
  });

  it('lists messages (LIST) and unique ids (-X UIDL)', async () => {
    const list = await curl('--list-only', `pop3://127.0.0.1:${srv.port}/`, '-u', auth);
    const lines = list.trim().split(/\r?\n/);
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['1', '2', '3']);
    expect(Number(lines[1]!.split(' ')[1])).toBe(DOTS.length);
    const uidl = await curl('-X', 'UIDL', `pop3://127.0.0.1:${srv.port}/`, '-u', auth);
    const { uidvalidity } = await box();
    const uids = await inboxUids(srv.store);
    expect(uidl.trim().split(/\r?\n/)).toEqual(uids.map((u, i) => `${i + 1} ${uidvalidity}.${u}`));
  });

  it('sends SASL PLAIN as an initial response with --sasl-ir, and TOP through -X', async () => {
    const top = await curl('--sasl-ir', '-X', 'TOP 3 0', `pop3://127.0.0.1:${srv.port}/`, '-u', auth);
    expect(top).toMatch(/Subject: third\r?\n/);
    expect(top).not.toContain('hello three');
  });

  it('deletes with -X DELE (removed at QUIT) and fails cleanly on a wrong password', async () => {
    await curl('-X', 'DELE 1', '-I', `pop3://127.0.0.1:${srv.port}/`, '-u', auth);
    expect(await inboxUids(srv.store)).toHaveLength(2);
    const failed = await run('curl', ['-s', '--max-time', '15', `pop3://127.0.0.1:${srv.port}/1`, '-u', `${USER}:nope`]).catch((e: { code: number }) => e);
    expect((failed as { code: number }).code).toBe(67); // CURLE_LOGIN_DENIED
    expect(await inboxUids(srv.store)).toHaveLength(2);
  });
});
