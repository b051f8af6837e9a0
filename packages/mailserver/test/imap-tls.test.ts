import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { openStore, type MailStore } from '../src/store/index.js';
import { startImapServer } from '../src/imap/server.js';
import { PASS, RawClient, USER } from './imap-helpers.js';

// A throw-away self-signed certificate made with the openssl command line tool.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-tls-'));
let key: Buffer;
let cert: Buffer;
let store: MailStore;
const servers: Array<{ port: number; close(): Promise<void> }> = [];

beforeAll(async () => {
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  } catch (err) {
    throw new Error(`this test needs the openssl command line tool to make a certificate: ${(err as Error).message}`);
  }
  key = fs.readFileSync(path.join(dir, 'key.pem'));
  cert = fs.readFileSync(path.join(dir, 'cert.pem'));
  store = openStore({ path: ':memory:' });
  store.createUser(USER, PASS);
});

afterAll(async () => {
  for (const s of servers) await s.close();
  store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('IMAP over TLS', () => {
  it('offers STARTTLS on a plain listener and upgrades', async () => {
    const srv = await startImapServer({ store, host: '127.0.0.1', port: 0, tls: { key, cert } });
    servers.push(srv);
    const raw = new RawClient();
    expect(await raw.connect(srv.port)).toContain('STARTTLS');
    raw.close();
    const client = new ImapFlow({ host: '127.0.0.1', port: srv.port, secure: false, doSTARTTLS: true, tls: { rejectUnauthorized: false }, auth: { user: USER, pass: PASS }, logger: false });
    await client.connect();
    expect(client.secureConnection).toBe(true);
    const box = await client.mailboxOpen('INBOX');
    expect(box.exists).toBe(0);
    await client.logout();
  });

  it('serves implicit TLS', async () => {
    const srv = await startImapServer({ store, host: '127.0.0.1', port: 0, tls: { key, cert }, secure: true });
    servers.push(srv);
    const client = new ImapFlow({ host: '127.0.0.1', port: srv.port, secure: true, tls: { rejectUnauthorized: false }, auth: { user: USER, pass: PASS }, logger: false });
    await client.connect();
    expect(client.capabilities.has('STARTTLS')).toBe(false);
    expect((await client.list()).length).toBeGreaterThan(0);
    await client.logout();
  });

  it('does not offer STARTTLS without a certificate', async () => {
    const srv = await startImapServer({ store, host: '127.0.0.1', port: 0 });
    servers.push(srv);
    const raw = new RawClient();
    expect(await raw.connect(srv.port)).not.toContain('STARTTLS');
    expect(await raw.command('t1', 'STARTTLS')).toMatch(/^t1 BAD/m);
    raw.close();
  });
});
