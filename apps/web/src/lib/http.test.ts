import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, apiRequest, readCookie } from './http.js';

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = 'mr_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
});

function stubFetch(response: Response | Error) {
  const fn = vi.fn(async () => {
    if (response instanceof Error) throw response;
    return response;
  });
  vi.stubGlobal('fetch', fn);
  return fn;
}

describe('apiRequest', () => {
  it('parses JSON and returns undefined for 204', async () => {
    stubFetch(new Response('{"a":1}', { status: 200 }));
    expect(await apiRequest('/api/x')).toEqual({ a: 1 });
    stubFetch(new Response(null, { status: 204 }));
    expect(await apiRequest('/api/x', { method: 'DELETE' })).toBeUndefined();
  });

  it('throws ApiError with the server code and message', async () => {
    stubFetch(new Response(JSON.stringify({ error: { code: 'not_found', message: 'No such message' } }), { status: 404 }));
    const err = await apiRequest('/api/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, code: 'not_found', message: 'No such message' });
  });

  it('turns non-JSON errors and network failures into clear ApiErrors', async () => {
    stubFetch(new Response('<html>Bad gateway</html>', { status: 502 }));
    expect(await apiRequest('/api/x').catch((e: unknown) => e)).toMatchObject({ status: 502, message: 'The server had a problem. Please try again.' });
    stubFetch(new TypeError('fetch failed'));
    expect(await apiRequest('/api/x').catch((e: unknown) => e)).toMatchObject({ status: 0, code: 'network' });
  });

  it('sends the CSRF cookie in x-csrf-token on writes only', async () => {
    document.cookie = 'mr_csrf=tok%20en';
    expect(readCookie('mr_csrf')).toBe('tok en');
    const fn = stubFetch(new Response('{}', { status: 200 }));
    await apiRequest('/api/x', { method: 'POST', body: { a: 1 } });
    await apiRequest('/api/x');
    const calls = fn.mock.calls as unknown as [string, RequestInit][];
    expect((calls[0]?.[1].headers as Record<string, string>)['x-csrf-token']).toBe('tok en');
    expect((calls[0]?.[1].headers as Record<string, string>)['content-type']).toBe('application/json');
    expect(calls[0]?.[1].body).toBe('{"a":1}');
    expect((calls[1]?.[1].headers as Record<string, string>)['x-csrf-token']).toBeUndefined();
  });

  it('retries a write once when the server hands out a new CSRF token', async () => {
    let calls = 0;
    const fn = vi.fn(async () => {
      calls++;
      if (calls === 1) {
        document.cookie = 'mr_csrf=fresh';
        return new Response(JSON.stringify({ error: { code: 'csrf', message: 'Missing or wrong CSRF token.' } }), { status: 403 });
      }
      return new Response('{"ok":true}', { status: 200 });
    });
    vi.stubGlobal('fetch', fn);
    expect(await apiRequest('/api/session', { method: 'POST', body: {} })).toEqual({ ok: true });
    const second = (fn.mock.calls as unknown as [string, RequestInit][])[1]?.[1];
    expect((second?.headers as Record<string, string>)['x-csrf-token']).toBe('fresh');
  });

  it('does not retry when the token did not change', async () => {
    document.cookie = 'mr_csrf=same';
    const fn = stubFetch(new Response(JSON.stringify({ error: { code: 'csrf', message: 'Missing or wrong CSRF token.' } }), { status: 403 }));
    expect(await apiRequest('/api/x', { method: 'POST' }).catch((e: unknown) => e)).toMatchObject({ status: 403, code: 'csrf' });
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
