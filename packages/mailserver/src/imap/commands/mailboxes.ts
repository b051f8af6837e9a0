/** CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE. */
import { argString, expectArgs } from '../parser/tokenizer.js';
import { requireUser } from './util.js';
import type { ImapCommand } from './types.js';

const AUTHED: ImapCommand['states'] = ['authenticated', 'selected'];

export const create: ImapCommand = {
  name: 'CREATE',
  states: AUTHED,
  async handle({ session, args }) {
    expectArgs(args, 1, 2);
    await session.store.createMailbox(requireUser(session).id, argString(args, 0, 'mailbox name'));
  },
};

export const del: ImapCommand = {
  name: 'DELETE',
  states: AUTHED,
  async handle({ session, args }) {
    expectArgs(args, 1, 1);
    const name = argString(args, 0, 'mailbox name');
    const user = requireUser(session);
    const box = await session.store.getMailbox(user.id, name);
    if (box && session.selected?.mailbox.id === box.id) session.deselect();
    await session.store.deleteMailbox(user.id, name, session.id);
  },
};

export const rename: ImapCommand = {
  name: 'RENAME',
  states: AUTHED,
  async handle({ session, args }) {
    expectArgs(args, 2, 2);
    await session.store.renameMailbox(requireUser(session).id, argString(args, 0, 'mailbox name'), argString(args, 1, 'new mailbox name'), session.id);
  },
};

export const subscribe: ImapCommand = {
  name: 'SUBSCRIBE',
  states: AUTHED,
  async handle({ session, args }) {
    expectArgs(args, 1, 1);
    await session.store.setSubscribed(requireUser(session).id, argString(args, 0, 'mailbox name'), true);
  },
};

export const unsubscribe: ImapCommand = {
  name: 'UNSUBSCRIBE',
  states: AUTHED,
  async handle({ session, args }) {
    expectArgs(args, 1, 1);
    await session.store.setSubscribed(requireUser(session).id, argString(args, 0, 'mailbox name'), false);
  },
};
