// Sending through SMTP submission (nodemailer) with the user's own credentials. The message is
// composed elsewhere (src/compose/mime.ts); this submits its wire bytes with its envelope and maps
// what the server answers to the API's errors.
import net from 'node:net';
import tls from 'node:tls';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { HttpError, mailServerUnavailable } from '../errors.js';
import type { MailAccount } from '../imap/pool.js';

export interface SmtpEndpoint {
  host: string;
  port: number;
  secure: boolean;
  allowSelfSigned: boolean;
}

/** What goes to the submission server: the bytes (no Bcc header) and the SMTP envelope. */
export interface Submission {
  wire: Buffer;
  envelope: { from: string; to: string[] };
}

const isLoopback = (host: string) => host === 'localhost' || host.startsWith('127.') || host === '::1';

export async function submit(endpoint: SmtpEndpoint, account: MailAccount, message: Submission, logger: Logger): Promise<void> {
  const transport = nodemailer.createTransport({
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.secure,
    ignoreTLS: !endpoint.secure && isLoopback(endpoint.host),
    auth: { user: account.email, pass: account.password },
    tls: { rejectUnauthorized: !endpoint.allowSelfSigned },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
  });
  try {
    await transport.sendMail({ envelope: message.envelope, raw: message.wire });
  } catch (err) {
    throw mapSmtpError(err, logger);
  } finally {
    transport.close();
  }
}

/** Maps a nodemailer error to the API's error: 401 credentials, 413 too large, 422 refused, 503 temporary or unreachable. */
export function mapSmtpError(err: unknown, logger?: Logger): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as { code?: string; responseCode?: number; response?: string; rejected?: string[] };
  logger?.info({ code: e.code, responseCode: e.responseCode, response: e.response }, 'submission failed');
  const serverText = e.response ? e.response.replace(/^\d{3}[ -](\d\.\d\.\d+ )?/, '') : '';
  if (e.code === 'EAUTH') return new HttpError(401, 'invalid_credentials', 'The mail server did not accept your credentials for sending.');
  if (e.responseCode === 552 || e.responseCode === 523) {
    return new HttpError(413, 'message_too_large', `The message is too large for the mail server. ${serverText}`.trim());
  }
  if (e.code === 'EENVELOPE' && !(e.responseCode && e.responseCode < 500)) {
    return new HttpError(422, 'recipient_refused', `The mail server refused the message: ${serverText || 'recipient refused'}`, { rejected: e.rejected });
  }
  if (e.responseCode && e.responseCode >= 500) {
    return new HttpError(422, 'recipient_refused', `The mail server refused the message: ${serverText || 'recipient refused'}`, { rejected: e.rejected });
  }
  if (e.responseCode && e.responseCode >= 400) {
    return new HttpError(503, 'mail_server_unavailable', `The mail server could not take the message right now: ${serverText}`);
  }
  return mailServerUnavailable('SMTP', err);
}

/** A failure worth trying again later (4xx answers, server unreachable). */
export const isTemporary = (err: HttpError) => err.status === 503;

export interface SubmissionCapabilities {
  smtpUtf8: boolean;
  /** The SIZE the server announces, or null. */
  maxSize: number | null;
}

const CAPS_TTL_MS = 10 * 60 * 1000;
const capsCache = new Map<string, { at: number; caps: Promise<SubmissionCapabilities> }>();

/**
 * What the submission server offers (EHLO before STARTTLS/AUTH: SMTPUTF8, SIZE), cached for ten
 * minutes per endpoint. Unreachable servers answer "nothing offered" (not cached).
 */
export function submissionCapabilities(endpoint: SmtpEndpoint): Promise<SubmissionCapabilities> {
  const key = `${endpoint.host}:${endpoint.port}:${endpoint.secure}`;
  const hit = capsCache.get(key);
  if (hit && Date.now() - hit.at < CAPS_TTL_MS) return hit.caps;
  const caps = probe(endpoint).catch(() => {
    capsCache.delete(key);
    return { smtpUtf8: false, maxSize: null };
  });
  capsCache.set(key, { at: Date.now(), caps });
  return caps;
}

function probe(endpoint: SmtpEndpoint): Promise<SubmissionCapabilities> {
  return new Promise((resolve, reject) => {
    const socket: net.Socket = endpoint.secure
      ? tls.connect({ host: endpoint.host, port: endpoint.port, rejectUnauthorized: !endpoint.allowSelfSigned, servername: net.isIP(endpoint.host) ? undefined : endpoint.host })
      : net.connect({ host: endpoint.host, port: endpoint.port });
    socket.setTimeout(5_000, () => socket.destroy(new Error('timeout')));
    let buffer = '';
    let stage: 'greeting' | 'ehlo' = 'greeting';
    const lines: string[] = [];
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed before EHLO finished')));
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      if (buffer.length > 65_536) socket.destroy(new Error('EHLO answer too long'));
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        const last = /^\d{3}(?: |$)/.test(line);
        if (stage === 'greeting') {
          if (!line.startsWith('220')) return socket.destroy(new Error(`greeting: ${line}`));
          if (last) {
            stage = 'ehlo';
            socket.write('EHLO mailroom.invalid\r\n');
          }
        } else {
          if (!line.startsWith('250')) return socket.destroy(new Error(`EHLO: ${line}`));
          lines.push(line.slice(4).trim().toUpperCase());
          if (last) {
            socket.end('QUIT\r\n');
            const size = lines.map((l) => /^SIZE\s+(\d+)/.exec(l)?.[1]).find(Boolean);
            resolve({ smtpUtf8: lines.some((l) => l === 'SMTPUTF8'), maxSize: size && Number(size) > 0 ? Number(size) : null });
          }
        }
      }
    });
  });
}
