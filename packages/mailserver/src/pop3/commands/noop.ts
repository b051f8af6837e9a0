import { err } from '../errors.js';
import type { Pop3Command } from './types.js';

/** NOOP (RFC 1939 §5). */
export const noop: Pop3Command = {
  name: 'NOOP',
  states: ['transaction'],
  async handle({ session, args }) {
    if (args.length) throw err('NOOP takes no arguments');
    session.ok('');
  },
};
