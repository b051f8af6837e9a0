/** SELECT and EXAMINE (with the CONDSTORE select parameter). */
import { bad } from '../errors.js';
import { argString, tokenText } from '../parser/tokenizer.js';
import { SelectedMailbox } from '../selected.js';
import { mailboxOrFail } from './util.js';
import type { CommandContext, ImapCommand } from './types.js';

const SYSTEM_FLAGS = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';

async function runSelect({ session, args, command }: CommandContext) {
  if (args.length < 1 || args.length > 2) throw bad(`${command} expects a mailbox name`);
  const name = argString(args, 0, 'mailbox name');
  if (args[1]) {
    const params = args[1].type === 'list' ? args[1].items.map((t) => tokenText(t)?.toUpperCase()) : [];
    if (!params.length || params.some((p) => p !== 'CONDSTORE') || !session.hasCapability('CONDSTORE')) throw bad('Unsupported SELECT parameter');
    session.enabled.add('CONDSTORE');
  }
  // A failed SELECT leaves no mailbox selected (RFC 3501 6.3.1)
  session.deselect();
  const box = await mailboxOrFail(session, name);
  const readOnly = command === 'EXAMINE';
  // subscribe before listing, so that no change between the two can be missed
  const view = new SelectedMailbox(box, readOnly, [], [], session.store, session.id);
  let uids: number[];
  let recent: number[];
  let status;
  try {
    uids = await session.store.listUids(box.id);
    recent = readOnly ? [] : await session.store.claimRecent(box.id);
    status = await session.store.mailboxStatus(box.id);
  } catch (err) {
    view.close();
    throw err;
  }
  view.uids = uids;
  for (const u of recent) view.recent.add(u);
  session.writeLine(`* FLAGS (${SYSTEM_FLAGS})`);
  session.writeLine(`* OK [PERMANENTFLAGS (${readOnly ? '' : SYSTEM_FLAGS + ' \\*'})] Flags permitted`);
  session.writeLine(`* ${uids.length} EXISTS`);
  session.writeLine(`* ${recent.length} RECENT`);
  if (status.unseen > 0) {
    const unseen = await session.store.search(box.id, { type: 'flag', flag: '\\Seen', has: false });
    const first = unseen[0] !== undefined ? view.seqOf(unseen[0]) : 0;
    if (first) session.writeLine(`* OK [UNSEEN ${first}] First unseen`);
  }
  session.writeLine(`* OK [UIDVALIDITY ${status.uidvalidity}] UIDs valid`);
  session.writeLine(`* OK [UIDNEXT ${status.uidnext}] Predicted next UID`);
  if (session.hasCapability('CONDSTORE')) session.writeLine(`* OK [HIGHESTMODSEQ ${status.highestmodseq}] Highest`);
  session.select(view);
  return { code: readOnly ? 'READ-ONLY' : 'READ-WRITE', text: `${command} completed` };
}

export const select: ImapCommand = { name: 'SELECT', states: ['authenticated', 'selected'], handle: runSelect };
export const examine: ImapCommand = { name: 'EXAMINE', states: ['authenticated', 'selected'], handle: runSelect };
