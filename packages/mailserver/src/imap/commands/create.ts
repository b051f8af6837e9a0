import { bad } from '../errors.js';
import { argString, expectArgs } from '../parser/tokenizer.js';
import { requireUser } from './util.js';
import type { ImapCommand } from './types.js';

export const create: ImapCommand = {
  name: 'CREATE',
  states: ['authenticated', 'selected'],
  async handle({ session, args }) {
    expectArgs(args, 1, 2);
    if (args[1] && args[1].type !== 'list') throw bad('Unexpected argument after the mailbox name');
    await session.store.createMailbox(requireUser(session).id, argString(args, 0, 'mailbox name'));
  },
};
