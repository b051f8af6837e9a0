// Sending through SMTP submission (nodemailer) with the user's own credentials. The message is
// composed elsewhere (src/compose/mime.ts); this submits its wire bytes with its envelope and maps
// what the server answers to the API's errors.
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
