/**
 * Remembers successful password checks for a few minutes, so that a client that logs in again and
 * again (the webmail's IMAP connections, mail clients polling with a new connection each time, SMTP
 * submission) does not pay for scrypt each time.
 *
 * Why this is safe:
 * - Only a *successful* check is remembered, and only a correct password finds it again: a wrong
 *   password always costs a full scrypt, so guessing online is exactly as slow as before, and the
 *   faster answer of a hit tells nothing the OK does not already tell.
 * - An entry is an HMAC-SHA256 of (user, password) under a random key that lives only in this
 *   process's memory; neither the password nor a reusable hash of it is kept or written anywhere.
 * - It holds only while the user's stored hash is the one it was checked against: a password change
 *   (new salt, new hash) or a deleted user invalidates it at the next login, not after the TTL.
 * - Entries expire after AUTH_CACHE_TTL_MS and there are at most AUTH_CACHE_MAX_ENTRIES.
 * The cost: someone who can read this process's memory could test guesses for the users in the
 * cache at HMAC speed instead of scrypt speed, for at most the TTL. Such an attacker already sees
 * passwords as they arrive in LOGIN commands, so that is no real loss.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const AUTH_CACHE_TTL_MS = 10 * 60_000;
export const AUTH_CACHE_MAX_ENTRIES = 10_000;

export function createAuthCache(now: () => number = Date.now) {
  const key = randomBytes(32);
  const entries = new Map<string, { storedHash: string; expires: number }>();
  // the address is length-prefixed: no (user, password) pair can be spelled like another one
  const id = (email: string, password: string) => {
    const user = Buffer.from(email.toLowerCase(), 'utf8');
    return createHmac('sha256', key).update(`${user.length}:`).update(user).update(password, 'utf8').digest('base64');
  };
  return {
    /** True when this password was verified against this stored hash within the TTL. */
    verified(email: string, password: string, storedHash: string): boolean {
      const k = id(email, password);
      const e = entries.get(k);
      if (!e) return false;
      if (e.storedHash !== storedHash || e.expires <= now()) {
        entries.delete(k);
        return false;
      }
      return true;
    },
    remember(email: string, password: string, storedHash: string): void {
      const k = id(email, password);
      entries.delete(k);
      if (entries.size >= AUTH_CACHE_MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      entries.set(k, { storedHash, expires: now() + AUTH_CACHE_TTL_MS });
    },
  };
}
