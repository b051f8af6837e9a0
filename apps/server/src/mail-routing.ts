// Which IMAP and submission servers serve a user: the configured defaults, or per login domain
// (MAIL_SERVERS) when one webmail fronts several mail systems.
import type { Config } from './config.js';
import type { ImapEndpoint } from './imap/pool.js';
import type { SmtpEndpoint } from './smtp/submit.js';

export interface MailEndpoints {
  imap: ImapEndpoint;
  smtp: SmtpEndpoint;
}

export class MailRouting {
  private readonly fallback: MailEndpoints;
  private readonly byDomain = new Map<string, MailEndpoints>();

  constructor(config: Config) {
    const allowSelfSigned = config.allowSelfSignedTls;
    this.fallback = {
      imap: { host: config.imapHost, port: config.imapPort, secure: config.imapSecure, allowSelfSigned },
      smtp: { host: config.submissionHost, port: config.submissionPort, secure: config.submissionSecure, allowSelfSigned },
    };
    for (const [domain, s] of Object.entries(config.mailServers)) {
      this.byDomain.set(domain.toLowerCase(), {
        imap: { host: s.imapHost, port: s.imapPort, secure: s.imapSecure, allowSelfSigned },
        smtp: { host: s.submissionHost, port: s.submissionPort, secure: s.submissionSecure, allowSelfSigned },
      });
    }
  }

  for(email: string): MailEndpoints {
    const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
    return this.byDomain.get(domain) ?? this.fallback;
  }

  /** Every distinct set of servers (for health checks). */
  all(): MailEndpoints[] {
    return [this.fallback, ...this.byDomain.values()];
  }
}
