// STLS (RFC 2595) with a self-signed certificate made by openssl for the test.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxUids, message, PASS, python, RawPop3, run, startPop3TestServer, USER, type Pop3TestServer } from './pop3-helpers.js';

let dir: string;
let cert: { key: Buffer; cert: Buffer };
let srv: Pop3TestServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pop3-tls-'));
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', path.join(dir, 'k'), '-out', path.join(dir, 'c')]);
  cert = { key: readFileSync(path.join(dir, 'k')), cert: readFileSync(path.join(dir, 'c')) };
  srv = await startPop3TestServer({ tls: cert });
  await srv.store.deliver(USER, message('secret', 'over TLS only'));
}, 60_000);
afterAll(async () => {
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Reads one CRLF line from a TLS socket. */
function tlsLines(sock: tls.TLSSocket): () => Promise<string> {
  let buf = '';
  const waiters: Array<() => void> = [];
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => {
    buf += d;
    for (const w of waiters.splice(0)) w();
  });
  return async () => {
    for (;;) {
      const i = buf.indexOf('\r\n');
      if (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        return line;
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
}

describe('POP3 STLS', () => {
  it('offers STLS and refuses plaintext authentication before it', async () => {
    const c = new RawPop3();
    await c.connect(srv.port);
    const caps = (await c.multi('CAPA')).body.trim().split('\r\n');
    expect(caps).toContain('STLS');
    expect(caps).not.toContain('USER');
    expect(caps.some((l) => l.startsWith('SASL'))).toBe(false);
    expect(await c.cmd(`USER ${USER}`)).toBe('-ERR [AUTH] Plaintext authentication requires STLS first');
    expect(await c.cmd('AUTH PLAIN AGFAYgBj')).toBe('-ERR [AUTH] Plaintext authentication requires STLS first');
    expect(await c.cmd('STLS extra')).toBe('-ERR STLS takes no arguments');
    c.destroy();
  });

  it('poplib: stls(), then USER/PASS, STAT, RETR; CAPA changes after TLS', async () => {
    const out = await python(
      srv.port,
      `
ctx = ssl.create_default_context(cafile=${JSON.stringify(path.join(dir, 'c'))})
ctx.check_hostname = False
p = poplib.POP3('127.0.0.1', PORT, timeout=10)
r = {'before': sorted(p.capa().keys())}
r['stls'] = p.stls(context=ctx).decode()
r['after'] = sorted(p.capa().keys())
r['cipher'] = p.sock.version()
p.user(USER)
p.pass_(PASS)
r['stat'] = list(p.stat())
_, lines, _ = p.retr(1); r['retr'] = [l.decode() for l in lines]
p.quit()
print(json.dumps(r))
`,
    );
    const r = JSON.parse(out) as { before: string[]; stls: string; after: string[]; cipher: string; stat: number[]; retr: string[] };
    expect(r.before).toContain('STLS');
    expect(r.stls).toMatch(/^\+OK/);
    expect(r.after).toEqual(expect.arrayContaining(['USER', 'SASL', 'TOP', 'UIDL']));
    expect(r.after).not.toContain('STLS');
    expect(r.cipher).toMatch(/^TLS/);
    expect(r.stat[0]).toBe(1);
    expect(r.retr).toContain('over TLS only');
  });

  it('curl --ssl-reqd upgrades with STLS and retrieves a message', async () => {
    const { stdout } = await run('curl', ['-s', '-S', '--max-time', '15', '--ssl-reqd', '-k', `pop3://127.0.0.1:${srv.port}/1`, '-u', `${USER}:${PASS}`]);
    expect(stdout).toContain('over TLS only');
  });

  it('drops commands pipelined after STLS in clear text (no injection)', async () => {
    const c = new RawPop3();
    await c.connect(srv.port);
    // the USER below arrives in the same packet as STLS, before the handshake
    c.write(`STLS\r\nUSER ${USER}\r\n`);
    expect(await c.line()).toBe('+OK Begin TLS negotiation');
    const sock = c.rawSocket;
    sock.removeAllListeners('data');
    const secure = tls.connect({ socket: sock, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    const next = tlsLines(secure);
    secure.write(`PASS ${PASS}\r\n`);
    expect(await next()).toBe('-ERR USER first');
    secure.write('STLS\r\n');
    expect(await next()).toBe('-ERR TLS already active');
    secure.write(`USER ${USER}\r\nPASS ${PASS}\r\nSTAT\r\nQUIT\r\n`);
    expect(await next()).toMatch(/^\+OK/);
    expect(await next()).toMatch(/^\+OK Logged in/);
    expect(await next()).toMatch(/^\+OK 1 \d+$/);
    expect(await next()).toMatch(/^\+OK Bye/);
    secure.destroy();
    expect(await inboxUids(srv.store)).toHaveLength(1);
  });

  it('allowInsecureAuth permits USER/PASS before STLS while still offering it', async () => {
    const lax = await startPop3TestServer({ tls: cert, allowInsecureAuth: true });
    try {
      const c = new RawPop3();
      await c.connect(lax.port);
      const caps = (await c.multi('CAPA')).body;
      expect(caps).toMatch(/^STLS$/m);
      expect(caps).toMatch(/^USER$/m);
      await c.login();
      expect(await c.cmd('STAT')).toBe('+OK 0 0');
      c.destroy();
    } finally {
      await lax.close();
    }
  });

  it('a failed handshake closes that connection only', async () => {
    const c = new RawPop3();
    await c.connect(srv.port);
    expect(await c.cmd('STLS')).toBe('+OK Begin TLS negotiation');
    c.write('this is not a TLS ClientHello\r\n');
    await c.waitClosed();
    const d = new RawPop3();
    expect(await d.connect(srv.port)).toMatch(/^\+OK/);
    d.destroy();
  });

  it('refuses to start with a broken certificate', async () => {
    await expect(startPop3TestServer({ tls: { key: 'not a key', cert: 'not a cert' } })).rejects.toThrow();
  });
});
