/** FETCH and UID FETCH (incl. BODY[section]<partial>, RFC822.*, CONDSTORE MODSEQ/CHANGEDSINCE). */
import { parseMime, resolveSection, type MimeNode, type SectionSpec, type SectionSpecifier } from '../../mime/index.js';
import type { MessageMeta, MessageRecord } from '../../store/index.js';
import { bad } from '../errors.js';
import { FETCH_BATCH_SIZE } from '../limits.js';
import { compressSet, parseSequenceSet, toRanges } from '../parser/sequence.js';
import { argAtom, tokenText, type Token } from '../parser/tokenizer.js';
import { atom, formatInternalDate, serialize, type ImapOut } from '../response.js';
import { requireSelected, resolveSet } from './util.js';
import type { ImapCommand, Session } from './types.js';

const FETCH_FLUSH_BYTES = 1024 * 1024;

type SimpleName = 'UID' | 'FLAGS' | 'INTERNALDATE' | 'RFC822.SIZE' | 'ENVELOPE' | 'BODYSTRUCTURE' | 'BODY' | 'MODSEQ' | 'RFC822' | 'RFC822.HEADER' | 'RFC822.TEXT';

export type FetchItem =
  | { kind: 'simple'; name: SimpleName }
  | { kind: 'section'; peek: boolean; section: SectionSpec; label: string; partial: { start: number; length: number | null } | null };

