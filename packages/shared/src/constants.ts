// Constants of the HTTP API that the browser needs on first load, without zod
// (import '@mailroom/shared/constants' to keep the schemas out of the first bundle).

/** Name of the header that must carry the CSRF token (double-submit of the `mr_csrf` cookie). */
export const CSRF_HEADER = 'x-csrf-token';
/** Non-HttpOnly cookie holding the CSRF token the SPA echoes in CSRF_HEADER. */
export const CSRF_COOKIE = 'mr_csrf';
/** HttpOnly cookie holding the opaque session id. */
export const SESSION_COOKIE = 'mr_sid';
