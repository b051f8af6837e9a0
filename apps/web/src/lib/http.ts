// The one HTTP client of the web app: JSON in and out, typed errors, CSRF header on every write.
import { CSRF_COOKIE, CSRF_HEADER } from '@mailroom/shared/constants';
import type { ApiErrorBody } from '@mailroom/shared';

/** A failed API call: HTTP status (0 when the server could not be reached), API error code and a human message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

/** Reads one cookie of the current document (the CSRF token is deliberately not HttpOnly). */
export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return null;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

function fallbackMessage(status: number): string {
  if (status === 401) return 'Your session has ended. Please sign in again.';
  if (status === 403) return 'This request was refused.';
  if (status === 404) return 'Not found.';
  if (status === 413) return 'The message is too large.';
  if (status === 429) return 'Too many requests. Please wait a moment.';
  if (status >= 500) return 'The server had a problem. Please try again.';
  return `Request failed (HTTP ${status}).`;
}

/**
 * Calls the API. Resolves with the parsed JSON body (undefined for 204 / empty bodies);
 * rejects with ApiError for network failures and every non-2xx answer.
 */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const sentToken = options.method && options.method !== 'GET' ? readCookie(CSRF_COOKIE) : null;
  try {
    return await send<T>(path, options, sentToken);
  } catch (err) {
    // The server hands out a fresh CSRF cookie when there was none (or it changed): retry once with it.
    const fresh = readCookie(CSRF_COOKIE);
    if (err instanceof ApiError && err.code === 'csrf' && options.method && options.method !== 'GET' && fresh && fresh !== sentToken) {
      return send<T>(path, options, fresh);
    }
    throw err;
  }
}

async function send<T>(path: string, options: RequestOptions, csrfToken: string | null): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers[CSRF_HEADER] = csrfToken;

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }

  const text = await response.text().catch(() => '');
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }

  if (!response.ok) {
    if (isErrorBody(data)) throw new ApiError(response.status, data.error.code, data.error.message);
    throw new ApiError(response.status, response.status === 401 ? 'unauthorized' : 'http_error', fallbackMessage(response.status));
  }
  if (text && data === undefined) {
    throw new ApiError(response.status, 'bad_response', 'The server sent an unreadable answer.');
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => apiRequest<T>(path, { signal }),
  post: <T>(path: string, body?: unknown) => apiRequest<T>(path, { method: 'POST', body }),
  patch: <T>(path: string, body?: unknown) => apiRequest<T>(path, { method: 'PATCH', body }),
  delete: <T>(path: string) => apiRequest<T>(path, { method: 'DELETE' }),
};

/** URL path of a mailbox resource; the IMAP path is one URL segment (encodeURIComponent). */
export function mailboxPath(mailbox: string): string {
  return `/api/mailboxes/${encodeURIComponent(mailbox)}`;
}

/** GETs a text resource (message source); errors as ApiError like apiRequest. */
export async function fetchText(path: string, signal?: AbortSignal): Promise<string> {
  let response: Response;
  try {
    response = await fetch(path, { credentials: 'same-origin', signal });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) {
    let code = 'http_error';
    let message = fallbackMessage(response.status);
    try {
      const data = JSON.parse(text) as unknown;
      if (isErrorBody(data)) {
        code = data.error.code;
        message = data.error.message;
      }
    } catch {
      // not JSON
    }
    throw new ApiError(response.status, code, message);
  }
  return text;
}
