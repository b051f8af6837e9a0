import { err } from '../errors.js';
import type { Pop3Command } from './types.js';

/** PASS password (RFC 1939 §7). The password is the rest of the line, spaces included. */
export const pass: Pop3Command = {
  name: 'PASS',
  states: ['authorization'],
  async handle({ session, rest }) {
    const name = session.pendingUser;
    session.pendingUser = null;
    if (name === null) throw err('USER first');
    if (!session.plaintextAuthAllowed) throw err('Plaintext authentication requires STLS first', 'AUTH');
    await session.authenticate(name, rest);
    session.ok(`Logged in, ${session.maildrop?.stat().count ?? 0} messages`);
  },
};
