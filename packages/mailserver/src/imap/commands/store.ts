/** STORE / UID STORE: FLAGS, +FLAGS, -FLAGS (.SILENT), CONDSTORE UNCHANGEDSINCE. */
import type { FlagMode } from '../../store/index.js';
import { bad, no } from '../errors.js';
import { compressSet } from '../parser/sequence.js';
import { argAtom, tokenText } from '../parser/tokenizer.js';
import { flagAtoms } from './fetch.js';
import { atom, serialize, type ImapOut } from '../response.js';
import { parseFlagList, requireSelected, resolveSet } from './util.js';
import type { ImapCommand } from './types.js';

export const store: ImapCommand = {
  name: 'STORE',
  states: ['selected'],
  uid: true,
  expungeAfter: (uid) => uid, // RFC 3501 7.4.1: EXPUNGE may be sent during UID commands
  async handle({ session, uid, args }) {
    const view = requireSelected(session);
    if (args.length < 3) throw bad('STORE expects a sequence set, an item and flags');
    const setText = argAtom(args, 0, 'sequence set');
    let i = 1;
    let unchangedSince: number | undefined;
    if (args[1]?.type === 'list') {
      const mods = args[1].items;
      if (mods.length !== 2 || tokenText(mods[0])?.toUpperCase() !== 'UNCHANGEDSINCE' || !session.hasCapability('CONDSTORE')) throw bad('Invalid STORE modifier');
      unchangedSince = Number(tokenText(mods[1]));
      if (!Number.isSafeInteger(unchangedSince) || unchangedSince < 0) throw bad('Invalid UNCHANGEDSINCE value');
      session.enabled.add('CONDSTORE');
      i = 2;
    }
    const item = argAtom(args, i, 'store item').toUpperCase();
    const m = /^([+-]?)FLAGS(\.SILENT)?$/.exec(item);
    if (!m) throw bad('Invalid STORE item');
    const mode: FlagMode = m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'set';
    const silent = !!m[2];
    const flagTokens = args.slice(i + 1);
    if (!flagTokens.length) throw bad('Missing flags');
    const flags = parseFlagList(flagTokens.length === 1 ? flagTokens[0] : flagTokens);
    if (view.readOnly) throw no('Mailbox is read-only', 'READ-ONLY');
    const uids = resolveSet(view, setText, uid);
    const res = await session.store.storeFlags(view.mailbox.id, uids, mode, flags, { unchangedSince, origin: session.id });
    const condstore = session.enabled.has('CONDSTORE');
    if (!silent || unchangedSince !== undefined) {
      for (const u of res.updated) {
        const seq = view.seqOf(u.uid);
        if (!seq) continue;
        const out: ImapOut[] = [];
        if (!silent) out.push(atom('FLAGS'), flagAtoms(u.flags, view.recent.has(u.uid)));
        if (uid) out.push(atom('UID'), u.uid);
        if (condstore) out.push(atom('MODSEQ'), [u.modseq]);
        if (!out.length) continue;
        const chunks: Array<string | Buffer> = [`* ${seq} FETCH `];
        serialize(out, chunks);
        chunks.push('\r\n');
        session.writeChunks(chunks);
      }
    }
    if (res.modified.length) {
      const ids = uid ? res.modified : res.modified.map((u) => view.seqOf(u)).sort((a, b) => a - b);
      return { code: `MODIFIED ${compressSet(ids)}`, text: 'Conditional STORE failed for some messages' };
    }
  },
};
