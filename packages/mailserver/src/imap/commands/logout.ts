import type { ImapCommand } from './types.js';

export const logout: ImapCommand = {
  name: 'LOGOUT',
  states: ['not-authenticated', 'authenticated', 'selected', 'logout'],
  async handle({ session }) {
    session.writeLine('* BYE Mailroom IMAP server logging out');
    session.logout();
  },
};
