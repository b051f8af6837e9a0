// startMailServer with a certificate: STARTTLS and implicit TLS for IMAP (self-signed certificate
// from selfSignedCertificate), and the plaintext login policy (LOGINDISABLED, RFC 3501 7.2.1).
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { selfSignedCertificate, startMailServer, type RunningMailServer, type SelfSignedCertificate } from '../src/index.js';
import { PASS, RawClient, USER } from './imap-helpers.js';

let cert: SelfSignedCertificate;
const dirs: string[] = [];
const servers: RunningMailServer[] = [];

async function start(opts: { tls?: SelfSignedCertificate; allowInsecureAuth?: boolean; imaps?: number | null } = {}): Promise<RunningMailServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-imaps-'));
  dirs.push(dataDir);
  const ports = { imap: 0, smtp: 0, submission: 0, pop3: null, ...(opts.imaps !== undefined ? { imaps: opts.imaps } : {}) };
  const mail = await startMailServer({ dataDir, ports, tls: opts.tls, allowInsecureAuth: opts.allowInsecureAuth, queue: false, authChecks: false, dkimSign: false });
  servers.push(mail);
  mail.store.addDomain('example.test');
  mail.store.createUser(USER, PASS);
  return mail;
}

/** Raw STARTTLS upgrade of a plain IMAP connection; returns a line reader over the TLS socket. */
async function rawStartTls(port: number): Promise<{ socket: tls.TLSSocket; command(tag: string, line: string): Promise<string> }> {
  const plain = net.connect(port, '127.0.0.1');
  let buf = '';
  const onPlain = (d: Buffer) => { buf += d.toString('latin1'); };
  plain.on('data', onPlain);
  const until = async (re: RegExp): Promise<string> => {
    for (let i = 0; i < 100 && !re.test(buf); i++) await new Promise((r) => setTimeout(r, 50));
    const m = re.exec(buf);
    if (!m) throw new Error(`no ${re} in ${JSON.stringify(buf)}`);
    const out = buf.slice(0, m.index + m[0].length);
    buf = buf.slice(m.index + m[0].length);
    return out;
  };
  await until(/^\* OK.*\r\n/m);
  plain.write('s1 STARTTLS\r\n');
  expect(await until(/^s1 .*\r\n/m)).toMatch(/^s1 OK/m);
  plain.off('data', onPlain);
  const socket = tls.connect({ socket: plain, rejectUnauthorized: false, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => { socket.once('secureConnect', resolve); socket.once('error', reject); });
  socket.on('data', (d: Buffer) => { buf += d.toString('latin1'); });
  return {
    socket,
    async command(tag, line) {
      socket.write(`${tag} ${line}\r\n`);
      return until(new RegExp(`^${tag} (OK|NO|BAD)[^\\r]*\\r\\n`, 'm'));
    },
  };
}

beforeAll(async () => {
  cert = await selfSignedCertificate(['localhost', '127.0.0.1']);
});

afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('selfSignedCertificate', () => {
  it('makes a PEM key and a certificate naming the hosts', () => {
    expect(cert.key).toMatch(/-----BEGIN (RSA )?PRIVATE KEY-----/);
    const x509 = new X509Certificate(cert.cert);
    expect(x509.subjectAltName).toContain('DNS:localhost');
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x509.checkPrivateKey(createPrivateKey(cert.key))).toBe(true);
  });
});

