import type { ImapCommand } from './types.js';

export const close: ImapCommand = {
  name: 'CLOSE',
  states: ['selected'],
  async handle({ session }) {
    const view = session.selected!;
    if (!view.readOnly) await session.store.expunge(view.mailbox.id, { origin: session.id });
    session.deselect();
  },
};
