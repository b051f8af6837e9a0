// Failed sign-ins are limited so that guessing is slow, without letting a stranger lock an account:
// - per IP address: MAX_FAILURES_PER_IP within WINDOW_MS, then 429 for that address;
// - per account *and* IP address: MAX_FAILURES_PER_USER_IP, so one source cannot keep guessing one
//   password, while the owner signing in from elsewhere is not affected;
// - per account across all addresses: a much higher MAX_FAILURES_PER_USER, against guessing spread
//   over many addresses (a distributed attacker can still reach it; that is the price of any account
//   limit, kept high so a single source never can).
// A success clears the account's counters and the pair's, and the address's own count.
import { HttpError } from '../errors.js';

export const WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_USER_IP = 10;
export const MAX_FAILURES_PER_IP = 30;
export const MAX_FAILURES_PER_USER = 100;

interface Counter {
  count: number;
  first: number;
}

export class LoginLimiter {
  private readonly byKey = new Map<string, Counter>();

  constructor(private readonly now: () => number = Date.now) {}

  private keys(ip: string, email: string) {
    const user = email.toLowerCase();
    return { ip: `ip:${ip}`, pair: `pair:${ip}\u0000${user}`, user: `user:${user}` };
  }

  check(ip: string, email: string) {
    const k = this.keys(ip, email);
    if (this.over(k.ip, MAX_FAILURES_PER_IP) || this.over(k.pair, MAX_FAILURES_PER_USER_IP) || this.over(k.user, MAX_FAILURES_PER_USER)) {
      throw new HttpError(429, 'rate_limited', 'Too many failed sign-in attempts. Wait a few minutes and try again.');
    }
  }

  fail(ip: string, email: string) {
    const k = this.keys(ip, email);
    this.bump(k.ip);
    this.bump(k.pair);
    this.bump(k.user);
    if (this.byKey.size > 100_000) this.sweep();
  }

  succeed(ip: string, email: string) {
    const k = this.keys(ip, email);
    for (const key of [k.ip, k.pair, k.user]) this.byKey.delete(key);
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
