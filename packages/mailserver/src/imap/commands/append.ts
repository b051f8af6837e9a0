/** APPEND (UIDPLUS APPENDUID). Answered only after the message is committed. */
import { bad, no } from '../errors.js';
import { argString, tokenText } from '../parser/tokenizer.js';
import { parseDateTime } from '../response.js';
import { mailboxOrFail, parseFlagList } from './util.js';
import type { ImapCommand } from './types.js';

export const append: ImapCommand = {
  name: 'APPEND',
  states: ['authenticated', 'selected'],
  async handle({ session, args }) {
    if (args.length < 2 || args.length > 4) throw bad('APPEND expects a mailbox, optional flags and date, and a message literal');
    const name = argString(args, 0, 'mailbox name');
    const msg = args[args.length - 1]!;
    if (msg.type !== 'string') throw bad('Message must be a literal');
    let flags: string[] = [];
    let date: Date | undefined;
    for (const t of args.slice(1, -1)) {
      if (t.type === 'list') flags = parseFlagList(t);
      else {
        const d = parseDateTime(tokenText(t) ?? '');
        if (!d) throw bad('Invalid date-time');
        date = d;
      }
    }
    if (!msg.value.length) throw no('Empty message');
    const box = await mailboxOrFail(session, name, true);
    const res = await session.store.append(box.id, Buffer.from(msg.value), { flags, internalDate: date, origin: session.id });
    return { code: `APPENDUID ${res.uidvalidity} ${res.uid}`, text: 'APPEND completed' };
  },
};
