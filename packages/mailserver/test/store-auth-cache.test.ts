import { describe, expect, it } from 'vitest';
import { openStore } from '../src/store/index.js';
import { createAuthCache, AUTH_CACHE_TTL_MS } from '../src/store/auth-cache.js';

describe('verified-login cache', () => {
  it('answers only for the password that was verified, and not after a password change', async () => {
    const store = openStore({ path: ':memory:' });
    store.createUser('ann@example.test', 'first password');
    expect(await store.authenticate('ann@example.test', 'first password')).toMatchObject({ email: 'ann@example.test' });
    // cached now: the right password again, a wrong one still fails
    expect(await store.authenticate('ann@example.test', 'first password')).not.toBeNull();
    expect(await store.authenticate('ann@example.test', 'first passwore')).toBeNull();
    expect(await store.authenticate('ANN@example.test', 'first password')).not.toBeNull();
    store.setPassword('ann@example.test', 'second password');
    expect(await store.authenticate('ann@example.test', 'first password')).toBeNull();
    expect(await store.authenticate('ann@example.test', 'second password')).not.toBeNull();
    store.deleteUser('ann@example.test');
    expect(await store.authenticate('ann@example.test', 'second password')).toBeNull();
    store.close();
  });

  it('forgets an entry after its time and never matches another user or password', () => {
    let now = 1_000;
    const cache = createAuthCache(() => now);
    cache.remember('a@x.test', 'pw', 'hash-a');
    expect(cache.verified('a@x.test', 'pw', 'hash-a')).toBe(true);
    expect(cache.verified('b@x.test', 'pw', 'hash-a')).toBe(false);
    expect(cache.verified('a@x.test', 'pw2', 'hash-a')).toBe(false);
    expect(cache.verified('a@x.test', 'pw', 'hash-b')).toBe(false);
    cache.remember('a@x.test', 'pw', 'hash-a');
    now += AUTH_CACHE_TTL_MS;
    expect(cache.verified('a@x.test', 'pw', 'hash-a')).toBe(false);
  });
});
