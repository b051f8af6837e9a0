// What compose may send: the smallest of the webmail's limit, the submission server's SIZE (EHLO)
// and the IMAP server's APPENDLIMIT, and whether SMTPUTF8 is offered. The EHLO answer is asked once
// per submission server and kept for a few minutes (no message is sent: connect, EHLO, QUIT).
import type { ComposeLimits } from '@mailroom/shared';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import type { SmtpEndpoint } from '../smtp/submit.js';

export const MAX_UNDO_DELAY_MS = 60_000;
const CACHE_MS = 5 * 60_000;
const TIMEOUT_MS = 10_000;

export interface SmtpFeatures {
  /** SIZE limit in bytes, or null when none was announced. */
  size: number | null;
  smtpUtf8: boolean;
}

const cache = new Map<string, { at: number; value: Promise<SmtpFeatures | null> }>();

/** EHLO without sending: SIZE and SMTPUTF8 of a submission server (null when it cannot be reached). */
export function smtpFeatures(endpoint: SmtpEndpoint, now = Date.now()): Promise<SmtpFeatures | null> {
  const key = `${endpoint.host}:${endpoint.port}:${endpoint.secure}`;
  const hit = cache.get(key);
  if (hit && now - hit.at < CACHE_MS) return hit.value;
  const value = probe(endpoint);
  cache.set(key, { at: now, value });
  // A failure is not remembered: the next request asks again.
  void value.then((v) => {
    if (!v && cache.get(key)?.value === value) cache.delete(key);
  });
  return value;
}

function probe(endpoint: SmtpEndpoint): Promise<SmtpFeatures | null> {
  const loopback = endpoint.host === 'localhost' || endpoint.host.startsWith('127.') || endpoint.host === '::1';
  return new Promise((resolve) => {
    let settled = false;
    const conn = new SMTPConnection({
      host: endpoint.host,
      port: endpoint.port,
      secure: endpoint.secure,
      ignoreTLS: !endpoint.secure && loopback,
      tls: { rejectUnauthorized: !endpoint.allowSelfSigned },
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: TIMEOUT_MS,
    });
    const done = (v: SmtpFeatures | null) => {
      if (settled) return;
      settled = true;
      resolve(v);
    };
    conn.on('error', () => {
      done(null);
      conn.close();
    });
    conn.connect(() => {
      const inner = conn as unknown as { _supportedExtensions?: string[]; _maxAllowedSize?: number };
      const extensions = inner._supportedExtensions ?? [];
      done({ size: inner._maxAllowedSize && inner._maxAllowedSize > 0 ? inner._maxAllowedSize : null, smtpUtf8: extensions.includes('SMTPUTF8') });
      conn.quit();
    });
  });
}

/** The compose limits from the configured limit, the submission server's answer and APPENDLIMIT. */
export function composeLimits(configMax: number, smtp: SmtpFeatures | null, appendLimit: number | null): ComposeLimits {
  const candidates = [configMax, smtp?.size ?? null, appendLimit].filter((n): n is number => typeof n === 'number' && n > 0);
  return { maxMessageBytes: Math.min(...candidates), smtpUtf8: smtp?.smtpUtf8 ?? false, maxUndoDelayMs: MAX_UNDO_DELAY_MS };
}
