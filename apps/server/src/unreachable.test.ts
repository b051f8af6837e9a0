import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@mailroom/testkit';
import request from 'supertest';
import { closeContext, createApp, createContext } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { Browser } from './test-support.js';

describe('mail server unreachable', () => {
  let ctx: ReturnType<typeof createContext>;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    const port = await freePort() /* nothing listens there */;
    ctx = createContext(loadConfig({}, { imapPort: port, submissionPort: port, logLevel: 'silent' }), createLogger('silent'));
    app = createApp(ctx);
  });
  afterAll(async () => closeContext(ctx));

  it('reports 503 from /api/health', async () => {
    const res = await request(app).get('/api/health');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'degraded', imap: false, smtp: false });
  });

  it('answers sign-in with 503 and a clear message, and keeps running', async () => {
    const b = new Browser(app);
    const res = await b.login('alice@demo.test');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('mail_server_unavailable');
    expect(res.body.error.message).toMatch(/not reachable/);
    expect((await request(app).get('/api/health')).status).toBe(503);
  });
});
