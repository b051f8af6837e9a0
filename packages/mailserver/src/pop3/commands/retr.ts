import { err } from '../errors.js';
import { toWire } from '../maildrop.js';
import type { Pop3Command } from './types.js';

/** RETR msg (RFC 1939 §5): the whole message; marks it \Seen. */
export const retr: Pop3Command = {
  name: 'RETR',
  states: ['transaction'],
  async handle({ session, args }) {
    if (args.length !== 1) throw err('Syntax: RETR msg');
    const drop = session.maildrop!;
    const e = drop.get(args[0]);
    const raw = await session.store.getRaw(drop.mailbox.id, e.uid);
    if (!raw) throw err('Message was removed by another session', 'SYS/TEMP');
    const wire = toWire(raw);
    await session.multiline(`${wire.length} octets`, wire);
    try {
      await session.store.storeFlags(drop.mailbox.id, [e.uid], 'add', ['\\Seen'], { origin: session.id });
    } catch (e2) {
      // the message was sent; a flag that could not be set is not worth an error
      session.logger.warn({ err: e2 }, 'could not set \\Seen');
    }
  },
};
