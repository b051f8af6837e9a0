import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dkimVerify } from 'mailauth';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMailDomain, formatDnsRecords, startMailServer, staticDnsResolver, staticMxResolver, type DnsRecord, type RunningMailServer } from '../src/index.js';
import { startFakeMx, waitFor, type FakeMx } from './queue-helpers.js';

// `mailroom domain add` (addMailDomain) makes the key and the DNS records; submitted mail is
// signed with it, and the signature verifies against exactly the records that were printed.
let dir: string;
let server: RunningMailServer;
let remote: FakeMx;
let records: DnsRecord[];

/** The TXT value as DNS would return it: the quoted strings joined. */
function txtValue(record: DnsRecord): string {
  return [...record.value.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join('');
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-dkim-'));
  const added = addMailDomain({ dataDir: dir, domain: 'Sign.Test', mxHost: 'mx.sign.test' });
  expect(added.created).toBe(true);
  records = added.records;
  remote = await startFakeMx();
  server = await startMailServer({
    dataDir: dir,
    ports: { imap: 0, smtp: 0, submission: 0 },
    hostname: 'mx.sign.test',
    allowInsecureAuth: true,
    authChecks: false,
    queue: { resolver: staticMxResolver({ 'remote.test': { host: '127.0.0.1', port: remote.port } }), pollMs: 100 },
  });
  server.store.createUser('alice@sign.test', 'alice-pw');
});

afterAll(async () => {
  await server?.close();
  await remote?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DKIM keys and signing', () => {
  it('adds the domain, keeps the key private and prints MX, SPF, DKIM and DMARC records', () => {
    expect(server.store.hasDomain('sign.test')).toBe(true);
    const keyFile = path.join(dir, 'dkim', 'sign.test.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(records.map((r) => [r.name, r.type])).toEqual([
      ['sign.test.', 'MX'],
      ['sign.test.', 'TXT'],
      ['mailroom._domainkey.sign.test.', 'TXT'],
      ['_dmarc.sign.test.', 'TXT'],
    ]);
    expect(records[0]!.value).toBe('10 mx.sign.test.');
    expect(txtValue(records[1]!)).toBe('v=spf1 mx -all');
    expect(txtValue(records[2]!)).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    expect(txtValue(records[3]!)).toMatch(/^v=DMARC1; p=quarantine;/);
    // each quoted TXT string fits DNS's 255-byte limit
    for (const m of records[2]!.value.matchAll(/"([^"]*)"/g)) expect(m[1]!.length).toBeLessThanOrEqual(255);
    expect(formatDnsRecords(records).split('\n')[0]).toBe('sign.test.\tIN\tMX\t10 mx.sign.test.');
  });

  it('keeps the existing key when the domain is added again, and refuses a bad domain name', () => {
    const again = addMailDomain({ dataDir: dir, domain: 'sign.test', mxHost: 'mx.sign.test' });
    expect(again.created).toBe(false);
    expect(again.records[2]!.value).toBe(records[2]!.value);
    expect(() => addMailDomain({ dataDir: dir, domain: '../../etc/passwd' })).toThrow(/not a valid domain name/);
  });

  it('signs submitted mail for the From domain; the signature verifies against the printed record', async () => {
    await nodemailer
      .createTransport({ host: '127.0.0.1', port: server.ports.submission, secure: false, ignoreTLS: true, auth: { user: 'alice@sign.test', pass: 'alice-pw' } })
      .sendMail({ from: 'Alice <alice@sign.test>', to: 'bob@remote.test', subject: 'Signed', text: 'Signed body.\n' });
    const got = await waitFor(() => remote.received.find((m) => m.raw.toString().includes('Subject: Signed')), 'the signed message');
    const text = got.raw.toString('utf8');
    const signature = /^DKIM-Signature: [^\r\n]*(?:\r\n[ \t][^\r\n]*)*/m.exec(text)?.[0].replace(/\r\n[ \t]+/g, ' ') ?? '';
    expect(signature).toMatch(/a=rsa-sha256; c=relaxed\/relaxed; d=sign\.test;/);
    expect(signature).toMatch(/ s=mailroom;/);
    expect(signature).toMatch(/h=[^;]*From/);

    const resolver = staticDnsResolver({ 'mailroom._domainkey.sign.test': { TXT: [txtValue(records[2]!)] } });
    const verified = await dkimVerify(got.raw, { resolver: resolver as never });
    expect(verified.results.map((r) => [r.signingDomain, r.status.result])).toEqual([['sign.test', 'pass']]);
  });

  it('leaves mail of a domain without a key unsigned', async () => {
    server.store.addDomain('plain.test');
    server.store.createUser('paul@plain.test', 'paul-pw');
    await nodemailer
      .createTransport({ host: '127.0.0.1', port: server.ports.submission, secure: false, ignoreTLS: true, auth: { user: 'paul@plain.test', pass: 'paul-pw' } })
      .sendMail({ from: 'paul@plain.test', to: 'bob@remote.test', subject: 'Unsigned', text: 'x' });
    const got = await waitFor(() => remote.received.find((m) => m.raw.toString().includes('Subject: Unsigned')), 'the unsigned message');
    expect(got.raw.toString()).not.toContain('DKIM-Signature:');
  });
});