describe('startMailServer IMAP with TLS', () => {
  it('serves imapflow over implicit TLS on ports.imaps with the self-signed certificate', async () => {
    const mail = await start({ tls: cert });
    expect(mail.ports.imaps).toEqual(expect.any(Number));
    expect(mail.ports.imaps).not.toBe(mail.ports.imap);
    const client = new ImapFlow({ host: '127.0.0.1', port: mail.ports.imaps!, secure: true, tls: { rejectUnauthorized: false }, auth: { user: USER, pass: PASS }, logger: false });
    await client.connect();
    expect(client.secureConnection).toBe(true);
    expect(client.capabilities.has('STARTTLS')).toBe(false);
    const box = await client.mailboxOpen('INBOX');
    expect(box.exists).toBe(0);
    await client.append('INBOX', 'Subject: over TLS\r\n\r\nhello\r\n');
    await client.logout();
    expect(mail.store.findUser(USER)).toBeTruthy();

    // the certificate served is the one given
    const s = tls.connect({ host: '127.0.0.1', port: mail.ports.imaps!, rejectUnauthorized: false, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => { s.once('secureConnect', resolve); s.once('error', reject); });
    expect(s.getPeerCertificate().subjectaltname).toContain('DNS:localhost');
    s.destroy();
  });

  it('serves imapflow over STARTTLS on the plain port', async () => {
    const mail = servers[0]!;
    const client = new ImapFlow({ host: '127.0.0.1', port: mail.ports.imap, secure: false, doSTARTTLS: true, tls: { rejectUnauthorized: false }, auth: { user: USER, pass: PASS }, logger: false });
    await client.connect();
    expect(client.secureConnection).toBe(true);
    const box = await client.mailboxOpen('INBOX');
    expect(box.exists).toBe(1);
    await client.logout();
  });

  it('advertises LOGINDISABLED and refuses LOGIN/AUTHENTICATE before STARTTLS (NO [PRIVACYREQUIRED])', async () => {
    const mail = servers[0]!;
    const raw = new RawClient();
    const greeting = await raw.connect(mail.ports.imap);
    expect(greeting).toContain('STARTTLS');
    expect(greeting).toContain('LOGINDISABLED');
    expect(greeting).not.toContain('AUTH=PLAIN');
    expect(await raw.command('a1', 'CAPABILITY')).toMatch(/^\* CAPABILITY .*LOGINDISABLED/m);
    expect(await raw.command('a2', `LOGIN "${USER}" "${PASS}"`)).toMatch(/^a2 NO \[PRIVACYREQUIRED\]/m);
    const ir = Buffer.from(`\0${USER}\0${PASS}`).toString('base64');
    expect(await raw.command('a3', `AUTHENTICATE PLAIN ${ir}`)).toMatch(/^a3 NO \[PRIVACYREQUIRED\]/m);
    // refused without a continuation request: the client is not invited to send credentials
    const r4 = await raw.command('a4', 'AUTHENTICATE PLAIN');
    expect(r4).not.toMatch(/^\+/m);
    expect(r4).toMatch(/^a4 NO \[PRIVACYREQUIRED\]/m);
    expect(await raw.command('a5', 'NOOP')).toMatch(/^a5 OK/m);
    raw.close();

    // after STARTTLS: AUTH=PLAIN, no LOGINDISABLED, LOGIN works
    const sec = await rawStartTls(mail.ports.imap);
    const caps = await sec.command('b1', 'CAPABILITY');
    expect(caps).toContain('AUTH=PLAIN');
    expect(caps).not.toContain('LOGINDISABLED');
    expect(caps).not.toMatch(/ STARTTLS/);
    expect(await sec.command('b2', `LOGIN "${USER}" "${PASS}"`)).toMatch(/^b2 OK/m);
    sec.socket.destroy();
  });

  it('keeps plaintext login with allowInsecureAuth (demo) while offering STARTTLS', async () => {
    const mail = await start({ tls: cert, allowInsecureAuth: true });
    const raw = new RawClient();
    const greeting = await raw.connect(mail.ports.imap);
    expect(greeting).toContain('STARTTLS');
    expect(greeting).toContain('AUTH=PLAIN');
    expect(greeting).not.toContain('LOGINDISABLED');
    expect(await raw.command('a1', `LOGIN "${USER}" "${PASS}"`)).toMatch(/^a1 OK/m);
    raw.close();
  });

  it('has no IMAPS listener without a certificate or with ports.imaps null', async () => {
    const plain = await start();
    expect(plain.ports.imaps).toBeNull();
    const raw = new RawClient();
    const greeting = await raw.connect(plain.ports.imap);
    expect(greeting).not.toContain('STARTTLS');
    expect(greeting).not.toContain('LOGINDISABLED');
    raw.close();
    const off = await start({ tls: cert, imaps: null });
    expect(off.ports.imaps).toBeNull();
  });
});
