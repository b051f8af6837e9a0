/** SEARCH / UID SEARCH (with ESEARCH RETURN options and CONDSTORE MODSEQ). */
import { bad, no } from '../errors.js';
import { compressSet } from '../parser/sequence.js';
import { parseSearch } from '../parser/search.js';
import { tokenText, type Token } from '../parser/tokenizer.js';
import { quote } from '../response.js';
import { requireSelected } from './util.js';
import type { ImapCommand, Session } from './types.js';

const CHARSETS = new Set(['UTF-8', 'US-ASCII']);
const RETURN_OPTS = new Set(['MIN', 'MAX', 'COUNT', 'ALL']);

/** Strips "CHARSET x" and validates it. */
export function takeCharset(args: Token[]): Token[] {
  if (tokenText(args[0])?.toUpperCase() === 'CHARSET') {
    const cs = tokenText(args[1])?.toUpperCase();
    if (!cs) throw bad('Missing charset');
    if (!CHARSETS.has(cs)) throw no('Unsupported charset', 'BADCHARSET (UTF-8 US-ASCII)');
    return args.slice(2);
  }
  return args;
}

export async function runSearch(session: Session, tag: string, uidMode: boolean, rawArgs: Token[]): Promise<void> {
  const view = requireSelected(session);
  let args = rawArgs;
  let returnOpts: Set<string> | null = null;
  if (tokenText(args[0])?.toUpperCase() === 'RETURN' && session.hasCapability('ESEARCH')) {
    const list = args[1];
    if (!list || list.type !== 'list') throw bad('Invalid RETURN options');
    returnOpts = new Set(list.items.map((t) => tokenText(t)?.toUpperCase() ?? ''));
    for (const o of returnOpts) if (!RETURN_OPTS.has(o)) throw bad('Unsupported RETURN option');
    if (!returnOpts.size) returnOpts.add('ALL');
    args = args.slice(2);
  }
  args = takeCharset(args);
  if (!args.length) throw bad('Missing search criteria');
  const { key, usesModseq } = parseSearch(args, view);
  if (usesModseq) session.enabled.add('CONDSTORE');
  const uids = (await session.store.search(view.mailbox.id, key, view.recent)).filter((u) => view.seqOf(u) > 0);
  const results = uidMode ? uids : uids.map((u) => view.seqOf(u)).sort((a, b) => a - b);
  let modseq = 0;
  if (usesModseq && uids.length) {
    for (const m of await session.store.getMeta(view.mailbox.id, uids)) modseq = Math.max(modseq, m.modseq);
  }
  if (returnOpts) {
    let line = `* ESEARCH (TAG ${quote(tag)})${uidMode ? ' UID' : ''}`;
    if (results.length) {
      if (returnOpts.has('MIN')) line += ` MIN ${results[0]}`;
      if (returnOpts.has('MAX')) line += ` MAX ${results[results.length - 1]}`;
      if (returnOpts.has('ALL')) line += ` ALL ${compressSet(results)}`;
    }
    if (returnOpts.has('COUNT')) line += ` COUNT ${results.length}`;
    if (modseq) line += ` MODSEQ ${modseq}`;
    session.writeLine(line);
    return;
  }
  // write in slices so that huge result sets do not build one giant string
  const parts: string[] = ['* SEARCH'];
  for (const r of results) parts.push(String(r));
  let line = parts.join(' ');
  if (modseq) line += ` (MODSEQ ${modseq})`;
  session.writeLine(line);
}

export const search: ImapCommand = {
  name: 'SEARCH',
  states: ['selected'],
  uid: true,
  expungeAfter: (uid) => uid, // RFC 3501 7.4.1: EXPUNGE may be sent during UID commands
  async handle({ session, tag, uid, args }) {
    await runSearch(session, tag, uid, args);
  },
};
