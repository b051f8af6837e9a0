import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@mailroom/testkit';
import request from 'supertest';
import { closeContext, createApp, createContext } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';

describe('operations endpoints', () => {
  let open: { ctx: ReturnType<typeof createContext>; app: ReturnType<typeof createApp> };
  let locked: { ctx: ReturnType<typeof createContext>; app: ReturnType<typeof createApp> };
  beforeAll(async () => {
    const port = await freePort() /* nothing listens there */;
    const make = (extra: Record<string, unknown>) => {
      const ctx = createContext(loadConfig({}, { imapPort: port, submissionPort: port, logLevel: 'silent', ...extra }), createLogger('silent'));
      return { ctx, app: createApp(ctx) };
    };
    open = make({});
    locked = make({ metricsToken: 'a-long-metrics-token-123' });
  });
  afterAll(async () => {
    await closeContext(open.ctx);
    await closeContext(locked.ctx);
  });

  it('is live even when the mail servers are down, and not ready', async () => {
    expect((await request(open.app).get('/api/health/live')).status).toBe(200);
    const ready = await request(open.app).get('/api/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ imap: false, smtp: false });
  });

  it('exposes Prometheus metrics with requests labelled by route, IMAP connections and SSE clients', async () => {
    await request(open.app).get('/api/health/live');
    await request(open.app).get('/api/mailboxes/INBOX/messages/12');
    const res = await request(open.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(/mailroom_http_requests_total\{method="GET",route="\/api\/health\/live",status="200"\} [1-9]/);
    expect(res.text).toContain('mailroom_http_request_duration_seconds_bucket');
    expect(res.text).toMatch(/mailroom_imap_connections 0/);
    expect(res.text).toMatch(/mailroom_sse_clients 0/);
    expect(res.text).toContain('mailroom_process_resident_memory_bytes');
    // raw URLs (with UIDs) never become labels
    expect(res.text).not.toContain('INBOX/messages/12"');
  });

  it('compresses responses for clients that accept it', async () => {
    const res = await request(open.app).get('/metrics').set('accept-encoding', 'gzip');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.text).toContain('mailroom_http_requests_total');
  });

  it('requires the bearer token when one is configured', async () => {
    expect((await request(locked.app).get('/metrics')).status).toBe(401);
    expect((await request(locked.app).get('/metrics').set('authorization', 'Bearer wrong')).status).toBe(401);
    expect((await request(locked.app).get('/metrics').set('authorization', 'Bearer a-long-metrics-token-123')).status).toBe(200);
  });

  it('tags every response with a request id', async () => {
    const res = await request(open.app).get('/api/health/live');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a Redis session store without a shared SESSION_KEY', () => {
    expect(() => loadConfig({ SESSION_STORE: 'redis://127.0.0.1:6379' })).toThrow(/SESSION_KEY/);
    expect(loadConfig({ SESSION_STORE: 'redis://127.0.0.1:6379', SESSION_KEY: 'ab'.repeat(32) }).sessionStore).toBe('redis://127.0.0.1:6379');
  });
});
