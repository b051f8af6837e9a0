/**
 * Delivery status notifications (RFC 3464): a multipart/report with a human-readable part, a
 * message/delivery-status part (one per-recipient block per failed or delayed recipient) and the
 * header of the original message (text/rfc822-headers, RFC 6522), sent from the null sender.
 */
import { randomUUID } from 'node:crypto';
import { formatRfc5322Date, headerSafe, splitMessage } from '../smtp/headers.js';

export interface DsnRecipient {
  address: string;
  /** 'failed' for a permanent failure or expiry, 'delayed' for a delay notice. */
  action: 'failed' | 'delayed';
  /** The remote reply or local reason. */
  diagnostic: string;
  /** Whether `diagnostic` is a reply of a remote SMTP server (Diagnostic-Code: smtp;). */
  fromSmtp: boolean;
  remoteMta: string | null;
  /** Enhanced status code, e.g. 5.1.1; derived from `diagnostic` when absent. */
  status?: string;
}

export interface DsnInput {
  /** Reporting MTA name. */
  hostname: string;
  queueId: string;
  /** Where the DSN goes (the envelope sender of the original). */
  to: string;
  arrivalDate: Date;
  now: Date;
  /** For delay notices: until when the queue keeps trying. */
  willRetryUntil?: Date;
  recipients: DsnRecipient[];
  original: Buffer;
}

/** The first enhanced status code (RFC 3463) in an SMTP reply, or `fallback`. */
export function enhancedStatus(reply: string, fallback: string): string {
  const m = /(?:^|\s)([245]\.\d{1,3}\.\d{1,3})(?:\s|$)/.exec(reply);
  if (m) return m[1]!;
  const code = /^\s*([245])\d\d/.exec(reply);
  return code ? `${code[1]}.0.0` : fallback;
}

/** Folds an unstructured value onto several lines of at most ~76 characters. */
function fold(value: string): string {
  const words = value.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > 72) {
      lines.push(line);
      line = w;
    } else {
      line = line ? `${line} ${w}` : w;
    }
  }
  if (line) lines.push(line);
  return lines.join('\r\n    ');
}

/** Builds the raw DSN message. */
export function buildDsn(input: DsnInput): Buffer {
  const boundary = `=_mailroom-dsn-${randomUUID()}`;
  const host = headerSafe(input.hostname);
  const delayed = input.recipients.every((r) => r.action === 'delayed');
  const subject = delayed ? 'Delayed Mail (still being retried)' : 'Undelivered Mail Returned to Sender';

  const human: string[] = [];
  if (delayed) {
    human.push(
      `This is the mail system at ${host}.`,
      '',
      'Your message could not be delivered yet to the recipients below. The mail system will keep',
      `trying${input.willRetryUntil ? ` until ${formatRfc5322Date(input.willRetryUntil)}` : ''}; you do not need to send it again.`,
      '',
    );
  } else {
    human.push(
      `This is the mail system at ${host}.`,
      '',
      'Your message could not be delivered to one or more recipients. It is attached below.',
      '',
    );
  }
  for (const r of input.recipients) {
    human.push(`<${headerSafe(r.address)}>: ${headerSafe(r.diagnostic)}`);
  }

  const perMessage = [
    `Reporting-MTA: dns; ${host}`,
    `X-Mailroom-Queue-ID: ${headerSafe(input.queueId)}`,
    `Arrival-Date: ${formatRfc5322Date(input.arrivalDate)}`,
  ];
  const perRecipient = input.recipients.map((r) => {
    const status = r.status ?? enhancedStatus(r.diagnostic, r.action === 'delayed' ? '4.0.0' : '5.0.0');
    const lines = [
      `Final-Recipient: rfc822; ${headerSafe(r.address)}`,
      `Action: ${r.action}`,
      `Status: ${status}`,
    ];
    if (r.remoteMta) lines.push(`Remote-MTA: dns; ${headerSafe(r.remoteMta)}`);
    lines.push(`Diagnostic-Code: ${r.fromSmtp ? 'smtp' : 'x-mailroom'}; ${fold(headerSafe(r.diagnostic))}`);
    lines.push(`Last-Attempt-Date: ${formatRfc5322Date(input.now)}`);
    if (r.action === 'delayed' && input.willRetryUntil) {
      lines.push(`Will-Retry-Until: ${formatRfc5322Date(input.willRetryUntil)}`);
    }
    return lines.join('\r\n');
  });

  const { fields } = splitMessage(input.original);
  const originalHeader = fields.map((f) => (f.raw.endsWith('\n') ? f.raw : `${f.raw}\r\n`)).join('');

  const text =
    `From: Mail Delivery System <MAILER-DAEMON@${host}>\r\n` +
    `To: <${headerSafe(input.to)}>\r\n` +
    `Subject: ${subject}\r\n` +
    `Date: ${formatRfc5322Date(input.now)}\r\n` +
    `Message-ID: <${randomUUID()}@${host}>\r\n` +
    'Auto-Submitted: auto-replied\r\n' +
    'MIME-Version: 1.0\r\n' +
    `Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="${boundary}"\r\n` +
    '\r\n' +
    'This is a MIME-encapsulated delivery status notification.\r\n' +
    '\r\n' +
    `--${boundary}\r\n` +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    'Content-Description: Notification\r\n' +
    '\r\n' +
    `${human.join('\r\n')}\r\n` +
    '\r\n' +
    `--${boundary}\r\n` +
    'Content-Type: message/delivery-status\r\n' +
    'Content-Description: Delivery report\r\n' +
    '\r\n' +
    `${perMessage.join('\r\n')}\r\n` +
    '\r\n' +
    `${perRecipient.join('\r\n\r\n')}\r\n` +
    '\r\n' +
    `--${boundary}\r\n` +
    'Content-Type: text/rfc822-headers\r\n' +
    'Content-Description: Undelivered message headers\r\n' +
    '\r\n';
  return Buffer.concat([
    Buffer.from(text, 'utf8'),
    Buffer.from(originalHeader, 'latin1'),
    Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8'),
  ]);
}
