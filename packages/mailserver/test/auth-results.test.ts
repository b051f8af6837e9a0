import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dkimSign, sealMessage } from 'mailauth';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type MailStore } from '../src/store/index.js';
import { startInboundSmtp } from '../src/smtp/inbound.js';
import { staticDnsResolver } from '../src/smtp/auth-checks.js';
import type { SmtpListener } from '../src/smtp/listener.js';
import { mailbox } from './queue-helpers.js';

// SPF, DKIM, DMARC and ARC of MX mail with a fixed DNS table: sender.test publishes SPF for
// 127.0.0.1, a DKIM key under selector s1 and a DMARC policy.
let dir: string;
let store: MailStore;
let smtp: SmtpListener;
let privateKey: string;

const HOSTNAME = 'mx.example.test';

function message(subject: string, body: string, from = 'Sam <sam@sender.test>'): string {
  return `From: ${from}\r\nTo: carol@example.test\r\nSubject: ${subject}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, '')}@sender.test>\r\n\r\n${body}\r\n`;
}

async function signed(raw: string): Promise<string> {
  const data = { signingDomain: 'sender.test', selector: 's1', privateKey };
  const result = await dkimSign(raw, { ...data, signatureData: [data], canonicalization: 'relaxed/relaxed' });
  expect(result.errors).toEqual([]);
  expect(result.signatures).toMatch(/^DKIM-Signature: /);
  return result.signatures + raw;
}

async function send(raw: string, mailFrom: string): Promise<void> {
  await nodemailer
    .createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true, name: 'mail.sender.test' })
    .sendMail({ envelope: { from: mailFrom, to: ['carol@example.test'] }, raw });
}

/** The Authentication-Results field of the newest message with `subject`. */
async function resultsFor(subject: string): Promise<{ header: string; text: string }> {
  const all = await mailbox(store, 'carol@example.test');
  const raw = all.reverse().find((m) => m.toString().includes(`Subject: ${subject}`));
  if (!raw) throw new Error(`no message ${subject}`);
  const text = raw.toString('utf8');
  const header = /^Authentication-Results: [^\r\n]*(?:\r\n[ \t][^\r\n]*)*/m.exec(text)?.[0].replace(/\r\n[ \t]+/g, ' ') ?? '';
  return { header, text };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-auth-'));
  store = openStore({ path: path.join(dir, 'mail.sqlite') });
  store.addDomain('example.test');
  store.createUser('carol@example.test', 'pw');
  const pair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  privateKey = pair.privateKey;
  const resolver = staticDnsResolver({
    'sender.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
    's1._domainkey.sender.test': { TXT: [`v=DKIM1; k=rsa; p=${Buffer.from(pair.publicKey).toString('base64')}`] },
    '_dmarc.sender.test': { TXT: ['v=DMARC1; p=reject'] },
    // a forwarder that ARC-seals with the same key
    'arc._domainkey.fwd.test': { TXT: [`v=DKIM1; k=rsa; p=${Buffer.from(pair.publicKey).toString('base64')}`] },
    'nospf.test': { A: ['192.0.2.1'] },
  });
  smtp = await startInboundSmtp({ store, host: '127.0.0.1', port: 0, hostname: HOSTNAME, maxMessageBytes: 1024 * 1024, authChecks: { resolver } });
});

