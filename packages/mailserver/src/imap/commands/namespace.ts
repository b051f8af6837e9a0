import type { ImapCommand } from './types.js';

export const namespace: ImapCommand = {
  name: 'NAMESPACE',
  states: ['authenticated', 'selected'],
  async handle({ session }) {
    session.writeLine('* NAMESPACE (("" "/")) NIL NIL');
  },
};
