import { bad, no } from '../errors.js';
import { argString, expectArgs, tokenText, type Token } from '../parser/tokenizer.js';
import { requireUser } from './util.js';
import type { ImapCommand } from './types.js';

/** Special uses a new mailbox can take (RFC 6154 CREATE-SPECIAL-USE); \All and \Flagged are virtual and not offered. */
const CREATABLE_USES = new Map(['\\Archive', '\\Drafts', '\\Junk', '\\Sent', '\\Trash'].map((u) => [u.toUpperCase(), u]));

/** Reads `(USE (\Archive))` (RFC 6154 section 3); returns the special-use flag or null. */
function specialUseOf(opts: Token | undefined, allowed: boolean): string | null {
  if (!opts) return null;
  if (opts.type !== 'list') throw bad('Unexpected argument after the mailbox name');
  let use: string | null = null;
  for (let i = 0; i < opts.items.length; i += 2) {
    const name = tokenText(opts.items[i])?.toUpperCase();
    const value = opts.items[i + 1];
    if (name !== 'USE' || !allowed) throw bad(`Unknown CREATE parameter ${name ?? ''}`.trim());
    if (!value || value.type !== 'list') throw bad('USE needs a list of special-use flags');
    for (const t of value.items) {
      const flag = CREATABLE_USES.get(tokenText(t)?.toUpperCase() ?? '');
      if (!flag) throw no(`Special use ${tokenText(t) ?? '?'} is not supported`, 'USEATTR');
      if (use && use !== flag) throw no('Only one special use per mailbox is supported', 'USEATTR');
      use = flag;
    }
  }
  return use;
}

export const create: ImapCommand = {
  name: 'CREATE',
  states: ['authenticated', 'selected'],
  async handle({ session, args }) {
    expectArgs(args, 1, 2);
    const use = specialUseOf(args[1], session.hasCapability('CREATE-SPECIAL-USE'));
    await session.store.createMailbox(requireUser(session).id, argString(args, 0, 'mailbox name'), use);
  },
};
