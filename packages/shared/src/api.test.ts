import { describe, expect, it } from 'vitest';
import { loginRequest, messageListQuery } from './index.js';

describe('API contract', () => {
  it('rejects a login without a valid address', () => {
    expect(loginRequest.safeParse({ email: 'nobody', password: 'x' }).success).toBe(false);
    expect(loginRequest.safeParse({ email: 'alice@demo.test', password: '' }).success).toBe(false);
    expect(loginRequest.parse({ email: ' alice@demo.test ', password: 'demo' }).email).toBe('alice@demo.test');
  });
  it('coerces and bounds paging', () => {
    expect(messageListQuery.parse({ page: '2', pageSize: '25' })).toMatchObject({ offset: 25, limit: 25 });
    expect(messageListQuery.parse({ offset: '100', limit: '40', sort: 'subject', order: 'asc', threads: '1' })).toEqual({
      offset: 100,
      limit: 40,
      sort: 'subject',
      order: 'asc',
      threads: true,
      previews: true,
    });
    expect(messageListQuery.parse({})).toEqual({ offset: 0, limit: 50, sort: 'date', order: 'desc', threads: false, previews: true });
    expect(messageListQuery.parse({ previews: '0' }).previews).toBe(false);
    expect(messageListQuery.safeParse({ pageSize: '100000' }).success).toBe(false);
    expect(messageListQuery.safeParse({ sort: 'color' }).success).toBe(false);
  });
});
