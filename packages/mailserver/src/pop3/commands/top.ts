import { err } from '../errors.js';
import { toWire, topOf } from '../maildrop.js';
import type { Pop3Command } from './types.js';

/** TOP msg n (RFC 1939 §7): the header and the first n body lines; does not mark \Seen. */
export const top: Pop3Command = {
  name: 'TOP',
  states: ['transaction'],
  async handle({ session, args }) {
    if (args.length !== 2) throw err('Syntax: TOP msg n');
    const drop = session.maildrop!;
    const e = drop.get(args[0]);
    if (!/^\d{1,10}$/.test(args[1]!)) throw err('Invalid line count');
    const raw = await session.store.getRaw(drop.mailbox.id, e.uid);
    if (!raw) throw err('Message was removed by another session', 'SYS/TEMP');
    await session.multiline('Top of message follows', topOf(toWire(raw), Number(args[1])));
  },
};
