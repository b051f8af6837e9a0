/** SORT / UID SORT (RFC 5256): ARRIVAL, CC, DATE, FROM, SIZE, SUBJECT, TO, REVERSE; DISPLAYFROM, DISPLAYTO (RFC 5957). */
import type { SortKey } from '../../store/index.js';
import { bad } from '../errors.js';
import { parseSearch } from '../parser/search.js';
import { argList, tokenText } from '../parser/tokenizer.js';
import { takeCharset } from './search.js';
import { requireSelected } from './util.js';
import type { ImapCommand } from './types.js';

const KEYS = new Set(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO']);
const DISPLAY_KEYS = new Set(['DISPLAYFROM', 'DISPLAYTO']);

export const sort: ImapCommand = {
  name: 'SORT',
  states: ['selected'],
  uid: true,
  expungeAfter: (uid) => uid, // RFC 3501 7.4.1: EXPUNGE may be sent during UID commands
  async handle({ session, uid, args }) {
    const view = requireSelected(session);
    const criteria = argList(args, 0, 'sort criteria');
    const keys: Array<{ key: SortKey; reverse: boolean }> = [];
    let reverse = false;
    for (const t of criteria) {
      const k = tokenText(t)?.toUpperCase() ?? '';
      if (k === 'REVERSE') { reverse = true; continue; }
      if (!KEYS.has(k) && !(DISPLAY_KEYS.has(k) && session.hasCapability('SORT=DISPLAY'))) throw bad('Unknown sort criterion');
      keys.push({ key: k.toLowerCase() as SortKey, reverse });
      reverse = false;
    }
    if (!keys.length || reverse) throw bad('Invalid sort criteria');
    if (!args[1]) throw bad('Missing charset');
    const rest = takeCharset([{ type: 'atom', value: 'CHARSET' }, ...args.slice(1)]);
    if (!rest.length) throw bad('Missing search criteria');
    const { key } = parseSearch(rest, view);
    // ALL: the session's own UID list is the search result (the store drops what is already expunged)
    const matched = key.type === 'all' ? view.uids : await session.store.search(view.mailbox.id, key, view.recent);
    // the store returns a subset of the UIDs it was given: for ALL those are the session's own
    let sorted = await session.store.sort(view.mailbox.id, keys, matched);
    if (key.type !== 'all') sorted = sorted.filter((u) => view.seqOf(u) > 0);
    const out = uid ? sorted : sorted.map((u) => view.seqOf(u));
    session.writeLine(out.length ? '* SORT ' + out.join(' ') : '* SORT');
  },
};
