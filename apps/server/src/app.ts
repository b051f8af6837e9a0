// createApp(deps): the Express backend-for-frontend. It never listens (tests use it directly).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import compression from 'compression';
import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { ImapPool } from './imap/pool.js';
import { MailWatchers } from './imap/watcher.js';
import { SseClients, eventsRouter } from './routes/events/router.js';
import { healthRouter } from './routes/health/router.js';
import { mailboxesRouter, quotaRouter } from './routes/mailboxes/router.js';
import { messagesRouter } from './routes/messages/router.js';
import { sessionRouter } from './routes/session/router.js';
import { CredentialSealer, persistentSessionKey } from './session/crypto.js';
import { LoginLimiter } from './session/login-limiter.js';
import { sessionMiddleware } from './session/middleware.js';
import { MemorySessionStore } from './session/store.js';
import { RedisSessionStore } from './session/redis-store.js';
import { Metrics } from './metrics.js';
import { MailRouting } from './mail-routing.js';
import { SqlitePreferences } from './data/preferences.js';
import { preferencesRouter } from './routes/preferences/router.js';
import { UploadStore } from './data/uploads.js';
import { SqliteIdentities } from './data/identities.js';
import { SqliteContacts } from './data/contacts.js';
import { OutboxStore } from './data/outbox.js';
import { OutboxScheduler } from './outbox/scheduler.js';
import { identitiesRouter } from './routes/identities/router.js';
import { contactsRouter } from './routes/contacts/router.js';
import { startUploadPurge, uploadsRouter } from './routes/uploads/router.js';
import { outboxRouter } from './routes/outbox/router.js';
import { draftsRouter } from './routes/drafts/router.js';
import { composeRouter } from './routes/compose/router.js';

/** Builds the runtime context (IMAP pool, sessions, sealer) from the configuration. */
export function createContext(config: Config, logger: Logger): AppContext {
  const routing = new MailRouting(config);
  const imapFor = (email: string) => routing.for(email).imap;
  const imap = new ImapPool(imapFor, config.imapIdleCloseMs, logger.child({ component: 'imap-pool' }));
  const watchers = new MailWatchers(imapFor, logger.child({ component: 'imap-watch' }));
  const sse = new SseClients();
  const cleanups: Array<() => Promise<void>> = [];
  let uploadsDir: string;
  if (config.dataDir) {
    uploadsDir = path.join(config.dataDir, 'uploads');
  } else {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'mailroom-uploads-'));
    cleanups.push(() => rm(tmp, { recursive: true, force: true }));
    uploadsDir = tmp;
  }
  const webmailDb = config.dataDir ? path.join(config.dataDir, 'webmail.sqlite') : ':memory:';
  if (config.dataDir) mkdirSync(config.dataDir, { recursive: true });
  const sealer = new CredentialSealer(persistentSessionKey(config));
  const metrics = new Metrics({ imapConnections: () => imap.size + watchers.size, sseClients: () => sse.size });
  const contacts = new SqliteContacts(webmailDb);
  const outbox = new OutboxScheduler({
    store: new OutboxStore(webmailDb),
    sealer,
    routing,
    imap,
    contacts,
    sse,
    metrics,
    logger: logger.child({ component: 'outbox' }),
  });
  const uploads = new UploadStore(uploadsDir, config.maxMessageBytes);
  const identities = new SqliteIdentities(webmailDb);
  const stopPurge = startUploadPurge({ uploads, identities, logger });
  cleanups.unshift(async () => stopPurge());
  outbox.start();
  return {
    config,
    logger,
    sessions:
      config.sessionStore === 'memory' ? new MemorySessionStore(config.sessionIdleMs) : new RedisSessionStore(config.sessionStore, config.sessionIdleMs),
    sealer,
    imap,
    watchers,
    sse,
    routing,
    loginLimiter: new LoginLimiter(),
    metrics,
    preferences: new SqlitePreferences(webmailDb),
    uploads,
    identities,
    contacts,
    outbox,
    cleanups,
  };
}

/** Releases what the context holds (IMAP connections, session store). */
export async function closeContext(ctx: AppContext) {
  await ctx.outbox.stop();
  ctx.sse.closeAll();
  await ctx.watchers.closeAll();
  await ctx.imap.closeAll();
  await ctx.sessions.close();
  ctx.preferences.close();
  ctx.identities.close();
  ctx.contacts.close();
  ctx.outbox.store.close();
  for (const cleanup of ctx.cleanups.splice(0)) await cleanup().catch(() => undefined);
}

export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use((req, res, next) => {
    req.id = randomUUID();
    res.set('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.logger.info({ reqId: req.id, method: req.method, path: req.path, status: res.statusCode, ms }, 'request');
    });
    next();
  });

  app.use(ctx.metrics.middleware());
  // gzip/brotli for the app bundle and JSON; never for the event stream (it must flush each event).
  app.use(
    compression({
      filter: (req, res) => !String(res.getHeader('Content-Type') ?? '').startsWith('text/event-stream') && compression.filter(req, res),
    }),
  );
  app.get('/metrics', async (req, res) => {
    const token = ctx.config.metricsToken;
    if (token && req.get('authorization') !== `Bearer ${token}`) {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: { code: 'unauthorized', message: 'metrics need the bearer token' } });
      return;
    }
    res.set('Content-Type', ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          // Mail HTML renders in a sandboxed srcdoc iframe that inherits this policy and adds its own,
          // stricter one; remote images load there only after the user allows them.
          imgSrc: ["'self'", 'data:', 'blob:', 'https:', 'http:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          frameSrc: ["'self'", 'blob:'],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      crossOriginEmbedderPolicy: false,
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );

  const api = express.Router();
  const json = express.json({ limit: Math.ceil(ctx.config.maxMessageBytes * 1.4) });
  // Uploads stream their raw body to disk; every other route takes JSON.
  api.use((req, res, next) => (req.path === '/uploads' || req.path.startsWith('/uploads/') ? next() : json(req, res, next)));
  api.use(cookieParser());
  api.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  api.use('/health', healthRouter(ctx));
  api.use(sessionMiddleware(ctx.sessions));
  api.use('/session', sessionRouter(ctx));
  api.use('/mailboxes', mailboxesRouter(ctx));
  api.use('/messages', messagesRouter(ctx));
  api.use('/events', eventsRouter(ctx));
  api.use('/preferences', preferencesRouter(ctx));
  api.use('/quota', quotaRouter(ctx));
  api.use('/identities', identitiesRouter(ctx));
  api.use('/contacts', contactsRouter(ctx));
  api.use('/uploads', uploadsRouter(ctx));
  api.use('/outbox', outboxRouter(ctx));
  api.use('/drafts', draftsRouter(ctx));
  api.use('/compose', composeRouter(ctx));
  api.use(notFoundHandler);
  api.use(errorHandler(ctx.logger));
  app.use('/api', api);

  const webRoot = ctx.config.webRoot;
  if (webRoot && existsSync(path.join(webRoot, 'index.html'))) {
    app.use(express.static(webRoot, { index: false, maxAge: '1h' }));
    app.get(/^(?!\/api\/).*/, (_req, res) => {
      res.set('Cache-Control', 'no-cache').sendFile(path.join(webRoot, 'index.html'));
    });
  }
  app.use(errorHandler(ctx.logger));
  return app;
}
