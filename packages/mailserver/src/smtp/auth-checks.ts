/**
 * SPF, DKIM, DMARC and ARC checks of mail received on the MX port (npm mailauth), recorded as
 * `Authentication-Results` (RFC 8601) and `Received-SPF` fields at the top of the stored message.
 * Results claiming our own authserv-id that arrived with the message are removed first (RFC 8601
 * section 5), so a sender cannot forge a "pass". The checks only record; they never refuse mail.
 */
import dns from 'node:dns/promises';
import type { Logger } from 'pino';
import { authenticate, type DNSResolver } from 'mailauth';
import { joinMessage, splitMessage } from './headers.js';

/** mailauth's resolver: like dns.promises.resolve(name, rrtype). */
export type DnsResolver = (name: string, rrtype: string) => Promise<unknown>;

/** Longest a single DNS query of the checks may take. */
export const AUTH_DNS_TIMEOUT_MS = 5_000;

export interface AuthCheckOptions {
  /** Our authserv-id (the MX host name). */
  hostname: string;
  /** DNS used by the checks; tests pass a fixed map (see `staticDnsResolver`). */
  resolver?: DnsResolver;
  logger?: Logger;
}

export interface AuthCheckInput {
  ip: string;
  helo: string;
  /** Envelope sender, '' for the null sender. */
  mailFrom: string;
}

function withTimeout(resolver: DnsResolver, ms: number): DnsResolver {
  return (name, rrtype) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new Error(`DNS ${rrtype} ${name} timed out`) as NodeJS.ErrnoException;
        err.code = 'ETIMEOUT';
        reject(err);
      }, ms);
      resolver(name, rrtype).then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
}

/**
 * A resolver from a fixed table for tests: `{ 'example.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] } }`.
 * TXT values are strings (split into 255-byte chunks like DNS does); a missing name or type fails
 * with ENOTFOUND/ENODATA like node:dns.
 */
export function staticDnsResolver(table: Record<string, Record<string, unknown[]>>): DnsResolver {
  const lower = new Map(Object.entries(table).map(([k, v]) => [k.toLowerCase().replace(/\.$/, ''), v]));
  return (name, rrtype) => {
    const entry = lower.get(name.toLowerCase().replace(/\.$/, ''));
    const values = entry?.[rrtype.toUpperCase()];
    if (!values || values.length === 0) {
      const err = new Error(`${rrtype} ${name}: not found`) as NodeJS.ErrnoException;
      err.code = entry ? 'ENODATA' : 'ENOTFOUND';
      return Promise.reject(err);
    }
    if (rrtype.toUpperCase() === 'TXT') {
      return Promise.resolve(
        values.map((v) => {
          const s = String(v);
          const chunks: string[] = [];
          for (let i = 0; i < s.length; i += 255) chunks.push(s.slice(i, i + 255));
          return chunks;
        }),
      );
    }
    return Promise.resolve(values);
  };
}

/** Removes Authentication-Results fields that claim to come from `hostname`. */
export function stripForgedResults(raw: Buffer, hostname: string): Buffer {
  const { fields, rest } = splitMessage(raw);
  const id = hostname.toLowerCase();
  const kept = fields.filter((f) => {
    if (f.name.toLowerCase() !== 'authentication-results') return true;
    const value = f.raw.slice(f.raw.indexOf(':') + 1).replace(/\([^)]*\)/g, ' ').trim().toLowerCase();
    const authserv = value.split(/[\s;]/)[0] ?? '';
    return authserv !== id;
  });
  if (kept.length === fields.length) return raw;
  return joinMessage(kept, rest);
}

/**
 * Runs the checks and returns the message with the result fields on top. A failure of the
 * checks themselves records `temperror` rather than refusing or losing the message.
 */
export async function addAuthenticationResults(raw: Buffer, input: AuthCheckInput, opts: AuthCheckOptions): Promise<Buffer> {
  const cleaned = stripForgedResults(raw, opts.hostname);
  const resolver = withTimeout(opts.resolver ?? ((name, rrtype) => dns.resolve(name, rrtype)), AUTH_DNS_TIMEOUT_MS);
  try {
    const result = await authenticate(cleaned, {
      ip: input.ip,
      helo: input.helo,
      sender: input.mailFrom,
      mta: opts.hostname,
      resolver: resolver as DNSResolver,
      disableBimi: true,
    });
    const headers = result.headers.endsWith('\r\n') ? result.headers : `${result.headers}\r\n`;
    return Buffer.concat([Buffer.from(headers, 'utf8'), cleaned]);
  } catch (err) {
    opts.logger?.warn({ err }, 'authentication checks failed');
    const header = `Authentication-Results: ${opts.hostname}; spf=temperror; dkim=temperror; dmarc=temperror\r\n`;
    return Buffer.concat([Buffer.from(header, 'utf8'), cleaned]);
  }
}
