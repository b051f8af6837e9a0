/**
 * DKIM keys per domain, kept in dataDir/dkim/: `<domain>.key` (PKCS#8 PEM, mode 0600) and
 * `<domain>.selector` (the selector name). `addMailDomain` (behind `mailroom domain add`) adds the
 * domain to the store, makes the key when there is none, and returns the DNS records to publish.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { dkimSign } from 'mailauth';
import { openStore } from '../store/index.js';
import { splitMessage } from '../smtp/headers.js';

export const DKIM_DIR = 'dkim';
export const DEFAULT_DKIM_SELECTOR = 'mailroom';
const DKIM_KEY_BITS = 2048;
/** A domain name we are willing to use as a file name (no path separators, no leading dot). */
const DOMAIN_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

export interface DkimKey {
  domain: string;
  selector: string;
  privateKey: string;
}

/** Lower-cases and checks a domain name; throws a clear error for anything else. */
export function normalizeDomain(domain: string): string {
  const d = domain.trim().toLowerCase().replace(/\.$/, '');
  if (!DOMAIN_RE.test(d)) throw new Error(`"${domain}" is not a valid domain name`);
  return d;
}

function keyPaths(dataDir: string, domain: string): { key: string; selector: string } {
  const dir = path.join(dataDir, DKIM_DIR);
  return { key: path.join(dir, `${domain}.key`), selector: path.join(dir, `${domain}.selector`) };
}

/** Reads the key of one domain, null when it has none. */
export function readDkimKey(dataDir: string, domain: string): DkimKey | null {
  const d = normalizeDomain(domain);
  const p = keyPaths(dataDir, d);
  if (!existsSync(p.key)) return null;
  const selector = existsSync(p.selector) ? readFileSync(p.selector, 'utf8').trim() : DEFAULT_DKIM_SELECTOR;
  return { domain: d, selector: selector || DEFAULT_DKIM_SELECTOR, privateKey: readFileSync(p.key, 'utf8') };
}

/** Every key in dataDir/dkim. */
export function loadDkimKeys(dataDir: string): Map<string, DkimKey> {
  const out = new Map<string, DkimKey>();
  const dir = path.join(dataDir, DKIM_DIR);
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.key')) continue;
    try {
      const key = readDkimKey(dataDir, name.slice(0, -4));
      if (key) out.set(key.domain, key);
    } catch {
      // a stray file that is not a domain key
    }
  }
  return out;
}

/** Makes an RSA-2048 key for `domain` unless one exists; returns the key and whether it is new. */
export function ensureDkimKey(dataDir: string, domain: string, selector = DEFAULT_DKIM_SELECTOR): { key: DkimKey; created: boolean } {
  const d = normalizeDomain(domain);
  const existing = readDkimKey(dataDir, d);
  if (existing) return { key: existing, created: false };
  if (!/^[a-z0-9](?:[a-z0-9-]{0,62})$/i.test(selector)) throw new Error(`"${selector}" is not a valid DKIM selector`);
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: DKIM_KEY_BITS,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const p = keyPaths(dataDir, d);
  mkdirSync(path.dirname(p.key), { recursive: true, mode: 0o700 });
  writeFileSync(p.key, privateKey, { mode: 0o600, flag: 'wx' });
  writeFileSync(p.selector, `${selector}\n`, { mode: 0o644 });
  return { key: { domain: d, selector, privateKey }, created: true };
}

/** The base64 SubjectPublicKeyInfo of a private key (the p= tag of the DKIM record). */
export function dkimPublicKey(privateKeyPem: string): string {
  const der = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
  return Buffer.from(der).toString('base64');
}

export interface DnsRecord {
  name: string;
  type: 'MX' | 'TXT';
  value: string;
}

