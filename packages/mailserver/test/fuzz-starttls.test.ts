/**
 * STARTTLS command injection (the CVE-2011-0411 class): commands pipelined in plaintext after
 * STARTTLS must never run inside the TLS session.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapServer } from '../src/imap/server.js';
import { openStore, type MailStore } from '../src/store/index.js';
import { SIMPLE_PASS } from './support/server.js';

const USER = 'tls@interop.test';
let dir: string;
let store: MailStore;
let server: { port: number; close(): Promise<void> };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-starttls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  } catch (err) {
    throw new Error(`this test needs the openssl command line tool to make a certificate: ${(err as Error).message}`);
  }
  store = openStore({ path: ':memory:' });
  store.createUser(USER, SIMPLE_PASS);
  server = await startImapServer({ store, host: '127.0.0.1', port: 0, tls: { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) } });
});

afterAll(async () => {
  await server?.close();
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Collects text from a socket and waits for a pattern (10 s at most). */
function reader(sock: net.Socket | tls.TLSSocket) {
  let buf = '';
  sock.on('data', (d: Buffer) => { buf += d.toString('latin1'); });
  return {
    get text() { return buf; },
    async until(re: RegExp): Promise<string> {
      const deadline = Date.now() + 10_000;
      while (!re.test(buf)) {
        if (Date.now() > deadline || sock.destroyed) throw new Error(`no ${re} in ${JSON.stringify(buf)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return buf;
    },
  };
}

describe('STARTTLS', () => {
  it('discards commands pipelined in plaintext after STARTTLS', async () => {
    const plain = net.connect(server.port, '127.0.0.1');
    const r1 = reader(plain);
    await r1.until(/^\* OK .*\r\n/m);
    // one write: STARTTLS plus an injected LOGIN and SELECT that must never run
    plain.write(`a STARTTLS\r\nb LOGIN ${USER} ${SIMPLE_PASS}\r\nc SELECT INBOX\r\n`);
    await r1.until(/^a OK .*\r\n/m);
    plain.removeAllListeners('data');
    const secure = tls.connect({ socket: plain, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => { secure.once('secureConnect', resolve); secure.once('error', reject); });
    const r2 = reader(secure);
    secure.write('d NOOP\r\ne SELECT INBOX\r\n');
    await r2.until(/^e (OK|NO|BAD).*\r\n/m);
    expect(r2.text).toMatch(/^d OK/m);
    expect(r2.text).toMatch(/^e BAD Not authenticated/m);
    expect(r2.text).not.toMatch(/^(b|c) /m);
    expect(r1.text).not.toMatch(/^(b|c) /m);
    secure.destroy();
  });
});
