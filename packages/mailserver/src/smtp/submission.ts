import { randomUUID } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { SMTPServer } from 'smtp-server';
import type { MailStore, UserRecord } from '../store/index.js';
import {
  DeliveryTracker,
  SmtpError,
  handleData,
  checkRecipient,
  toSmtpError,
  relayTrick,
  resolveRecipient,
  traceHeaders,
} from './delivery.js';
import type { OutboundQueue } from '../queue/queue.js';
import { formatRfc5322Date, hasHeader, headerSafe, joinMessage, splitMessage } from './headers.js';
import { AuthGuard, DEFAULT_LIMITS, RateCounter } from './limits.js';
import { baseServerOptions, startListener, type SmtpListener, type SmtpRoleOptions } from './listener.js';

export interface SubmissionOptions extends SmtpRoleOptions {
  store: MailStore;
  /** Allow AUTH PLAIN/LOGIN without TLS. Only for a loopback demo. */
  allowInsecureAuth?: boolean;
  /** Outbound queue for remote recipients; without it remote recipients are refused (550 5.7.1). */
  queue?: Pick<OutboundQueue, 'enqueue'>;
  /** Signs a submitted message (DKIM) before it is stored or queued. */
  sign?: (raw: Buffer) => Promise<Buffer>;
  /** Implicit TLS (port 465 style, RFC 8314); needs `tls`. */
  secure?: boolean;
}

function isUserRecord(value: unknown): value is UserRecord {
  return typeof value === 'object' && value !== null && typeof (value as UserRecord).email === 'string';
}

/**
 * Prepares a submitted message for storage: drops every Bcc field and adds Message-ID and
 * Date when the client did not set them (RFC 6409 section 8).
 */
export function prepareSubmitted(raw: Buffer, opts: { hostname: string; now: Date }): Buffer {
  const { fields, rest } = splitMessage(raw);
  const kept = fields.filter((f) => f.name.toLowerCase() !== 'bcc');
  if (!hasHeader(kept, 'message-id')) {
    kept.push({ name: 'Message-ID', raw: `Message-ID: <${randomUUID()}@${opts.hostname}>\r\n` });
  }
  if (!hasHeader(kept, 'date')) {
    kept.push({ name: 'Date', raw: `Date: ${formatRfc5322Date(opts.now)}\r\n` });
  }
  return joinMessage(kept, rest);
}

/**
 * True when `address` belongs to the user: mail to it is delivered to them. That is their own
 * address, an alias of theirs (or their domain's catch-all for an address nobody else has), each
 * also with a +tag. Relay-trick forms (`%`, `!`, routes) never belong to anyone.
 */
export function ownsAddress(store: MailStore, user: UserRecord, address: string): boolean {
  if (!address || relayTrick(address)) return false;
  const resolved = resolveRecipient(store, address);
  return resolved.kind === 'local' && resolved.user.id === user.id;
}

/**
 * The addresses of the From (and Sender) header fields that the user does not own: the header
 * sender must be the authenticated user too (it decides which domain's DKIM key signs).
 */
export function foreignHeaderSenders(store: MailStore, user: UserRecord, raw: Buffer): string[] {
  const foreign: string[] = [];
  for (const f of splitMessage(raw).fields) {
    const name = f.name.toLowerCase();
    if (name !== 'from' && name !== 'sender') continue;
    const value = f.raw.slice(f.raw.indexOf(':') + 1).replace(/\r?\n[ \t]/g, ' ');
    for (const a of addressparser(value, { flatten: true })) {
      if (a.address && !ownsAddress(store, user, a.address)) foreign.push(a.address);
    }
  }
  return foreign;
}

/**
 * The submission role (port 587 style): AUTH PLAIN/LOGIN required, MAIL FROM must be the
 * authenticated user's address, local recipients are delivered like inbound mail, remote ones
 * go to the outbound queue (committed before the 250), or are refused when there is no queue.
 */
