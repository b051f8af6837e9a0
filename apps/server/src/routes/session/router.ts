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
import { cachedFirstWindow, cancelFirstWindowRefresh, firstWindowSettled, inboxState } from '../mailboxes/first-window.js';

/** How long a sign-in waits for another session's refresh of the stored first window under way. */
const FIRST_WINDOW_WAIT_MS = 400;
/**
 * How long a sign-in waits for INBOX's STATUS at most. It takes ~1 ms when nothing changed; after a
 * change Dovecot re-reads the Maildir on the next command touching INBOX (0.3 s for 100,000
 * messages, also for a STATUS, also when the stored window still matches, e.g. right after the
 * account's own flag change): still quicker than the way without the stored window, which pays
 * the same re-read in its SELECT. A server that does not answer in time gets no stored window.
 */
const STATUS_WAIT_MS = 1_000;

export function sessionRouter(ctx: AppContext): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const { email, password } = parseBody(loginRequest, req.body);
    ctx.loginLimiter.check(req.ip ?? 'unknown', email);
    // read while the IMAP login runs: they say which view the first screen shows
    const preferencesRead = ctx.preferences.get(email).catch(() => undefined);
    const started = performance.now();
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
    const loggedIn = performance.now();
    const preferences = await preferencesRead;
    // A returning sign-in: when INBOX is exactly as the account's last session left it (STATUS,
    // ~1 ms, against the state its stored first window was read in), the answer brings that window
    // along and the browser shows it without another round trip, SELECT or FETCH. Another session
    // of the account may be reading it again right now, after a change it made: wait a little.
    await firstWindowSettled(email, FIRST_WINDOW_WAIT_MS);
    const waited = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const state = await Promise.race([
      inboxState(client).catch(() => null),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), STATUS_WAIT_MS))),
    ]);
    clearTimeout(timer);
    const inbox = cachedFirstWindow(client, { threads: preferences?.conversationView ?? false }, state);
    const checked = performance.now();
    // The browser asks for more of INBOX next (or for its first window, without a stored one):
    // start on it now (SELECT, the sort), on this same connection, while the answer travels.
    const prepared = ctx.imap.withClient(id, { email, password }, prepareInbox);
    prepared.catch((err: unknown) => ctx.logger.debug({ reqId: req.id, err: (err as Error).message }, 'inbox prefetch failed'));
    startFirstScreen(id, prepared);
    setSessionCookies(req, res, session);
    const ms = (a: number, b: number) => (b - a).toFixed(1);
    res.set('Server-Timing', `login;dur=${ms(started, loggedIn)}, wait;dur=${ms(loggedIn, waited)}, status;dur=${ms(waited, checked)};desc="${inbox ? 'stored first window' : 'none stored'}"`);
    ctx.logger.info({ reqId: req.id, user: email, firstWindow: inbox ? 'stored' : 'none' }, 'signed in');
    res.json({ user: { email }, ...(preferences ? { preferences } : {}), ...(inbox ? { inbox } : {}) });
  });

  router.get('/', (req, res) => {
    if (!req.session) throw new HttpError(401, 'unauthorized', 'Not signed in.');
    res.json({ user: { email: req.session.email } });
  });

  router.delete('/', async (req, res) => {
    if (req.session) {
      cancelFirstWindowRefresh(req.session.id);
      await ctx.sessions.delete(req.session.id);
      await ctx.imap.release(req.session.id);
      await ctx.watchers.release(req.session.id);
    }
    clearSessionCookies(req, res);
    res.status(204).end();
  });

  return router;
}
