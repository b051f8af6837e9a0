/**
 * Abuse limits of the SMTP listeners: connections (in total and per IP), connection rate per IP,
 * message rate per authenticated user, and failed-AUTH lockout with a growing delay. All counters
 * live in memory (one process) and take an injectable clock.
 */
import { SmtpError } from './delivery.js';

export interface RateLimit {
  /** Events allowed per window. */
  max: number;
  windowMs: number;
}

export interface AuthLockout {
  /** Failures (per IP and per user name) answered without delay. */
  freeFailures: number;
  /** Delay before answering the first failure over freeFailures; doubles with each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * After this many failures in `windowMs` from one IP (any user names), or for one user name from
   * one IP, AUTH from there is refused outright for `lockMs`.
   */
  lockAfter: number;
  /**
   * Failures for one user name from all addresses together that lock the user name everywhere.
   * Much higher than lockAfter: a low per-user lock would let any stranger lock anyone out.
   */
  userLockAfter: number;
  lockMs: number;
  windowMs: number;
}

export interface SmtpLimits {
  /** Simultaneous connections per listener. */
  maxConnections?: number;
  /** Simultaneous connections from one IP address per listener. */
  maxConnectionsPerIp?: number;
  /** New connections from one IP address per window. */
  ipConnectionRate?: RateLimit;
  /** Recipients of one message. */
  maxRecipients?: number;
  /** Messages an authenticated user may submit per window (submission only). */
  userMessageRate?: RateLimit;
  /** Failed AUTH handling (submission only). */
  authLockout?: Partial<AuthLockout>;
  /**
   * Client addresses the per-IP limits do not apply to (per-user limits still do), default
   * loopback: the webmail backend submits for every user from there, and one user's typos must
   * not lock the others out. Pass [] to limit loopback too.
   */
  exemptIps?: string[];
  /**
   * MX listener only: wait before the 220 greeting so that a client talking first gets
   * `421 You talk too soon` (an early-talker test). Submission never waits.
   */
  greetingDelayMs?: number;
  /** Clients greeted at once on the MX port too; default `exemptIps` (loopback). */
  greetingDelayExemptIps?: string[];
}

export const DEFAULT_LIMITS = {
  maxConnections: 200,
  maxConnectionsPerIp: 20,
  ipConnectionRate: { max: 120, windowMs: 60_000 },
  maxRecipients: 100,
  userMessageRate: { max: 300, windowMs: 3600_000 },
  exemptIps: ['127.0.0.1', '::1', '::ffff:127.0.0.1'],
  // measured in bench/README.md ("The 100 ms greeting delay"): kept on the MX port for remote clients
  greetingDelayMs: 100,
  greetingDelayExemptIps: ['127.0.0.1', '::1', '::ffff:127.0.0.1'],
  authLockout: { freeFailures: 3, baseDelayMs: 1_000, maxDelayMs: 30_000, lockAfter: 10, userLockAfter: 100, lockMs: 15 * 60_000, windowMs: 15 * 60_000 },
} satisfies Required<SmtpLimits> & { authLockout: AuthLockout };

/** Sliding-window counter per key. */
export class RateCounter {
  private readonly hits = new Map<string, number[]>();
  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number,
  ) {}

  /** Records one event; returns false when the key is over its limit (the event is then not counted). */
  take(key: string): boolean {
    const t = this.now();
    const list = (this.hits.get(key) ?? []).filter((x) => x > t - this.limit.windowMs);
    if (list.length >= this.limit.max) {
      this.hits.set(key, list);
      return false;
    }
    list.push(t);
    this.hits.set(key, list);
    if (this.hits.size > 10_000) this.prune(t);
    return true;
  }

  private prune(t: number): void {
    for (const [k, v] of this.hits) if (!v.some((x) => x > t - this.limit.windowMs)) this.hits.delete(k);
  }
}

/** Failed-AUTH bookkeeping per IP address and per user name. */
export class AuthGuard {
  private readonly failures = new Map<string, number[]>();
  private readonly lockedUntil = new Map<string, number>();
  private readonly exempt: Set<string>;
  readonly config: AuthLockout;