const SIMPLE = new Set<SimpleName>(['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'MODSEQ', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT']);
const MACROS: Record<string, SimpleName[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

export function parseSection(text: string): { section: SectionSpec; label: string } {
  const m = /^((?:[1-9]\d{0,5}\.)*[1-9]\d{0,5})?(?:(?:^|\.)(HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME))?(?: \((.*)\))?$/is.exec(text);
  if (!m) throw bad('Invalid section');
  const parts = m[1] ? m[1].split('.').map(Number) : [];
  const specifier = (m[2]?.toUpperCase() ?? '') as SectionSpecifier;
  let fields: string[] = [];
  if (specifier === 'HEADER.FIELDS' || specifier === 'HEADER.FIELDS.NOT') {
    if (m[3] === undefined) throw bad('Missing header field list');
    fields = m[3].trim().split(/\s+/).map((f) => f.replace(/^"(.*)"$/, '$1').toUpperCase());
    if (!fields.length || fields.some((f) => !/^[\x21-\x39\x3b-\x7e]+$/.test(f))) throw bad('Invalid header field list');
  } else if (m[3] !== undefined) throw bad('Unexpected field list in section');
  if (specifier === 'MIME' && !parts.length) throw bad('MIME requires a part number');
  const head = parts.join('.');
  const spec = specifier + (fields.length ? ` (${fields.join(' ')})` : '');
  return { section: { parts, specifier, fields }, label: head && spec ? `${head}.${spec}` : head || spec };
}

export function parseFetchItem(text: string): FetchItem[] {
  const upper = text.toUpperCase();
  if (MACROS[upper]) return MACROS[upper].map((name) => ({ kind: 'simple', name }));
  if (SIMPLE.has(upper as SimpleName)) return [{ kind: 'simple', name: upper as SimpleName }];
  const m = /^(BODY|BODY\.PEEK)\[(.*)\](?:<(\d+)(?:\.(\d+))?>)?$/is.exec(text);
  if (!m) throw bad(`Unknown FETCH item ${text.slice(0, 40)}`);
  const { section, label } = parseSection(m[2]!);
  let partial: { start: number; length: number | null } | null = null;
  if (m[3] !== undefined) {
    const start = Number(m[3]);
    const length = m[4] !== undefined ? Number(m[4]) : null;
    if (!Number.isSafeInteger(start) || (length !== null && (!Number.isSafeInteger(length) || length < 1))) throw bad('Invalid partial range');
    partial = { start, length };
  }
  return [{ kind: 'section', peek: m[1]!.toUpperCase() === 'BODY.PEEK', section, label, partial }];
}

function parseItems(t: Token | undefined): FetchItem[] {
  if (!t) throw bad('Missing FETCH items');
  const list = t.type === 'list' ? t.items : [t];
  if (!list.length) throw bad('Empty FETCH item list');
  const out: FetchItem[] = [];
  for (const x of list) {
    if (x.type !== 'atom') throw bad('Invalid FETCH item');
    const items = parseFetchItem(x.value);
    if (t.type === 'list' && items.length > 1 && MACROS[x.value.toUpperCase()]) throw bad('Macros can not be combined with other items');
    out.push(...items);
  }
  return out;
}

function sliceBody(buf: Buffer | null, partial: { start: number; length: number | null } | null): Buffer | null {
  if (!buf) return null;
  if (!partial) return buf;
  if (partial.start >= buf.length) return Buffer.alloc(0);
  return buf.subarray(partial.start, partial.length === null ? undefined : partial.start + partial.length);
}

async function runFetch(session: Session, uidMode: boolean, args: Token[]): Promise<void> {
  const view = requireSelected(session);
  if (args.length < 2 || args.length > 3) throw bad('FETCH expects a sequence set and items');
  const setText = argAtom(args, 0, 'sequence set');
  const items = parseItems(args[1]);
  let changedSince: number | null = null;
  let vanished = false;
  if (args[2]) {
    const mods = args[2].type === 'list' ? args[2].items : null;
    if (!mods || !mods.length || !session.hasCapability('CONDSTORE')) throw bad('Invalid FETCH modifier');
    for (let i = 0; i < mods.length; i++) {
      const name = tokenText(mods[i])?.toUpperCase();
      if (name === 'CHANGEDSINCE') {
        changedSince = Number(tokenText(mods[++i]));
        if (!Number.isSafeInteger(changedSince) || changedSince < 0) throw bad('Invalid CHANGEDSINCE value');
      } else if (name === 'VANISHED' && uidMode && session.enabled.has('QRESYNC')) vanished = true;
      else throw bad('Invalid FETCH modifier');
    }
    if (vanished && changedSince === null) throw bad('VANISHED needs CHANGEDSINCE');
    session.enabled.add('CONDSTORE');
  }
  if (vanished) {
    // RFC 7162 3.2.6: expunged UIDs of the requested range, changed since the given mod-sequence
    const ranges = toRanges(parseSequenceSet(setText), 0xffffffff);
    const gone = (await session.store.expungedSince(view.mailbox.id, changedSince!)).filter((u) => ranges.some(([a, b]) => u >= a && u <= b));
    if (gone.length) session.writeLine(`* VANISHED (EARLIER) ${compressSet(gone)}`);
  }
  const uids = resolveSet(view, setText, uidMode);
  const names = new Set(items.filter((i) => i.kind === 'simple').map((i) => (i as { name: string }).name));
  if (names.has('MODSEQ')) session.enabled.add('CONDSTORE');
  const wantModseq = names.has('MODSEQ') || changedSince !== null;
  const needsParsed = names.has('ENVELOPE') || names.has('BODYSTRUCTURE') || names.has('BODY');
  const needsRaw = items.some((i) => i.kind === 'section' || ['RFC822', 'RFC822.HEADER', 'RFC822.TEXT'].includes((i as { name: string }).name));
  const metaItems = items.map((i) => (i.kind === 'simple' && META_ITEMS.has(i.name) ? i.name : null));
  const metaOnly = metaItems.every((n) => n !== null);
  const metaOrder = metaOnly ? metaItemOrder(metaItems as SimpleName[], uidMode, wantModseq) : [];
  const setsSeen = !view.readOnly && items.some((i) => (i.kind === 'section' && !i.peek) || (i.kind === 'simple' && (i.name === 'RFC822' || i.name === 'RFC822.TEXT')));

  // metadata lines are small: bigger batches, fewer store calls
  const batchSize = metaOnly ? FETCH_BATCH_SIZE * 8 : FETCH_BATCH_SIZE;
  for (let off = 0; off < uids.length; off += batchSize) {
    const batch = uids.slice(off, off + batchSize);
    let records: Array<MessageMeta | MessageRecord> = needsParsed ? await session.store.getMessages(view.mailbox.id, batch) : await session.store.getMeta(view.mailbox.id, batch);
    if (changedSince !== null) records = records.filter((r) => r.modseq > changedSince!);
    const seenChanged = new Set<number>();
    if (setsSeen) {
      const unseen = records.filter((r) => !r.flags.includes('\\Seen')).map((r) => r.uid);
      if (unseen.length) {
        const res = await session.store.storeFlags(view.mailbox.id, unseen, 'add', ['\\Seen'], { origin: session.id });
        const byUid = new Map(res.updated.map((u) => [u.uid, u]));
        records = records.map((r) => {
          const u = byUid.get(r.uid);
          if (!u) return r;
          seenChanged.add(r.uid);
          return { ...r, flags: u.flags, modseq: u.modseq };
        });
      }
    }
    // one socket write per batch (or per ~1 MB of literals), not one per message
    const pending: Array<string | Buffer> = [];
    let text = '';
    let pendingBytes = 0;
    const flush = () => {
      if (text) pending.push(text);
      text = '';
      if (pending.length) session.writeChunks(pending.splice(0));
      pendingBytes = 0;
    };
    for (const rec of records) {
      const seq = view.seqOf(rec.uid);
      if (!seq) continue;
      if (metaOnly && !seenChanged.has(rec.uid)) {
        // fast path for flag syncs (UID FETCH 1:* (UID FLAGS) and the like): same output as below
        text += `* ${seq} FETCH (${metaLine(rec, metaOrder, view.recent.has(rec.uid))})\r\n`;
        if (text.length > FETCH_FLUSH_BYTES) flush();
        continue;
      }
      const raw = needsRaw ? await session.store.getRaw(view.mailbox.id, rec.uid) : null;
      if (needsRaw && !raw) continue;
      let mime: MimeNode | null = null;
      const getMime = () => (mime ??= parseMime(raw!));
      const out: ImapOut[] = [];
      const done = new Set<string>();
      const add = (key: string, value: ImapOut) => {
        if (done.has(key)) return;
        done.add(key);
        out.push(atom(key), value);
      };
      if (uidMode) add('UID', rec.uid);
      for (const item of items) {
        if (item.kind === 'simple') {
          switch (item.name) {
            case 'UID': add('UID', rec.uid); break;
            case 'FLAGS': add('FLAGS', flagAtoms(rec.flags, view.recent.has(rec.uid))); break;
            case 'INTERNALDATE': add('INTERNALDATE', formatInternalDate(rec.internaldate)); break;
            case 'RFC822.SIZE': add('RFC822.SIZE', rec.size); break;
            case 'MODSEQ': add('MODSEQ', [rec.modseq]); break;
            case 'ENVELOPE': add('ENVELOPE', (rec as MessageRecord).envelope as ImapOut); break;
            case 'BODYSTRUCTURE': add('BODYSTRUCTURE', (rec as MessageRecord).bodystructure as ImapOut); break;
            case 'BODY': add('BODY', (rec as MessageRecord).body as ImapOut); break;
            case 'RFC822': add('RFC822', raw!); break;
            case 'RFC822.HEADER': add('RFC822.HEADER', getMime().header); break;
            case 'RFC822.TEXT': add('RFC822.TEXT', getMime().body); break;
          }
        } else {
          const data = item.section.parts.length || item.section.specifier ? resolveSection(getMime(), raw!, item.section) : raw;
          const key = `BODY[${item.label}]${item.partial ? `<${item.partial.start}>` : ''}`;
          add(key, data === null ? null : sliceBody(data, item.partial));
        }
      }
      if (seenChanged.has(rec.uid)) add('FLAGS', flagAtoms(rec.flags, view.recent.has(rec.uid)));
      if (wantModseq) add('MODSEQ', [rec.modseq]);
      const chunks: Array<string | Buffer> = [`* ${seq} FETCH `];
      serialize(out, chunks);
      chunks.push('\r\n');
      for (const c of chunks) {
        if (typeof c === 'string') text += c;
        else {
          if (text) pending.push(text);
          text = '';
          pending.push(c);
          pendingBytes += c.length;
        }
      }
      if (pendingBytes + text.length > FETCH_FLUSH_BYTES) flush();
    }
    flush();
    await session.drain();
  }
}

const META_ITEMS = new Set<SimpleName>(['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'MODSEQ']);

/** The order in which the general path writes metadata items: UID first for UID FETCH, each item once, MODSEQ last when implied. */
function metaItemOrder(names: SimpleName[], uidMode: boolean, wantModseq: boolean): SimpleName[] {
  const order: SimpleName[] = uidMode ? ['UID'] : [];
  for (const n of names) if (!order.includes(n)) order.push(n);
  if (wantModseq && !order.includes('MODSEQ')) order.push('MODSEQ');
  return order;
}

/** The FETCH data of a message for items that need only its metadata. */
function metaLine(rec: MessageMeta, order: SimpleName[], recent: boolean): string {
  let s = '';
  for (const name of order) {
    if (s) s += ' ';
    switch (name) {
      case 'UID': s += 'UID ' + rec.uid; break;
      case 'FLAGS': s += 'FLAGS (' + rec.flags.join(' ') + (recent ? (rec.flags.length ? ' \\Recent)' : '\\Recent)') : ')'); break;
      case 'INTERNALDATE': s += 'INTERNALDATE "' + formatInternalDate(rec.internaldate) + '"'; break;
      case 'RFC822.SIZE': s += 'RFC822.SIZE ' + rec.size; break;
      case 'MODSEQ': s += 'MODSEQ (' + rec.modseq + ')'; break;
      default: break;
    }
  }
  return s;
}

export function flagAtoms(flags: string[], recent: boolean): ImapOut[] {
  const out = flags.map(atom);
  if (recent) out.push(atom('\\Recent'));
  return out;
}

export const fetch: ImapCommand = {
  name: 'FETCH',
  states: ['selected'],
  uid: true,
  expungeAfter: (uid) => uid, // RFC 3501 7.4.1: EXPUNGE may be sent during UID commands
  async handle({ session, uid, args }) {
    await runFetch(session, uid, args);
  },
};