afterAll(async () => {
  await smtp?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('inbound authentication checks (mailauth)', () => {
  it('records spf, dkim and dmarc pass for a signed message from an authorised address', async () => {
    await send(await signed(message('Signed and aligned', 'Hello Carol.')), 'sam@sender.test');
    const { header, text } = await resultsFor('Signed and aligned');
    expect(header.startsWith(`Authentication-Results: ${HOSTNAME};`)).toBe(true);
    expect(header).toMatch(/dkim=pass [^;]*header\.[ds]=/);
    expect(header).toMatch(/header\.d=sender\.test/);
    expect(header).toMatch(/spf=pass [^;]*smtp\.mailfrom=sam@sender\.test/);
    expect(header).toMatch(/dmarc=pass [^;]*header\.from=sender\.test/);
    expect(header).toMatch(/arc=none/);
    expect(text).toMatch(/^Received-SPF: pass/m);
    // the results sit under our Return-Path/Received and above the original header
    expect(text.indexOf('Authentication-Results:')).toBeLessThan(text.indexOf('DKIM-Signature:'));
    expect(text.indexOf('Received: from')).toBeLessThan(text.indexOf('Authentication-Results:'));
  });

  it('records no dkim pass for a tampered body, and dmarc=fail without aligned SPF', async () => {
    const good = await signed(message('Tampered', 'Pay 10 EUR to account A.'));
    const tampered = good.replace('Pay 10 EUR to account A.', 'Pay 9000 EUR to account B.');
    await send(tampered, 'bounce@nospf.test');
    const { header } = await resultsFor('Tampered');
    // mailauth reports a body hash mismatch as "neutral" (RFC 6376 section 6.1.3 leaves it open): never a pass
    expect(header).toMatch(/dkim=(?:fail|neutral) \(body hash did not verify\)/);
    expect(header).not.toMatch(/dkim=pass/);
    expect(header).toMatch(/spf=none/);
    expect(header).toMatch(/dmarc=fail/);
  });

  it('records dkim=fail when a signed header field was changed', async () => {
    const good = await signed(message('Header tamper', 'Same body.'));
    await send(good.replace('Subject: Header tamper', 'Subject: Header tamper URGENT'), 'sam@sender.test');
    const { header } = await resultsFor('Header tamper URGENT');
    expect(header).toMatch(/dkim=fail \(bad signature\) header\.i=@sender\.test/);
  });

  it('records arc=pass for a message sealed by a forwarder, arc=fail when it was changed after sealing', async () => {
    const original = await signed(message('Forwarded', 'Through a list.'));
    // the forwarder's own results, then its seal (RFC 8617), then (for the bad case) a change
    const withResults = `Authentication-Results: fwd.test; dkim=pass header.d=sender.test; spf=pass smtp.mailfrom=sam@sender.test\r\n${original}`;
    const seal = await sealMessage(Buffer.from(withResults), {
      signingDomain: 'fwd.test',
      selector: 'arc',
      privateKey,
      authResults: 'fwd.test; dkim=pass header.d=sender.test; spf=pass smtp.mailfrom=sam@sender.test',
      cv: 'none',
    } as Parameters<typeof sealMessage>[1]);
    const sealed = seal.toString('utf8') + withResults;
    await send(sealed, 'list-bounces@nospf.test');
    expect((await resultsFor('Forwarded')).header).toMatch(/arc=pass \(i=1/);

    await send(sealed.replace('Subject: Forwarded', 'Subject: Forwarded and changed'), 'list-bounces@nospf.test');
    expect((await resultsFor('Forwarded and changed')).header).toMatch(/arc=fail/);
  });

  it('records dkim=none for an unsigned message (SPF alone aligns for DMARC)', async () => {
    await send(message('Unsigned', 'No signature here.'), 'sam@sender.test');
    const { header } = await resultsFor('Unsigned');
    expect(header).toMatch(/dkim=none/);
    expect(header).toMatch(/spf=pass/);
    expect(header).toMatch(/dmarc=pass/);
  });

  it('removes a forged Authentication-Results that claims our host name, keeps other hosts’ results', async () => {
    const forged =
      `Authentication-Results: ${HOSTNAME}; dkim=pass header.d=bank.test; dmarc=pass header.from=bank.test\r\n` +
      'Authentication-Results: other-mx.test; spf=pass smtp.mailfrom=x@other.test\r\n' +
      message('Forged results', 'trust me', 'Bank <ceo@bank.test>');
    await send(forged, 'ceo@bank.test');
    const { text } = await resultsFor('Forged results');
    const ours = text.match(new RegExp(`^Authentication-Results: ${HOSTNAME.replace(/\./g, '\\.')};`, 'gm')) ?? [];
    expect(ours).toHaveLength(1);
    expect(text).not.toContain('dkim=pass header.d=bank.test');
    expect(text).toContain('Authentication-Results: other-mx.test; spf=pass');
  });
});
