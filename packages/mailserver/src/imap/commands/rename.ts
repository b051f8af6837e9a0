import { argString, expectArgs } from '../parser/tokenizer.js';
import { requireUser } from './util.js';
import type { ImapCommand } from './types.js';

export const rename: ImapCommand = {
  name: 'RENAME',
  states: ['authenticated', 'selected'],
  async handle({ session, args }) {
    expectArgs(args, 2, 2);
    await session.store.renameMailbox(requireUser(session).id, argString(args, 0, 'mailbox name'), argString(args, 1, 'new mailbox name'), session.id);
  },
};
