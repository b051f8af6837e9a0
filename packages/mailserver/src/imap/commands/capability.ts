import { bad } from '../errors.js';
import { atom } from '../response.js';
import type { ImapCommand } from './types.js';

export const capability: ImapCommand = {
  name: 'CAPABILITY',
  states: ['not-authenticated', 'authenticated', 'selected', 'logout'],
  async handle({ session, args }) {
    if (args.length) throw bad('CAPABILITY takes no arguments');
    session.untagged(atom('CAPABILITY'), ...session.capabilities().map(atom));
  },
};
