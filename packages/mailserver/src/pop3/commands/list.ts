import { err } from '../errors.js';
import type { Pop3Command } from './types.js';

/** LIST [msg] (RFC 1939 §5): message numbers and sizes. */
export const list: Pop3Command = {
  name: 'LIST',
  states: ['transaction'],
  async handle({ session, args }) {
    const drop = session.maildrop!;
    if (args.length > 1) throw err('Syntax: LIST [msg]');
    if (args.length === 1) {
      const e = drop.get(args[0]);
      session.ok(`${e.n} ${e.size}`);
      return;
    }
    const { count, size } = drop.stat();
    await session.multiline(`${count} messages (${size} octets)`, drop.live().map((e) => `${e.n} ${e.size}`));
  },
};
