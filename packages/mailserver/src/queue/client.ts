/**
 * One outbound SMTP session on nodemailer's SMTPConnection: opportunistic STARTTLS (used when
 * offered, plaintext when the upgrade fails; certificates are not verified because nothing
 * pins them — no MTA-STS/DANE yet), several messages on one connection (RSET in between), and
 * every reply mapped to a per-recipient outcome: delivered, temporary (retry) or permanent (bounce).
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import type { MxTarget } from './resolver.js';

export type RecipientOutcome =
  | { kind: 'delivered'; response: string }
  | { kind: 'temporary'; response: string }
  | { kind: 'permanent'; response: string };

export interface ClientOptions {
  /** EHLO name. */
  name: string;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
}

type SmtpErr = SMTPConnection.SMTPError & { recipient?: string; rejectedErrors?: SmtpErr[] };

function describe(err: SmtpErr): string {
  return (err.response ?? err.message).replace(/[\r\n]+/g, ' ').trim();
}

/** A reply code of 5xx is permanent; 4xx, none (network) or anything else is temporary. */
function outcomeOf(err: SmtpErr): RecipientOutcome {
  const code = err.responseCode;
  const response = describe(err);
  if (code !== undefined && code >= 500 && code < 600) return { kind: 'permanent', response };
  return { kind: 'temporary', response };
}

export class SmtpClientSession {
  private readonly conn: SMTPConnection;
  private dead = false;
  /**
   * The RSET that follows a transaction. It is sent right after the 250 of DATA but not awaited
   * there, so that the caller records the delivery without waiting for one more round trip (a
   * crash in between would send the message twice); `ready()` and the next `send()` await it.
   */
  private resetting: Promise<void> | null = null;
  /** The host name of the remote MTA (for DSNs). */
  readonly mta: string;

  private constructor(conn: SMTPConnection, mta: string) {
    this.conn = conn;
    this.mta = mta;
    conn.on('error', () => {
      this.dead = true;
    });
    conn.on('end', () => {
      this.dead = true;
    });
  }

  /** Connects, reads the greeting, EHLO and STARTTLS when offered. Rejects on any failure. */
  static open(target: MxTarget, opts: ClientOptions): Promise<SmtpClientSession> {
    const conn = new SMTPConnection({
      host: target.host,
      port: target.port,
      name: opts.name,
      secure: false,
      opportunisticTLS: true,
      tls: { rejectUnauthorized: false, servername: target.name && !/^[\d.:]+$/.test(target.name) ? target.name : undefined },
      connectionTimeout: opts.connectionTimeoutMs ?? 30_000,
      greetingTimeout: opts.greetingTimeoutMs ?? 30_000,
      socketTimeout: opts.socketTimeoutMs ?? 5 * 60_000,
      // loopback and private targets are legitimate MX hosts (tests, internal relays)
      allowInternalNetworkInterfaces: true,
    } as SMTPConnection.Options);
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        try {
          conn.close();
        } catch {
          // already closed
        }
        reject(err);
      };
      conn.once('error', fail);
      conn.connect((err) => {
        if (err) return fail(err);
        if (settled) return;
        settled = true;
        conn.off('error', fail);
        resolve(new SmtpClientSession(conn, target.name ?? target.host));
      });
    });
  }

  get usable(): boolean {
    return !this.dead && !this.conn.destroyed;
  }

  /** Waits for the RSET of the previous transaction; true when the connection can take another message. */
  async ready(): Promise<boolean> {
    if (this.resetting) {
      const pending = this.resetting;
      this.resetting = null;
      await pending;
    }
    return this.usable;
  }

  get secure(): boolean {
    return this.conn.secure;
  }

  /**
   * Sends one message to `recipients`. Never rejects: every recipient gets an outcome. When the
   * connection breaks, the remaining recipients are temporary failures and `usable` turns false.
   */
  async send(mailFrom: string, recipients: string[], raw: Buffer): Promise<Map<string, RecipientOutcome>> {
    const outcomes = new Map<string, RecipientOutcome>();
    if (!(await this.ready())) {
      for (const rcpt of recipients) outcomes.set(rcpt, { kind: 'temporary', response: '4.4.2 connection lost before the message was sent' });
      return outcomes;
    }
    const info = await new Promise<{ err: SmtpErr | null; info: SMTPConnection.SentMessageInfo | null }>((resolve) => {
      try {
        this.conn.send({ from: mailFrom, to: recipients, size: raw.length, use8BitMime: true }, raw, (err, sent) =>
          resolve({ err: err as SmtpErr | null, info: sent ?? null }),
        );
      } catch (err) {
        resolve({ err: err as SmtpErr, info: null });
      }
    });
    if (info.err) {
      const err = info.err;
      if (err.rejectedErrors && err.rejectedErrors.length > 0) {
        for (const r of err.rejectedErrors) if (r.recipient) outcomes.set(r.recipient, outcomeOf(r));
      }
      const shared = outcomeOf(err);
      for (const rcpt of recipients) if (!outcomes.has(rcpt)) outcomes.set(rcpt, shared);
      if (err.responseCode === undefined) this.dead = true;
    } else if (info.info) {
      for (const r of info.info.rejectedErrors ?? []) {
        const e = r as SmtpErr;
        if (e.recipient) outcomes.set(e.recipient, outcomeOf(e));
      }
      const response = info.info.response.replace(/[\r\n]+/g, ' ').trim();
      for (const rcpt of recipients) if (!outcomes.has(rcpt)) outcomes.set(rcpt, { kind: 'delivered', response });
    }
    if (this.usable) this.resetting = this.reset();
    return outcomes;
  }

  private reset(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.conn.reset((err) => {
          if (err) this.dead = true;
          resolve();
        });
      } catch {
        this.dead = true;
        resolve();
      }
    });
  }

  /** QUIT and close; `now` cuts the connection at once (shutdown). */
  close(now = false): void {
    this.dead = true;
    if (now) {
      try {
        this.conn.close();
      } catch {
        // ignore
      }
      return;
    }
    try {
      this.conn.quit();
    } catch {
      // ignore
    }
    setTimeout(() => {
      try {
        this.conn.close();
      } catch {
        // ignore
      }
    }, 1_000).unref();
  }
}
