import type { z } from 'zod';
import { HttpError } from '../errors.js';

/** Validates input with a zod schema from @mailroom/shared; a 400 with the reasons otherwise. */
export function parseBody<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    const details = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ');
    throw new HttpError(400, 'bad_request', `Invalid request: ${summary}`, details);
  }
  return result.data;
}

/** A positive integer route parameter (UIDs), or 400. */
export function parseUid(value: string | undefined): number {
  const n = Number(value);
  if (!value || !/^\d{1,10}$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > 0xffffffff) {
    throw new HttpError(400, 'bad_request', `Invalid message UID "${value ?? ''}"`);
  }
  return n;
}
