import { err } from '../errors.js';
import type { Pop3Command } from './types.js';

/** USER name (RFC 1939 §7). Never reveals whether the mailbox exists. */
export const user: Pop3Command = {
  name: 'USER',
  states: ['authorization'],
  async handle({ session, rest }) {
    if (!session.plaintextAuthAllowed) throw err('Plaintext authentication requires STLS first', 'AUTH');
    const name = rest.trim();
    if (!name) throw err('User name required');
    if (name.length > 255) throw err('User name too long');
    session.pendingUser = name;
    session.ok('Send PASS');
  },
};