export async function startSubmissionSmtp(opts: SubmissionOptions): Promise<SmtpListener> {
  if (opts.secure && !opts.tls) throw new Error('SMTP submission: implicit TLS needs a certificate (tls key and cert)');
  const { store, logger, queue } = opts;
  const log = logger?.child({ component: 'smtp-submission' });
  const tracker = new DeliveryTracker();
  const now = opts.now ?? Date.now;
  const authGuard = new AuthGuard(opts.limits?.authLockout, now, opts.limits?.exemptIps);
  const userRate = new RateCounter(opts.limits?.userMessageRate ?? DEFAULT_LIMITS.userMessageRate, now);

  const server = new SMTPServer({
    ...baseServerOptions(opts, 'smtp-submission'),
    secure: opts.secure === true,
    authOptional: false,
    authRequiredMessage: '5.7.0 Authentication required',
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: opts.allowInsecureAuth === true,

    onAuth(auth, session, callback) {
      // smtp-server itself refuses cleartext AUTH only while it offers STARTTLS; without a
      // certificate there is no STARTTLS, so the policy is enforced here
      if (!session.secure && opts.allowInsecureAuth !== true) {
        return callback(new SmtpError(538, '5.7.11 Encryption required for requested authentication mechanism'));
      }
      const username = auth.username ?? '';
      const password = auth.password ?? '';
      const ip = session.remoteAddress;
      const locked = authGuard.check(ip, username);
      if (locked) {
        log?.warn({ cid: session.id, username, ip }, 'authentication refused: locked out after repeated failures');
        return callback(locked);
      }
      store.authenticate(username, password).then(
        (user) => {
          if (!user) {
            const delay = authGuard.fail(ip, username);
            log?.info({ cid: session.id, username, ip, delayMs: delay }, 'authentication failed');
            const answer = (): void => callback(new SmtpError(535, '5.7.8 Authentication credentials invalid'));
            if (delay > 0) setTimeout(answer, delay).unref();
            else answer();
            return;
          }
          authGuard.succeed(ip, username);
          return callback(null, { user });
        },
        (err: unknown) => {
          log?.error({ cid: session.id, err }, 'authentication backend failed');
          callback(new SmtpError(454, '4.7.0 Temporary authentication failure'));
        },
      );
    },

    onMailFrom(address, session, callback) {
      const user: unknown = session.user;
      if (!isUserRecord(user)) return callback(new SmtpError(530, '5.7.0 Authentication required'));
      let owned: boolean;
      try {
        owned = ownsAddress(store, user, address.address);
      } catch (err) {
        return callback(toSmtpError(err, log, session.id));
      }
      if (!owned) {
        log?.info({ cid: session.id, user: user.email, mailFrom: address.address }, 'refused a foreign envelope sender');
        return callback(
          new SmtpError(553, `5.7.1 Sender address <${headerSafe(address.address)}> rejected: not owned by the authenticated user ${user.email} (use their address or one of their aliases)`),
        );
      }
      if (!userRate.take(user.email)) {
        log?.warn({ cid: session.id, user: user.email }, 'message rate limit reached');
        return callback(new SmtpError(451, '4.7.1 Sending rate limit exceeded, try again later'));
      }
      return callback();
    },

    onRcptTo(address, session, callback) {
      const remote = opts.queue ? null : () => new SmtpError(550, '5.7.1 delivery to remote domains is not enabled yet');
      checkRecipient(store, address, remote, session, log, opts.limits?.maxRecipients).then(
        (refusal) => callback(refusal),
        (err: unknown) => callback(toSmtpError(err, log, session.id)),
      );
    },

    onData(stream, session, callback) {
      handleData({
        store,
        hostname: opts.hostname,
        stream,
        session,
        tracker,
        onDelivered: opts.onDelivered,
        logger: log,
        transform: async (raw, now) => {
          const user: unknown = session.user;
          const foreign = isUserRecord(user) ? foreignHeaderSenders(store, user, raw) : [];
          if (foreign.length > 0) {
            log?.info({ cid: session.id, user: isUserRecord(user) ? user.email : '', foreign }, 'refused a foreign From/Sender header');
            // 550, not 553: RFC 5321 section 4.3.2 lists 550 (policy) among the replies to DATA
            throw new SmtpError(
              550,
              `5.7.1 From/Sender header address <${headerSafe(foreign[0]!)}> is not owned by the authenticated user ${isUserRecord(user) ? user.email : ''} (use their address or one of their aliases)`,
            );
          }
          const prepared = prepareSubmitted(raw, { hostname: opts.hostname, now });
          return opts.sign ? opts.sign(prepared) : prepared;
        },
        enqueueRemote: queue
          ? (mailFrom, recipients, message, receivedAt) => {
              // our Received field (RFC 5321 section 4.4); Return-Path is added by the final delivery
              const trace = traceHeaders(
                { hostname: opts.hostname, session, mailFrom, receivedAt },
                recipients.length === 1 ? recipients[0]! : '',
              )
                .replace(/^Return-Path: [^\r\n]*\r\n/, '')
                .replace(/\r\n\tfor <>;/, ';');
              return queue.enqueue(mailFrom, recipients, Buffer.concat([Buffer.from(trace, 'utf8'), message]));
            }
          : undefined,
        callback,
      });
    },
  });

  return startListener(server, 'SMTP (submission)', opts, tracker);
}