/** The DNS records a domain needs: MX, SPF, DKIM and DMARC. */
export function domainDnsRecords(key: DkimKey, mxHost: string): DnsRecord[] {
  return [
    { name: `${key.domain}.`, type: 'MX', value: `10 ${mxHost.replace(/\.$/, '')}.` },
    { name: `${key.domain}.`, type: 'TXT', value: '"v=spf1 mx -all"' },
    { name: `${key.selector}._domainkey.${key.domain}.`, type: 'TXT', value: splitTxt(`v=DKIM1; k=rsa; p=${dkimPublicKey(key.privateKey)}`) },
    { name: `_dmarc.${key.domain}.`, type: 'TXT', value: `"v=DMARC1; p=quarantine; rua=mailto:postmaster@${key.domain}; adkim=s; aspf=s"` },
  ];
}

/** A TXT value over 255 bytes is written as several quoted strings (RFC 7208 section 3.3). */
function splitTxt(value: string): string {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += 255) parts.push(`"${value.slice(i, i + 255)}"`);
  return parts.join(' ');
}

/** Zone-file lines for the records. */
export function formatDnsRecords(records: DnsRecord[]): string {
  return records.map((r) => `${r.name}\tIN\t${r.type}\t${r.value}`).join('\n');
}

/**
 * `mailroom domain add`: adds the domain to the store in `dataDir` (creating it when needed), makes
 * its DKIM key unless it has one, and returns the DNS records to publish.
 */
export function addMailDomain(opts: { dataDir: string; domain: string; mxHost?: string; selector?: string }): {
  domain: string;
  created: boolean;
  keyFile: string;
  records: DnsRecord[];
} {
  const domain = normalizeDomain(opts.domain);
  mkdirSync(opts.dataDir, { recursive: true });
  const store = openStore({ path: path.join(opts.dataDir, 'mail.sqlite') });
  try {
    if (!store.hasDomain(domain)) store.addDomain(domain);
  } finally {
    store.close();
  }
  const { key, created } = ensureDkimKey(opts.dataDir, domain, opts.selector);
  return { domain, created, keyFile: keyPaths(opts.dataDir, domain).key, records: domainDnsRecords(key, opts.mxHost ?? `mail.${domain}`) };
}

/** The domain of the first address in the From field, lower-cased; null when there is none. */
export function fromDomain(raw: Buffer): string | null {
  const field = splitMessage(raw).fields.find((f) => f.name.toLowerCase() === 'from');
  if (!field) return null;
  const value = field.raw.slice(field.raw.indexOf(':') + 1).replace(/\r?\n[ \t]/g, ' ');
  const angle = /<[^<>@\s]+@([^<>\s]+)>/.exec(value);
  const bare = angle ?? /[^\s<>,;:"@]+@([A-Za-z0-9.-]+)/.exec(value);
  return bare ? bare[1]!.toLowerCase().replace(/\.$/, '') : null;
}

/**
 * A signer for submitted mail: signs with the key of the From domain when there is one (keys are
 * re-read from dataDir/dkim when a domain is not known yet, so `mailroom domain add` takes effect
 * without a restart). A signing error never loses the message: it goes out unsigned and is logged.
 */
export function createDkimSigner(dataDir: string, logger?: Logger): (raw: Buffer) => Promise<Buffer> {
  const keys = loadDkimKeys(dataDir);
  return async (raw) => {
    const domain = fromDomain(raw);
    if (!domain) return raw;
    let key = keys.get(domain);
    if (!key) {
      try {
        const found = readDkimKey(dataDir, domain);
        if (found) keys.set(domain, (key = found));
      } catch {
        return raw;
      }
    }
    if (!key) return raw;
    try {
      const data = { signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey };
      // mailauth reads the keys from signatureData; the top-level fields only satisfy its types
      const result = await dkimSign(raw, { ...data, signatureData: [data], canonicalization: 'relaxed/relaxed', algorithm: 'rsa-sha256' });
      if (result.errors.length > 0 || !result.signatures.trim()) {
        logger?.warn({ domain, errors: result.errors.map((e) => e.message) }, 'DKIM signing failed; sent unsigned');
        return raw;
      }
      return Buffer.concat([Buffer.from(result.signatures, 'utf8'), raw]);
    } catch (err) {
      logger?.warn({ domain, err }, 'DKIM signing failed; sent unsigned');
      return raw;
    }
  };
}
