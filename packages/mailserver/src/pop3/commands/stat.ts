import { err } from '../errors.js';
import type { Pop3Command } from './types.js';

/** STAT (RFC 1939 §5): count and total size of the messages not marked deleted. */
export const stat: Pop3Command = {
  name: 'STAT',
  states: ['transaction'],
  async handle({ session, args }) {
    if (args.length) throw err('STAT takes no arguments');
    const { count, size } = session.maildrop!.stat();
    session.ok(`${count} ${size}`);
  },
};
