import type { ImapCommand } from './types.js';

export const unselect: ImapCommand = {
  name: 'UNSELECT',
  states: ['selected'],
  async handle({ session }) {
    session.deselect();
  },
};
