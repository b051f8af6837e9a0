// Failed sign-ins are limited per IP and per account: after MAX_FAILURES within WINDOW_MS further
// attempts get 429 until the window has passed. A success clears the account's and the IP's count.
import { HttpError } from '../errors.js';

const WINDOW_MS = 15 * 60 * 1000;
const MAX_FAILURES_PER_USER = 10;
const MAX_FAILURES_PER_IP = 30;

interface Counter {
  count: number;
  first: number;
}

export class LoginLimiter {
  private readonly byKey = new Map<string, Counter>();

  constructor(private readonly now: () => number = Date.now) {}

  check(ip: string, email: string) {
    if (this.over(`ip:${ip}`, MAX_FAILURES_PER_IP) || this.over(`user:${email.toLowerCase()}`, MAX_FAILURES_PER_USER)) {
      throw new HttpError(429, 'rate_limited', 'Too many failed sign-in attempts. Wait a few minutes and try again.');
    }
  }

  fail(ip: string, email: string) {
    this.bump(`ip:${ip}`);
    this.bump(`user:${email.toLowerCase()}`);
    if (this.byKey.size > 100_000) this.sweep();
  }

  succeed(ip: string, email: string) {
    this.byKey.delete(`ip:${ip}`);
    this.byKey.delete(`user:${email.toLowerCase()}`);
  }

  private over(key: string, max: number) {
    const c = this.byKey.get(key);
    if (!c) return false;
    if (this.now() - c.first > WINDOW_MS) {
      this.byKey.delete(key);
      return false;
    }
    return c.count >= max;
  }

  private bump(key: string) {
    const c = this.byKey.get(key);
    if (!c || this.now() - c.first > WINDOW_MS) this.byKey.set(key, { count: 1, first: this.now() });
    else c.count++;
  }

  private sweep() {
    const now = this.now();
    for (const [k, c] of this.byKey) if (now - c.first > WINDOW_MS) this.byKey.delete(k);
  }
}
