// Sending through SMTP submission (nodemailer) with the user's own credentials.
// The message is composed once; the same bytes (with Bcc kept) are saved to Sent over IMAP.
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Logger } from 'pino';
import { HttpError, mailServerUnavailable } from '../errors.js';
import type { MailAccount } from '../imap/pool.js';

export interface SmtpEndpoint {
  host: string;
  port: number;
  secure: boolean;
  allowSelfSigned: boolean;
}

export interface OutgoingMessage {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text: string;
  html?: string;
  inReplyTo?: string;
  references?: string[];
}

export interface ComposedMessage {
  messageId: string;
  /** What goes to the submission server (no Bcc header). */
  wire: Buffer;
  /** The copy kept in Sent (Bcc kept, as Thunderbird and Roundcube do). */
  sentCopy: Buffer;
  envelope: { from: string; to: string[] };
}

const build = (options: Mail.Options, keepBcc: boolean): Promise<Buffer> => {
  const composer = new MailComposer(options);
  const node = composer.compile();
  (node as unknown as { keepBcc: boolean }).keepBcc = keepBcc;
  return node.build();
};

export async function composeMessage(from: string, msg: OutgoingMessage, hostname: string): Promise<ComposedMessage> {
  const messageId = `<${randomUUID()}@${hostname}>`;
  const options: Mail.Options = {
    from,
    to: msg.to,
    cc: msg.cc.length ? msg.cc : undefined,
    bcc: msg.bcc.length ? msg.bcc : undefined,
    subject: msg.subject,
    text: msg.text,
    html: msg.html,
    messageId,
    date: new Date(),
    inReplyTo: msg.inReplyTo,
    references: msg.references,
    headers: { 'User-Agent': 'Mailroom' },
  };
  const [wire, sentCopy] = await Promise.all([build(options, false), build(options, true)]);
  return { messageId, wire, sentCopy, envelope: { from, to: [...msg.to, ...msg.cc, ...msg.bcc] } };
}

export async function submit(endpoint: SmtpEndpoint, account: MailAccount, message: ComposedMessage, logger: Logger): Promise<void> {
  const loopback = endpoint.host === 'localhost' || endpoint.host.startsWith('127.') || endpoint.host === '::1';
  const transport = nodemailer.createTransport({
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.secure,
    ignoreTLS: !endpoint.secure && loopback,
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

function mapSmtpError(err: unknown, logger: Logger): HttpError {
  const e = err as { code?: string; responseCode?: number; response?: string; rejected?: string[] };
  logger.info({ code: e.code, responseCode: e.responseCode, response: e.response }, 'submission failed');
  const serverText = e.response ? e.response.replace(/^\d{3}[ -](\d\.\d\.\d+ )?/, '') : '';
  if (e.code === 'EAUTH') return new HttpError(401, 'invalid_credentials', 'The mail server did not accept your credentials for sending.');
  if (e.responseCode === 552 || e.responseCode === 523) {
    return new HttpError(413, 'message_too_large', `The message is too large for the mail server. ${serverText}`.trim());
  }
  if (e.code === 'EENVELOPE' || (e.responseCode && e.responseCode >= 500)) {
    return new HttpError(422, 'recipient_refused', `The mail server refused the message: ${serverText || 'recipient refused'}`, {
      rejected: e.rejected,
    });
  }
  if (e.responseCode && e.responseCode >= 400) {
    return new HttpError(503, 'mail_server_unavailable', `The mail server could not take the message right now: ${serverText}`);
  }
  return mailServerUnavailable('SMTP', err);
}
