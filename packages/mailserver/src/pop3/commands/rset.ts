import { err } from '../errors.js';
import type { Pop3Command } from './types.js';

/** RSET (RFC 1939 §5): unmarks every message marked with DELE. */
export const rset: Pop3Command = {
  name: 'RSET',
  states: ['transaction'],
  async handle({ session, args }) {
    if (args.length) throw err('RSET takes no arguments');
    const drop = session.maildrop!;
    drop.reset();
    const { count, size } = drop.stat();
    session.ok(`Maildrop has ${count} messages (${size} octets)`);
  },
};
