// Typed HTTP errors, mapped once to JSON at the edge (errorHandler).
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ErrorCode } from '@mailroom/shared';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);

/** Error of an IMAP/SMTP server we could not reach or that broke the connection. */
export const mailServerUnavailable = (what: string, cause?: unknown) =>
  new HttpError(503, 'mail_server_unavailable', `The ${what} server is not reachable right now. Try again in a moment.`, causeText(cause));

function causeText(cause: unknown): string | undefined {
  if (!cause) return undefined;
  const e = cause as { code?: string; message?: string };
  return e.code ?? undefined;
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `No API route for ${req.method} ${req.path}`));
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let httpError: HttpError;
    if (err instanceof HttpError) {
      httpError = err;
    } else if (err && typeof err === 'object' && 'type' in err && (err as { type: string }).type === 'entity.parse.failed') {
      httpError = new HttpError(400, 'bad_request', 'The request body is not valid JSON.');
    } else if (err && typeof err === 'object' && (err as { type?: string }).type === 'entity.too.large') {
      httpError = new HttpError(413, 'message_too_large', 'The request body is too large.');
    } else {
      logger.error({ err, reqId: req.id, path: req.path }, 'unhandled error');
      httpError = new HttpError(500, 'internal', 'Something went wrong on the server.');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body: { error: { code: string; message: string; details?: unknown } } = {
      error: { code: httpError.code, message: httpError.message },
    };
    if (httpError.details !== undefined) body.error.details = httpError.details;
    res.status(httpError.status).json(body);
  };
}
