import { bad } from '../errors.js';
import type { ImapCommand } from './types.js';

export const starttls: ImapCommand = {
  name: 'STARTTLS',
  states: ['not-authenticated'],
  async handle({ session, args }) {
    if (args.length) throw bad('STARTTLS takes no arguments');
    if (!session.canStartTls()) throw bad(session.secure ? 'TLS is already active' : 'STARTTLS is not available');
    return { text: 'Begin TLS negotiation now', after: () => session.startTls() };
  },
};
