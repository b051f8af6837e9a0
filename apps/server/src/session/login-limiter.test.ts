import { describe, expect, it } from 'vitest';
import { LoginLimiter, MAX_FAILURES_PER_IP, MAX_FAILURES_PER_USER, MAX_FAILURES_PER_USER_IP, WINDOW_MS } from './login-limiter.js';

const blocked = (limiter: LoginLimiter, ip: string, email: string) => {
  try {
    limiter.check(ip, email);
    return false;
  } catch (err) {
    expect((err as { status: number }).status).toBe(429);
    return true;
  }
};

describe('LoginLimiter', () => {
  it('stops one address guessing one account, but not the owner elsewhere', () => {
    const limiter = new LoginLimiter();
    for (let i = 0; i < MAX_FAILURES_PER_USER_IP; i++) {
      expect(blocked(limiter, '203.0.113.9', 'ann@example.org')).toBe(false);
      limiter.fail('203.0.113.9', 'ann@example.org');
    }
    expect(blocked(limiter, '203.0.113.9', 'ann@example.org')).toBe(true);
    expect(blocked(limiter, '198.51.100.7', 'ann@example.org')).toBe(false);
    expect(blocked(limiter, '203.0.113.9', 'bob@example.org')).toBe(false);
  });

  it('stops one address trying many accounts', () => {
    const limiter = new LoginLimiter();
    for (let i = 0; i < MAX_FAILURES_PER_IP; i++) limiter.fail('203.0.113.9', `u${i}@example.org`);
    expect(blocked(limiter, '203.0.113.9', 'new@example.org')).toBe(true);
    expect(blocked(limiter, '198.51.100.7', 'new@example.org')).toBe(false);
  });

  it('stops guessing spread over many addresses only at a much higher count', () => {
    const limiter = new LoginLimiter();
    for (let i = 0; i < MAX_FAILURES_PER_USER - 1; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`, 'ann@example.org');
    expect(blocked(limiter, '198.51.100.7', 'ann@example.org')).toBe(false);
    limiter.fail('10.1.0.1', 'ann@example.org');
    expect(blocked(limiter, '198.51.100.7', 'ann@example.org')).toBe(true);
  });

  it('forgets after the window and on success', () => {
    let now = 1_000_000;
    const limiter = new LoginLimiter(() => now);
    for (let i = 0; i < MAX_FAILURES_PER_USER_IP; i++) limiter.fail('203.0.113.9', 'ann@example.org');
    expect(blocked(limiter, '203.0.113.9', 'ann@example.org')).toBe(true);
    now += WINDOW_MS + 1;
    expect(blocked(limiter, '203.0.113.9', 'ann@example.org')).toBe(false);
    for (let i = 0; i < MAX_FAILURES_PER_USER_IP - 1; i++) limiter.fail('203.0.113.9', 'ann@example.org');
    limiter.succeed('203.0.113.9', 'ann@example.org');
    limiter.fail('203.0.113.9', 'ann@example.org');
    expect(blocked(limiter, '203.0.113.9', 'ann@example.org')).toBe(false);
  });
});
