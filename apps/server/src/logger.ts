import pino, { type Logger } from 'pino';

/** JSON logs on stdout (pino). */
export function createLogger(level: string, name = 'mailroom'): Logger {
  return pino({ name, level });
}
