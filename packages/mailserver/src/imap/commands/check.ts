import type { ImapCommand } from './types.js';

export const check: ImapCommand = {
  name: 'CHECK',
  states: ['selected'],
  async handle() {},
};
