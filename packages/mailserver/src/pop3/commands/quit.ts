import { err } from '../errors.js';
import type { Pop3Command } from './types.js';

/**
 * QUIT (RFC 1939 §6, §5): from TRANSACTION it enters UPDATE and removes the messages marked
 * with DELE (they are flagged \Deleted and expunged, exactly those); from AUTHORIZATION it just
 * closes the connection.
 */
export const quit: Pop3Command = {
  name: 'QUIT',
  states: ['authorization', 'transaction'],
  async handle({ session }) {
    const drop = session.maildrop;
    session.quit();
    if (session.state !== 'transaction' || !drop) {
      session.ok('Bye');
      return;
    }
    session.enterUpdate();
    const uids = drop.deletedUids();
    if (uids.length) {
      try {
        await session.store.storeFlags(drop.mailbox.id, uids, 'add', ['\\Deleted'], { origin: session.id });
        await session.store.expunge(drop.mailbox.id, { uids, origin: session.id });
      } catch (e) {
        session.logger.error({ err: e }, 'POP3 update failed');
        throw err('Some deleted messages not removed', 'SYS/TEMP');
      }
    }
    const left = (await session.store.listUids(drop.mailbox.id)).length;
    session.logger.info({ deleted: uids.length }, 'POP3 update');
    session.ok(`Bye, ${left} messages left`);
  },
};
