/** EXPUNGE and UID EXPUNGE (UIDPLUS). */
import { bad, no } from '../errors.js';
import { argAtom } from '../parser/tokenizer.js';
import { requireSelected, resolveSet } from './util.js';
import type { ImapCommand } from './types.js';

export const expunge: ImapCommand = {
  name: 'EXPUNGE',
  states: ['selected'],
  uid: true,
  async handle({ session, uid, args }) {
    const view = requireSelected(session);
    if (uid ? args.length !== 1 : args.length !== 0) throw bad(uid ? 'UID EXPUNGE expects a UID set' : 'EXPUNGE takes no arguments');
    if (view.readOnly) throw no('Mailbox is read-only', 'READ-ONLY');
    const only = uid ? resolveSet(view, argAtom(args, 0, 'UID set'), true) : undefined;
    const removed = await session.store.expunge(view.mailbox.id, { uids: only, origin: session.id });
    session.reportExpunged(removed);
  },
};
