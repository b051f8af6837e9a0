/** SELECT and EXAMINE (with the CONDSTORE select parameter). */
import { bad } from '../errors.js';
import { compressSet, isSequenceSet, parseSequenceSet, toRanges } from '../parser/sequence.js';
import { argString, tokenText } from '../parser/tokenizer.js';
import { SelectedMailbox } from '../selected.js';
import { mailboxOrFail } from './util.js';
import type { CommandContext, ImapCommand } from './types.js';

const SYSTEM_FLAGS = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';

async function runSelect({ session, args, command }: CommandContext) {
  if (args.length < 1 || args.length > 2) throw bad(`${command} expects a mailbox name`);
  const name = argString(args, 0, 'mailbox name');
  let qresync: { uidvalidity: number; modseq: number; known: Array<[number, number]> | null } | null = null;
  if (args[1]) {
    const params = args[1].type === 'list' ? args[1].items : [];
    if (!params.length) throw bad('Unsupported SELECT parameter');
    for (let i = 0; i < params.length; i++) {
      const p = tokenText(params[i])?.toUpperCase();
      if (p === 'CONDSTORE' && session.hasCapability('CONDSTORE')) session.enabled.add('CONDSTORE');
      else if (p === 'QRESYNC' && session.enabled.has('QRESYNC')) {
        const q = params[++i];
        if (!q || q.type !== 'list' || q.items.length < 2) throw bad('Invalid QRESYNC parameter');
        const [uv, ms, known] = q.items.map((t) => tokenText(t) ?? '');
        if (!/^\d+$/.test(uv!) || !/^\d+$/.test(ms!)) throw bad('Invalid QRESYNC parameter');
        let ranges: Array<[number, number]> | null = null;
        if (known) {
          if (!isSequenceSet(known) || known.includes('*')) throw bad('Invalid known UIDs');
          ranges = toRanges(parseSequenceSet(known), 0);
        }
        qresync = { uidvalidity: Number(uv), modseq: Number(ms), known: ranges };
      } else throw bad('Unsupported SELECT parameter');
    }
  }
  if (session.selected && session.enabled.has('QRESYNC')) session.writeLine('* OK [CLOSED] Previous mailbox closed');
  // A failed SELECT leaves no mailbox selected (RFC 3501 6.3.1)
  session.deselect();
  const box = await mailboxOrFail(session, name);
  const readOnly = command === 'EXAMINE';
  // subscribe before listing, so that no change between the two can be missed
  const view = new SelectedMailbox(box, readOnly, [], [], session.store, session.id);
  let uids: readonly number[];
  let recent: number[];
  let status;
  try {
    // the metadata table's UID list, shared with the session until it changes (no copy of 100,000 UIDs)
    uids = (await session.store.metaSnapshot(box.id))?.uids ?? [];
    recent = readOnly ? [] : await session.store.claimRecent(box.id);
    status = await session.store.mailboxStatus(box.id, { recent: false });
  } catch (err) {
    view.close();
    throw err;
  }
  view.shareUids(uids);
  for (const u of recent) view.recent.add(u);
  session.writeLine(`* FLAGS (${SYSTEM_FLAGS})`);
  session.writeLine(`* OK [PERMANENTFLAGS (${readOnly ? '' : SYSTEM_FLAGS + ' \\*'})] Flags permitted`);
  session.writeLine(`* ${view.exists} EXISTS`);
  session.writeLine(`* ${recent.length} RECENT`);
  if (status.unseen > 0) {
    let firstUid = status.firstUnseenUid;
    if (firstUid === undefined) firstUid = (await session.store.search(box.id, { type: 'flag', flag: '\\Seen', has: false }))[0] ?? null;
    const first = firstUid !== null ? view.seqOf(firstUid) : 0;
    if (first) session.writeLine(`* OK [UNSEEN ${first}] First unseen`);
  }
  session.writeLine(`* OK [UIDVALIDITY ${status.uidvalidity}] UIDs valid`);
  session.writeLine(`* OK [UIDNEXT ${status.uidnext}] Predicted next UID`);
  if (session.hasCapability('CONDSTORE')) session.writeLine(`* OK [HIGHESTMODSEQ ${status.highestmodseq}] Highest`);
  if (qresync && qresync.uidvalidity === status.uidvalidity) {
    // RFC 7162 3.2.5.2: report what changed since the client's last known state
    const inKnown = (u: number) => !qresync!.known || qresync!.known.some(([a, b]) => u >= a && u <= b);
    const vanished = (await session.store.expungedSince(box.id, qresync.modseq)).filter(inKnown);
    if (vanished.length) session.writeLine(`* VANISHED (EARLIER) ${compressSet(vanished)}`);
    for (const m of await session.store.changedSince(box.id, qresync.modseq)) {
      const seq = view.seqOf(m.uid);
      if (seq) session.writeLine(`* ${seq} FETCH (UID ${m.uid} FLAGS (${[...m.flags, ...(view.recent.has(m.uid) ? ['\\Recent'] : [])].join(' ')}) MODSEQ (${m.modseq}))`);
    }
  }
  session.select(view);
  return { code: readOnly ? 'READ-ONLY' : 'READ-WRITE', text: `${command} completed` };
}

export const select: ImapCommand = { name: 'SELECT', states: ['authenticated', 'selected'], handle: runSelect };
export const examine: ImapCommand = { name: 'EXAMINE', states: ['authenticated', 'selected'], handle: runSelect };
