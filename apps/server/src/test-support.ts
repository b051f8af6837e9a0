// Test support: the real embedded mail server on port 0 (seeded like the demo, smaller) with the
// webmail app in front of it, driven by supertest. No mock IMAP server.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedDemo, startMailServer, type RunningMailServer } from '@mailroom/mailserver';
import request from 'supertest';
import { CSRF_COOKIE, CSRF_HEADER } from '@mailroom/shared';
import { closeContext, createApp, createContext } from './app.js';
import { loadConfig, type Config } from './config.js';
import type { AppContext } from './context.js';
import { createLogger } from './logger.js';

export interface TestStack {
  mail: RunningMailServer;
  ctx: AppContext;
  app: ReturnType<typeof createApp>;
  config: Config;
  close(): Promise<void>;
}

export async function startTestStack(opts: { perUser?: number; config?: Partial<Config> } = {}): Promise<TestStack> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-test-'));
  const mail = await startMailServer({ dataDir, host: '127.0.0.1', ports: { imap: 0, smtp: 0, submission: 0 }, allowInsecureAuth: true });
  await seedDemo(mail.store, { domain: 'demo.test', password: 'demo', perUser: opts.perUser ?? 30 });
  const config = loadConfig(
    {},
    {
      imapPort: mail.ports.imap,
      submissionPort: mail.ports.submission,
      logLevel: 'silent',
      ...opts.config,
    },
  );
  const ctx = createContext(config, createLogger('silent'));
  const app = createApp(ctx);
  return {
    mail,
    ctx,
    app,
    config,
    async close() {
      await closeContext(ctx);
      await mail.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A supertest agent that keeps cookies and sends the CSRF header like the SPA does. */
export class Browser {
  readonly agent: ReturnType<typeof request.agent>;
  csrf = '';

  constructor(app: ReturnType<typeof createApp>) {
    this.agent = request.agent(app);
  }

  private remember(res: request.Response) {
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    for (const c of cookies) {
      const m = new RegExp(`^${CSRF_COOKIE}=([^;]*)`).exec(c);
      if (m?.[1]) this.csrf = decodeURIComponent(m[1]);
    }
    return res;
  }

  async get(url: string) {
    return this.remember(await this.agent.get(url));
  }

  async send(method: 'post' | 'patch' | 'delete', url: string, body?: unknown) {
    if (!this.csrf) await this.get('/api/session');
    return this.remember(await this.agent[method](url).set(CSRF_HEADER, this.csrf).send(body as object));
  }

  async login(email: string, password = 'demo') {
    return this.send('post', '/api/session', { email, password });
  }
}
