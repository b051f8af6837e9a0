import { bad } from '../errors.js';
import type { ImapCommand } from './types.js';

export const noop: ImapCommand = {
  name: 'NOOP',
  states: ['not-authenticated', 'authenticated', 'selected', 'logout'],
  async handle({ args }) {
    if (args.length) throw bad('NOOP takes no arguments');
  },
};
