/**
 * Failed-login rate limiting for IMAP: the first failures are answered at once, further ones after a
 * growing delay, and locks (NO [UNAVAILABLE] for `lockMs`, without checking the password) after
 * - `lockAfter` failures within `windowMs` from one client IP (any user names), or for one user
 *   name from one client IP: one source cannot keep guessing, and the owner elsewhere is unaffected;
 * - `userLockAfter` (much higher) failures for one user name from all addresses together, against
 *   guessing spread over many addresses. A per-user lock at a low count would let any stranger lock
 *   anyone out, so the low count applies per (user, IP) pair only.
 * Exempt IPs (the webmail on loopback, which has its own per-client limit) count only towards the
 * user-wide limit. A successful login clears the user name's failures and the pair's (not the IP's).
 */

export interface LoginLimits {
  /** failures (per IP and per user name) answered without delay, default 3 */
  freeFailures: number;
  /** delay before the NO of the first delayed failure, doubling up to maxDelayMs; default 1 s */
  baseDelayMs: number;
  /** default 15 s */
  maxDelayMs: number;
  /** failures within windowMs that lock the IP, or the user name from that IP, default 10 */
  lockAfter: number;
  /** failures within windowMs, from all addresses, that lock the user name everywhere, default 100 */
  userLockAfter: number;
  /** how long a lock lasts, default 15 min */
  lockMs: number;
  /** failures older than this are forgotten, default 15 min */
  windowMs: number;
  /** per-IP limits skip these (the webmail logs everyone in from here), default 127.0.0.1 and ::1 */
  exemptIps: string[];
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  freeFailures: 3,
  baseDelayMs: 1000,
  maxDelayMs: 15_000,
  lockAfter: 10,
  userLockAfter: 100,
  lockMs: 15 * 60_000,
  windowMs: 15 * 60_000,
  exemptIps: ['127.0.0.1', '::1', '::ffff:127.0.0.1'],
};

interface Entry {
  failures: number[];
  lockedUntil: number;
}

const MAX_ENTRIES = 100_000;

export class LoginThrottle {
  readonly limits: LoginLimits;
  private entries = new Map<string, Entry>();

  constructor(limits: Partial<LoginLimits> = {}, private now: () => number = Date.now) {
    this.limits = { ...DEFAULT_LOGIN_LIMITS, ...limits };
  }

  private keys(ip: string | undefined, user: string): Array<{ key: string; lockAfter: number }> {
    const name = user.toLowerCase();
    const keys = [{ key: `user:${name}`, lockAfter: this.limits.userLockAfter }];
    if (ip && !this.limits.exemptIps.includes(ip)) {
      keys.push({ key: `ip:${ip}`, lockAfter: this.limits.lockAfter }, { key: `pair:${ip}\u0000${name}`, lockAfter: this.limits.lockAfter });
    }
    return keys;
  }

  private entry(key: string, create: boolean): Entry | undefined {
    let e = this.entries.get(key);
    const t = this.now();
    if (e) {
      e.failures = e.failures.filter((f) => t - f < this.limits.windowMs);
      if (!e.failures.length && e.lockedUntil <= t) {
        this.entries.delete(key);
        e = undefined;
      }
    }
    if (!e && create) {
      if (this.entries.size >= MAX_ENTRIES) this.prune();
      e = { failures: [], lockedUntil: 0 };
      this.entries.set(key, e);
    }
    return e;
  }

  private prune(): void {
    const t = this.now();
    for (const [k, e] of this.entries) {
      if (e.lockedUntil <= t && e.failures.every((f) => t - f >= this.limits.windowMs)) this.entries.delete(k);
    }
    // still full (an attack from many addresses): forget the oldest half
    if (this.entries.size >= MAX_ENTRIES) {
      let n = this.entries.size / 2;
      for (const k of this.entries.keys()) { if (n-- <= 0) break; this.entries.delete(k); }
    }
  }

  /** True when the IP or the user name is locked out right now. */
  isLocked(ip: string | undefined, user: string): boolean {
    const t = this.now();
    return this.keys(ip, user).some(({ key }) => (this.entry(key, false)?.lockedUntil ?? 0) > t);
  }

  /** Records a failure; returns the delay (ms) to wait before answering it. */
  recordFailure(ip: string | undefined, user: string): number {
    const t = this.now();
    let worst = 0;
    for (const { key, lockAfter } of this.keys(ip, user)) {
      const e = this.entry(key, true)!;
      e.failures.push(t);
      if (e.failures.length >= lockAfter) e.lockedUntil = t + this.limits.lockMs;
      worst = Math.max(worst, e.failures.length);
    }
    const over = worst - this.limits.freeFailures;
    if (over <= 0) return 0;
    return Math.min(this.limits.maxDelayMs, this.limits.baseDelayMs * 2 ** Math.min(over - 1, 30));
  }

  /** A successful login forgives the user name's failures and the pair's (the IP's stay). */
  recordSuccess(ip: string | undefined, user: string): void {
    for (const { key } of this.keys(ip, user)) {
      if (key.startsWith('ip:')) continue;
      const e = this.entries.get(key);
      if (e && e.lockedUntil <= this.now()) this.entries.delete(key);
    }
  }
}
