import { SMTPServer } from 'smtp-server';
import type { MailStore } from '../store/index.js';
import {
  DeliveryTracker,
  SmtpError,
  handleData,
  checkRecipient,
  toSmtpError,
} from './delivery.js';
import { addAuthenticationResults, type DnsResolver } from './auth-checks.js';
import { DEFAULT_LIMITS } from './limits.js';
import { baseServerOptions, startListener, type SmtpListener, type SmtpRoleOptions } from './listener.js';

export interface InboundOptions extends SmtpRoleOptions {
  store: MailStore;
  /**
   * SPF/DKIM/DMARC/ARC checks recorded as Authentication-Results (default on, real DNS);
   * `resolver` replaces DNS (tests), `false` turns the checks off.
   */
  authChecks?: { resolver?: DnsResolver } | false;
}

/**
 * The MX role: accepts mail from anyone for users of local domains only, no AUTH, and stores
 * each message in the recipients' INBOX before answering 250.
 */
export async function startInboundSmtp(opts: InboundOptions): Promise<SmtpListener> {
  const { store, logger } = opts;
  const log = logger?.child({ component: 'smtp-inbound' });
  const tracker = new DeliveryTracker();
  const checks = opts.authChecks === false ? null : (opts.authChecks ?? {});

  const server = new SMTPServer({
    ...baseServerOptions(opts, 'smtp-inbound'),
    authOptional: true,
    disabledCommands: ['AUTH'],

    onRcptTo(address, session, callback) {
      // null sender abuse: a bounce (MAIL FROM:<>) goes to exactly one recipient (RFC 3464 / RFC 5321 4.5.5)
      if (session.envelope.mailFrom && session.envelope.mailFrom.address === '' && session.envelope.rcptTo.length >= 1) {
        return callback(new SmtpError(550, '5.7.1 A message from the null sender may have only one recipient'));
      }
      checkRecipient(store, address, () => new SmtpError(550, '5.7.1 Relay access denied'), session, log, opts.limits?.maxRecipients).then(
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
        transform:
          checks === null
            ? undefined
            : (raw) =>
                addAuthenticationResults(
                  raw,
                  {
                    ip: session.remoteAddress,
                    helo: session.hostNameAppearsAs || '',
                    mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                  },
                  { hostname: opts.hostname, resolver: checks.resolver, logger: log },
                ),
        callback,
      });
    },
  });

  return startListener(server, 'SMTP (inbound)', opts, tracker, opts.limits?.greetingDelayMs ?? DEFAULT_LIMITS.greetingDelayMs);
}
