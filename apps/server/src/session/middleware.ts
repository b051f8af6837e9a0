// Cookie session and CSRF protection.
// The session cookie is HttpOnly + SameSite=Strict (+ Secure under TLS). CSRF: every state-changing
// request must echo the mr_csrf cookie in the x-csrf-token header (double submit); for a signed-in
// session the token must also be the session's own.
import { timingSafeEqual } from 'node:crypto';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from '@mailroom/shared';
import { HttpError } from '../errors.js';
import type { CredentialSealer } from './crypto.js';
import { newCsrfToken, type SessionData, type SessionStore } from './store.js';
import type { MailAccount } from '../imap/pool.js';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    session?: SessionData;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const cookieOptions = (req: Request, httpOnly: boolean): CookieOptions => ({
  httpOnly,
  sameSite: 'strict',
  secure: req.secure,
  path: '/',
});

export function setSessionCookies(req: Request, res: Response, session: SessionData) {
  res.cookie(SESSION_COOKIE, session.id, cookieOptions(req, true));
  res.cookie(CSRF_COOKIE, session.csrf, cookieOptions(req, false));
}

export function clearSessionCookies(req: Request, res: Response) {
  res.clearCookie(SESSION_COOKIE, cookieOptions(req, true));
}

function sameToken(a: string | undefined, b: string | undefined) {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Loads the session (if any), refreshes its idle timer, and enforces CSRF on unsafe methods. */
export function sessionMiddleware(store: SessionStore): RequestHandler {
  return async (req, res, next) => {
    const id = req.cookies?.[SESSION_COOKIE] as string | undefined;
    if (id) {
      try {
        const session = await store.get(id);
        if (session) {
          session.lastSeenAt = Date.now();
          await store.set(session);
          req.session = session;
        }
      } catch {
        next(new HttpError(503, 'service_unavailable', 'The session store is not reachable right now. Try again in a moment.'));
        return;
      }
    }
    let csrfCookie = req.cookies?.[CSRF_COOKIE] as string | undefined;
    if (!csrfCookie) {
      // Hand out a token before sign-in so the login form can send it.
      csrfCookie = req.session?.csrf ?? newCsrfToken();
      res.cookie(CSRF_COOKIE, csrfCookie, cookieOptions(req, false));
    }
    if (!SAFE_METHODS.has(req.method)) {
      const header = req.get(CSRF_HEADER);
      const expected = req.session?.csrf ?? csrfCookie;
      if (!sameToken(header, expected) || !sameToken(header, req.cookies?.[CSRF_COOKIE] as string | undefined)) {
        next(new HttpError(403, 'csrf', 'Missing or wrong CSRF token. Reload the page and try again.'));
        return;
      }
    }
    next();
  };
}

export const requireSession: RequestHandler = (req, _res, next) => {
  if (!req.session) next(new HttpError(401, 'unauthorized', 'Please sign in.'));
  else next();
};

/** The session's mail credentials, unsealed for one request. */
export function accountOf(req: Request, sealer: CredentialSealer): MailAccount {
  const s = req.session;
  if (!s) throw new HttpError(401, 'unauthorized', 'Please sign in.');
  try {
    return { email: s.email, password: sealer.open(s.sealedPassword, s.id) };
  } catch {
    throw new HttpError(401, 'unauthorized', 'Your session has expired. Please sign in again.');
  }
}
