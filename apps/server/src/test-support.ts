// Test support: a real mail backend on loopback (the embedded server, Dovecot + Postfix, or the
// embedded server without SORT/ESEARCH/LIST-STATUS/IDLE — see @mailroom/testkit), seeded like the
// demo but smaller, with the webmail app in front of it, driven by supertest. No mock IMAP server.
import request from 'supertest';
import { startBackend, type BackendKind, type RunningBackend } from '@mailroom/testkit';
import { CSRF_COOKIE, CSRF_HEADER } from '@mailroom/shared';
import { closeContext, createApp, createContext } from './app.js';
import { loadConfig, type Config } from './config.js';
import type { AppContext } from './context.js';
import { createLogger } from './logger.js';

export { BACKEND_KINDS, type BackendKind } from '@mailroom/testkit';

export interface TestStack {
  kind: BackendKind;
  backend: RunningBackend;
  imap: { host: string; port: number };
  submission: { host: string; port: number };
  ctx: AppContext;
  app: ReturnType<typeof createApp>;
  config: Config;
  close(): Promise<void>;
}

export async function startTestStack(
  opts: { backend?: BackendKind; perUser?: number; config?: Partial<Config> } = {},
): Promise<TestStack> {
  const kind = opts.backend ?? 'embedded';
  const backend = await startBackend(kind, { perUser: opts.perUser ?? 30 });
  try {
    const config = loadConfig(
      {},
      {
        imapHost: backend.imap.host,
        imapPort: backend.imap.port,
        submissionHost: backend.submission.host,
        submissionPort: backend.submission.port,
        logLevel: 'silent',
        ...opts.config,
      },
    );
    const ctx = createContext(config, createLogger('silent'));
    const app = createApp(ctx);
    return {
      kind,
      backend,
      imap: backend.imap,
      submission: backend.submission,
      ctx,
      app,
      config,
      async close() {
        await closeContext(ctx);
        await backend.close();
      },
    };
  } catch (err) {
    await backend.close();
    throw err;
  }
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
