import { bad } from '../errors.js';
import { argList, argString, expectArgs, tokenText, type Token } from '../parser/tokenizer.js';
import { Atom, Raw, astring, atom } from '../response.js';
import type { MailboxInfo } from '../../store/index.js';
import { mailboxOrFail } from './util.js';
import type { ImapCommand, Session } from './types.js';

const ITEMS = new Set(['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'HIGHESTMODSEQ', 'SIZE']);

export function parseStatusItems(items: Token[], session: Session): string[] {
  if (!items.length) throw bad('Empty STATUS item list');
  return items.map((t) => {
    const name = tokenText(t)?.toUpperCase();
    if (!name || !ITEMS.has(name)) throw bad('Unknown STATUS item');
    if (name === 'HIGHESTMODSEQ' && !session.hasCapability('CONDSTORE')) throw bad('Unknown STATUS item');
    if (name === 'SIZE' && !session.hasCapability('STATUS=SIZE')) throw bad('Unknown STATUS item');
    return name;
  });
}

export async function writeStatus(session: Session, box: MailboxInfo, items: string[]): Promise<void> {
  const selected = session.selected?.mailbox.id === box.id;
  const st = await session.store.mailboxStatus(box.id, { recent: !selected && items.includes('RECENT'), firstUnseen: false });
  let list = '';
  let modseq = false;
  for (const i of items) {
    let v: number;
    switch (i) {
      case 'MESSAGES': v = st.messages; break;
      // the selected mailbox is reported from the session's point of view for RECENT
      case 'RECENT': v = selected ? session.selected!.recent.size : st.recent; break;
      case 'UIDNEXT': v = st.uidnext; break;
      case 'UIDVALIDITY': v = st.uidvalidity; break;
      case 'UNSEEN': v = st.unseen; break;
      case 'HIGHESTMODSEQ': v = st.highestmodseq; modseq = true; break;
      case 'SIZE': v = st.size; break;
      default: v = 0;
    }
    list += (list ? ' ' : '') + i + ' ' + v;
  }
  const name = astring(box.name);
  // names are 7-bit (modified UTF-7): an atom or a quoted string, written as one line
  if (name instanceof Atom) session.writeLine(`* STATUS ${name.value} (${list})`);
  else session.untagged(atom('STATUS'), name, new Raw(`(${list})`));
  if (modseq) session.enabled.add('CONDSTORE');
}

export const status: ImapCommand = {
  name: 'STATUS',
  states: ['authenticated', 'selected'],
  async handle({ session, args }) {
    expectArgs(args, 2, 2);
    const name = argString(args, 0, 'mailbox name');
    const items = parseStatusItems(argList(args, 1, 'status items'), session);
    const box = await mailboxOrFail(session, name);
    await writeStatus(session, box, items);
  },
};
