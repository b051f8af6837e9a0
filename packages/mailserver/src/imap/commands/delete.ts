import { argString, expectArgs } from '../parser/tokenizer.js';
import { requireUser } from './util.js';
import type { ImapCommand } from './types.js';

export const del: ImapCommand = {
  name: 'DELETE',
  states: ['authenticated', 'selected'],
  async handle({ session, args }) {
    expectArgs(args, 1, 1);
    const name = argString(args, 0, 'mailbox name');
    const user = requireUser(session);
    const box = await session.store.getMailbox(user.id, name);
    if (box && session.selected?.mailbox.id === box.id) session.deselect();
    await session.store.deleteMailbox(user.id, name, session.id);
  },
};
