import { err } from '../errors.js';
import type { Pop3Command } from './types.js';

/** UIDL [msg] (RFC 1939 §7): `uidvalidity.uid`, stable across sessions. */
export const uidl: Pop3Command = {
  name: 'UIDL',
  states: ['transaction'],
  async handle({ session, args }) {
    const drop = session.maildrop!;
    if (args.length > 1) throw err('Syntax: UIDL [msg]');
    if (args.length === 1) {
      const e = drop.get(args[0]);
      session.ok(`${e.n} ${drop.uidl(e)}`);
      return;
    }
    await session.multiline('Unique-id listing follows', drop.live().map((e) => `${e.n} ${drop.uidl(e)}`));
  },
};