  constructor(
    config: Partial<AuthLockout> | undefined,
    private readonly now: () => number,
    exemptIps: string[] = DEFAULT_LIMITS.exemptIps,
  ) {
    this.config = { ...DEFAULT_LIMITS.authLockout, ...config };
    this.exempt = new Set(exemptIps);
  }

  /** The counters a failure feeds, each with its lock threshold; exempt IPs (the webmail) count only user-wide. */
  private keys(ip: string, user: string): Array<[key: string, lockAfter: number]> {
    const name = user.toLowerCase();
    const keys: Array<[string, number]> = [[`user:${name}`, this.config.userLockAfter]];
    if (!this.exempt.has(ip)) keys.push([`ip:${ip}`, this.config.lockAfter], [`pair:${ip}\u0000${name}`, this.config.lockAfter]);
    return keys;
  }

  /** A refusal when the IP or the user name is locked out, else null. */
  check(ip: string, user: string): SmtpError | null {
    const t = this.now();
    for (const [k] of this.keys(ip, user)) {
      const until = this.lockedUntil.get(k);
      if (until !== undefined && until > t) {
        return new SmtpError(454, '4.7.0 Too many failed authentication attempts; try again later');
      }
    }
    return null;
  }

  private recent(key: string, t: number): number[] {
    return (this.failures.get(key) ?? []).filter((x) => x > t - this.config.windowMs);
  }

  /** Records a failure; returns how long to wait before answering it. */
  fail(ip: string, user: string): number {
    const t = this.now();
    let worst = 0;
    for (const [k, lockAfter] of this.keys(ip, user)) {
      const list = this.recent(k, t);
      list.push(t);
      this.failures.set(k, list);
      if (list.length >= lockAfter) this.lockedUntil.set(k, t + this.config.lockMs);
      worst = Math.max(worst, list.length);
    }
    if (this.failures.size > 10_000) {
      for (const [k, v] of this.failures) if (!v.some((x) => x > t - this.config.windowMs)) this.failures.delete(k);
    }
    return this.delayFor(worst);
  }

  /** The delay for the n-th failure in the window: none up to freeFailures, then doubling up to maxDelayMs. */
  delayFor(n: number): number {
    const over = n - this.config.freeFailures;
    if (over <= 0) return 0;
    return Math.min(this.config.maxDelayMs, this.config.baseDelayMs * 2 ** (over - 1));
  }

  /** A success clears the user's and the pair's failures (not the IP's: one good password must not reset a spray). */
  succeed(ip: string, user: string): void {
    for (const [k] of this.keys(ip, user)) if (!k.startsWith('ip:')) this.failures.delete(k);
  }
}

/** Per-listener connection accounting: total, per IP, and the per-IP connection rate. */
export class ConnectionLimiter {
  private readonly perIp = new Map<string, number>();
  private readonly rate: RateCounter;
  private readonly maxPerIp: number;
  private readonly exempt: Set<string>;

  constructor(limits: SmtpLimits, now: () => number) {
    this.exempt = new Set(limits.exemptIps ?? DEFAULT_LIMITS.exemptIps);
    this.maxPerIp = limits.maxConnectionsPerIp ?? DEFAULT_LIMITS.maxConnectionsPerIp;
    this.rate = new RateCounter(limits.ipConnectionRate ?? DEFAULT_LIMITS.ipConnectionRate, now);
  }

  /** Admits a connection (then `release` must follow) or returns the refusal. */
  admit(ip: string): SmtpError | null {
    if (this.exempt.has(ip)) return null;
    const open = this.perIp.get(ip) ?? 0;
    if (open >= this.maxPerIp) return new SmtpError(421, '4.7.0 Too many connections from your address, try again later');
    if (!this.rate.take(ip)) return new SmtpError(421, '4.7.0 Connection rate limit exceeded, try again later');
    this.perIp.set(ip, open + 1);
    return null;
  }

  release(ip: string): void {
    if (this.exempt.has(ip)) return;
    const open = (this.perIp.get(ip) ?? 1) - 1;
    if (open <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, open);
  }
}
