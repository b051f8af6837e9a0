import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@mailroom/testkit';
import request from 'supertest';
import { closeContext, createApp, createContext } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { MailRouting } from './mail-routing.js';
import { Browser, startTestStack, type TestStack } from './test-support.js';

describe('MailRouting', () => {
  it('uses the per-domain servers of MAIL_SERVERS, and the defaults otherwise', () => {
    const config = loadConfig({
      IMAP_HOST: 'imap.default.test',
      MAIL_SERVERS: JSON.stringify({ 'Example.org': { imapHost: 'imap.example.org', submissionHost: 'smtp.example.org' } }),
    });
    const routing = new MailRouting(config);
    expect(routing.for('ann@example.org').imap).toMatchObject({ host: 'imap.example.org', port: 993, secure: true });
    expect(routing.for('ann@EXAMPLE.ORG').smtp).toMatchObject({ host: 'smtp.example.org', port: 465, secure: true });
    expect(routing.for('bob@other.test').imap.host).toBe('imap.default.test');
    expect(routing.all()).toHaveLength(2);
    expect(() => loadConfig({ MAIL_SERVERS: '{"example.org": {"imapPort": 1}}' })).toThrow(/MAIL_SERVERS/);
  });

  describe('with a real server for demo.test and nothing at the defaults', () => {
    let stack: TestStack;
    let routed: { ctx: ReturnType<typeof createContext>; app: ReturnType<typeof createApp> };
    beforeAll(async () => {
      const dead = await freePort() /* nothing listens there */;
      stack = await startTestStack({ perUser: 5 });
      const real = stack.config;
      const ctx = createContext(
        loadConfig({}, {
          imapPort: dead,
          submissionPort: dead,
          logLevel: 'silent',
          mailServers: {
            'demo.test': { imapHost: real.imapHost, imapPort: real.imapPort, imapSecure: false, submissionHost: real.submissionHost, submissionPort: real.submissionPort, submissionSecure: false },
          },
        }),
        createLogger('silent'),
      );
      routed = { ctx, app: createApp(ctx) };
    });
    afterAll(async () => {
      if (routed) await closeContext(routed.ctx);
      await stack?.close();
    });

    it('signs demo.test users in on their domain servers, and health reports the dead default', async () => {
      const b = new Browser(routed.app);
      expect((await b.login('alice@demo.test')).status).toBe(200);
      expect((await b.get('/api/mailboxes')).status).toBe(200);
      const other = new Browser(routed.app);
      expect((await other.login('someone@elsewhere.test')).status).toBe(503);
      expect((await request(routed.app).get('/api/health/ready')).status).toBe(503);
    });
  });
});
