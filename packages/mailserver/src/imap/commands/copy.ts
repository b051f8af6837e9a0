/** COPY / MOVE and their UID variants (UIDPLUS COPYUID). */
import { bad, no } from '../errors.js';
import { compressSet } from '../parser/sequence.js';
import { argAtom, argString } from '../parser/tokenizer.js';
import { mailboxOrFail, requireSelected, resolveSet } from './util.js';
import type { CommandContext, ImapCommand } from './types.js';

async function run({ session, uid, args, command }: CommandContext) {
  const view = requireSelected(session);
  if (args.length !== 2) throw bad(`${command} expects a sequence set and a mailbox`);
  const uids = resolveSet(view, argAtom(args, 0, 'sequence set'), uid);
  const dest = await mailboxOrFail(session, argString(args, 1, 'mailbox name'), true);
  const move = command === 'MOVE';
  if (move && view.readOnly) throw no('Mailbox is read-only', 'READ-ONLY');
  if (!uids.length) return { text: `${command} completed, nothing to do` };
  const res = await session.store.copy(view.mailbox.id, uids, dest.id, { move, origin: session.id });
  const code = res.pairs.length ? `COPYUID ${res.uidvalidity} ${compressSet(res.pairs.map((p) => p[0]))} ${compressSet(res.pairs.map((p) => p[1]))}` : undefined;
  if (!move) return { code, text: 'COPY completed' };
  if (code) session.writeLine(`* OK [${code}] Moved`);
  session.reportExpunged(res.pairs.map((p) => p[0]));
  return { text: 'MOVE completed' };
}

export const copy: ImapCommand = { name: 'COPY', states: ['selected'], uid: true, expungeAfter: (uid) => uid, handle: run };
export const move: ImapCommand = { name: 'MOVE', states: ['selected'], uid: true, expungeAfter: (uid) => uid, handle: run };
