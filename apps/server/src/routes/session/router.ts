// Sign in (verified by an IMAP login), who am I, sign out.
import { Router } from 'express';
import { loginRequest } from '@mailroom/shared';
import type { AppContext } from '../../context.js';
import { HttpError } from '../../errors.js';
import { clearSessionCookies, setSessionCookies } from '../../session/middleware.js';
import { newCsrfToken, newSessionId, type SessionData } from '../../session/store.js';
import { parseBody } from '../validate.js';
import { prepareInbox } from '../mailboxes/service.js';
import { startFirstScreen } from '../mailboxes/first-screen.js';

export function sessionRouter(ctx: AppContext): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const { email, password } = parseBody(loginRequest, req.body);
    ctx.loginLimiter.check(req.ip ?? 'unknown', email);
    let client;
    try {
      client = await ctx.imap.connect({ email, password });
    } catch (err) {
      const failed = err instanceof HttpError && err.code === 'invalid_credentials';
      if (failed) ctx.loginLimiter.fail(req.ip ?? 'unknown', email);
      ctx.metrics.logins.inc({ result: failed ? 'failure' : 'error' });
      throw err;
    }
    ctx.loginLimiter.succeed(req.ip ?? 'unknown', email);
    ctx.metrics.logins.inc({ result: 'success' });
    if (req.session) {
      await ctx.sessions.delete(req.session.id);
      await ctx.imap.release(req.session.id);
    }
    const id = newSessionId();
    const now = Date.now();
    const session: SessionData = {
      id,
      email,
      sealedPassword: ctx.sealer.seal(password, id),
      csrf: newCsrfToken(),
      createdAt: now,
      lastSeenAt: now,
    };
    await ctx.sessions.set(session);
    ctx.imap.adopt(id, client);
    // The browser asks for INBOX's first window next: start on it now (SELECT, the sort), on this
    // same connection, while the answer travels; the window request then waits less or not at all.
    const prepared = ctx.imap.withClient(id, { email, password }, prepareInbox);
    prepared.catch((err: unknown) => ctx.logger.debug({ reqId: req.id, err: (err as Error).message }, 'inbox prefetch failed'));
    startFirstScreen(id, prepared);
    setSessionCookies(req, res, session);
    ctx.logger.info({ reqId: req.id, user: email }, 'signed in');
    const preferences = await ctx.preferences.get(email).catch(() => undefined);
    res.json({ user: { email }, ...(preferences ? { preferences } : {}) });
  });

  router.get('/', (req, res) => {
    if (!req.session) throw new HttpError(401, 'unauthorized', 'Not signed in.');
    res.json({ user: { email: req.session.email } });
  });

  router.delete('/', async (req, res) => {
    if (req.session) {
      await ctx.sessions.delete(req.session.id);
      await ctx.imap.release(req.session.id);
      await ctx.watchers.release(req.session.id);
    }
    clearSessionCookies(req, res);
    res.status(204).end();
  });

  return router;
}
