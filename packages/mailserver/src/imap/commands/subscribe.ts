import { argString, expectArgs } from '../parser/tokenizer.js';
import { requireUser } from './util.js';
import type { ImapCommand } from './types.js';

export const subscribe: ImapCommand = {
  name: 'SUBSCRIBE',
  states: ['authenticated', 'selected'],
  async handle({ session, args }) {
    expectArgs(args, 1, 1);
    await session.store.setSubscribed(requireUser(session).id, argString(args, 0, 'mailbox name'), true);
  },
};
