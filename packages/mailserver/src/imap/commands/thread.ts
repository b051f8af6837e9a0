/** THREAD / UID THREAD (RFC 5256): ORDEREDSUBJECT and REFERENCES. */
import { bad } from '../errors.js';
import { parseSearch } from '../parser/search.js';
import { argAtom } from '../parser/tokenizer.js';
import { threadOrderedSubject, threadReferences } from '../threading.js';
import { takeCharset } from './search.js';
import { requireSelected } from './util.js';
import type { ImapCommand } from './types.js';

export const thread: ImapCommand = {
  name: 'THREAD',
  states: ['selected'],
  uid: true,
  expungeAfter: (uid) => uid,
  async handle({ session, uid, args }) {
    const view = requireSelected(session);
    const algorithm = argAtom(args, 0, 'threading algorithm').toUpperCase();
    if (algorithm !== 'REFERENCES' && algorithm !== 'ORDEREDSUBJECT') throw bad('Unsupported threading algorithm');
    if (!args[1]) throw bad('Missing charset');
    const rest = takeCharset([{ type: 'atom', value: 'CHARSET' }, ...args.slice(1)]);
    if (!rest.length) throw bad('Missing search criteria');
    const { key } = parseSearch(rest, view);
    const matched = (await session.store.search(view.mailbox.id, key, view.recent)).filter((u) => view.seqOf(u) > 0);
    const info = await session.store.threadInfo(view.mailbox.id, matched);
    // threads are computed on UIDs; for THREAD (not UID THREAD) map them to sequence numbers
    const mapped = uid ? info : info.map((m) => ({ ...m, uid: view.seqOf(m.uid) }));
    const body = algorithm === 'REFERENCES' ? threadReferences(mapped) : threadOrderedSubject(mapped);
    session.writeLine(`* THREAD${body ? ' ' + body : ''}`);
  },
};
