import { bad } from '../errors.js';
import type { ImapCommand } from './types.js';

export const idle: ImapCommand = {
  name: 'IDLE',
  states: ['authenticated', 'selected'],
  async handle({ session, args }) {
    if (args.length) throw bad('IDLE takes no arguments');
    session.continuation('idling');
    session.setIdle(() => session.flushPending(true));
    session.flushPending(true);
    const line = await session.readLine();
    session.setIdle(null);
    if (line.trim().toUpperCase() !== 'DONE') throw bad('Expected DONE');
  },
};
