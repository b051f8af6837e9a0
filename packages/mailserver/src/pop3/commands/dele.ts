import { err } from '../errors.js';
import type { Pop3Command } from './types.js';

/** DELE msg (RFC 1939 §5): marks the message; it is removed at QUIT, RSET unmarks it. */
export const dele: Pop3Command = {
  name: 'DELE',
  states: ['transaction'],
  async handle({ session, args }) {
    if (args.length !== 1) throw err('Syntax: DELE msg');
    const e = session.maildrop!.get(args[0]);
    e.deleted = true;
    session.ok(`Message ${e.n} deleted`);
  },
};
