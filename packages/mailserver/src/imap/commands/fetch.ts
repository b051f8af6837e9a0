/** FETCH and UID FETCH (incl. BODY[section]<partial>, RFC822.*, CONDSTORE MODSEQ/CHANGEDSINCE). */
import { parseMime, resolveSection, type MimeNode, type SectionSpec, type SectionSpecifier } from '../../mime/index.js';
import type { MessageMeta, MessageRecord } from '../../store/index.js';
import { bad } from '../errors.js';
import { FETCH_BATCH_SIZE } from '../limits.js';
import { compressSet, parseSequenceSet, toRanges } from '../parser/sequence.js';
import { argAtom, tokenText, type Token } from '../parser/tokenizer.js';
import { atom, formatInternalDate, serialize, type ImapOut } from '../response.js';
import { cachedEntry, rememberStructure, structureKey, wireOf, type StructureEntry, type StructureItem } from '../structure-cache.js';
import type { ImapData } from '../../mime/structure.js';
import { lowerBound, requireSelected, resolveSet } from './util.js';
import type { ImapCommand, Session } from './types.js';

const FETCH_FLUSH_BYTES = 1024 * 1024;
/** Flag-sync lines go out in pieces this big, so that the client reads while the rest is formatted. */
const META_FLUSH_CHARS = 64 * 1024;

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
  if (metaOnly) {
    await fetchMeta(session, uids, metaOrder, changedSince);
    return;
  }
  const setsSeen = !view.readOnly && items.some((i) => (i.kind === 'section' && !i.peek) || (i.kind === 'simple' && (i.name === 'RFC822' || i.name === 'RFC822.TEXT')));
  if (!needsRaw && !setsSeen) {
    // ENVELOPE/BODYSTRUCTURE/BODY with metadata (a message list page): from the structure cache
    const order = metaItemOrder(items.map((i) => (i as { name: SimpleName }).name), uidMode, wantModseq);
    await fetchStructures(session, uids, order, changedSince);
    return;
  }

  const batchSize = FETCH_BATCH_SIZE;
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

/**
 * Flag syncs (UID FETCH 1:* (UID FLAGS) and other metadata-only items): formatted straight from
 * the store's metadata table, walking the requested UIDs, the session's UID list (sequence numbers)
 * and the table side by side (all three ascending), written in ~1 MB pieces.
 */
async function fetchMeta(session: Session, uids: number[], order: SimpleName[], changedSince: number | null): Promise<void> {
  const view = requireSelected(session);
  const snap = await session.store.metaSnapshot(view.mailbox.id);
  if (!snap) return;
  const { uids: all, flags, modseqs, internaldates, sizes } = snap;
  const n = all.length;
  const seqUids = view.uids;
  const recent = view.recent.size ? view.recent : null;
  const uidFlagsOnly = order.length === 2 && order[0] === 'UID' && order[1] === 'FLAGS';
  // both walks start at the first requested UID (FETCH of the newest page must not walk the whole list)
  let v = lowerBound(seqUids, uids[0] ?? 0);
  let j = lowerBound(all, uids[0] ?? 0);
  let text = '';
  for (const uid of uids) {
    while (v < seqUids.length && seqUids[v]! < uid) v++;
    if (seqUids[v] !== uid) continue;
    while (j < n && all[j]! < uid) j++;
    if (j >= n || all[j] !== uid) continue; // expunged meanwhile
    if (changedSince !== null && modseqs[j]! <= changedSince) continue;
    let f = flags[j]!;
    if (recent?.has(uid)) f = f ? f + ' \\Recent' : '\\Recent';
    if (uidFlagsOnly) text += '* ' + (v + 1) + ' FETCH (UID ' + uid + ' FLAGS (' + f + '))\r\n';
    else text += '* ' + (v + 1) + ' FETCH (' + metaLine({ uid, modseq: modseqs[j]!, flags: f, internaldate: internaldates[j]!, size: sizes[j]! }, order) + ')\r\n';
    if (text.length > META_FLUSH_CHARS) {
      session.writeChunks([text]);
      session.flushOutput();
      text = '';
      await session.drain();
    }
  }
  if (text) session.writeChunks([text]);
  await session.drain();
}

/**
 * Items from the metadata table and the stored ENVELOPE/BODYSTRUCTURE/BODY, in their wire form
 * from the structure cache (formatted from the stored JSON on a miss, one store call per batch).
 */
async function fetchStructures(session: Session, uids: number[], order: SimpleName[], changedSince: number | null): Promise<void> {
  const view = requireSelected(session);
  const mailboxId = view.mailbox.id;
  const uidvalidity = view.mailbox.uidvalidity;
  const structural = order.filter((n): n is StructureItem => n === 'ENVELOPE' || n === 'BODYSTRUCTURE' || n === 'BODY');
  const recent = view.recent.size ? view.recent : null;
  for (let off = 0; off < uids.length; off += FETCH_BATCH_SIZE) {
    const batch = uids.slice(off, off + FETCH_BATCH_SIZE);
    const snap = await session.store.metaSnapshot(mailboxId);
    if (!snap) return;
    const { uids: all, flags, modseqs, internaldates, sizes } = snap;
    // rows of this batch: sequence number and table index (both lists ascending)
    const rows: Array<{ uid: number; seq: number; j: number; cached: StructureEntry | undefined }> = [];
    const seqUids = view.uids;
    let v = lowerBound(seqUids, batch[0] ?? 0);
    let j = lowerBound(all, batch[0] ?? 0);
    for (const uid of batch) {
      while (v < seqUids.length && seqUids[v]! < uid) v++;
      if (seqUids[v] !== uid) continue;
      while (j < all.length && all[j]! < uid) j++;
      if (j >= all.length || all[j] !== uid) continue; // expunged meanwhile
      if (changedSince !== null && modseqs[j]! <= changedSince) continue;
      rows.push({ uid, seq: v + 1, j, cached: cachedEntry(structureKey(mailboxId, uidvalidity, uid)) });
    }
    const missing: number[] = [];
    for (const r of rows) if (structural.some((n) => r.cached?.[n] === undefined)) missing.push(r.uid);
    const fresh = new Map<number, Partial<Record<StructureItem, string>>>();
    if (missing.length) {
      for (const [uid, envelope, bodystructure, body] of await session.store.getStructures(mailboxId, missing)) {
        const json = { ENVELOPE: envelope, BODYSTRUCTURE: bodystructure, BODY: body };
        const wire: Partial<Record<StructureItem, string>> = {};
        for (const n of structural) {
          wire[n] = wireOf(JSON.parse(json[n]) as ImapData);
          rememberStructure(structureKey(mailboxId, uidvalidity, uid), n, wire[n]);
        }
        fresh.set(uid, wire);
      }
    }
    let text = '';
    for (const r of rows) {
      const k = r.j;
      const got = fresh.get(r.uid);
      let line = '';
      let complete = true;
      for (const name of order) {
        if (line) line += ' ';
        switch (name) {
          case 'UID': line += 'UID ' + r.uid; break;
          case 'FLAGS': {
            let f = flags[k]!;
            if (recent?.has(r.uid)) f = f ? f + ' \\Recent' : '\\Recent';
            line += 'FLAGS (' + f + ')';
            break;
          }
          case 'INTERNALDATE': line += 'INTERNALDATE "' + formatInternalDate(internaldates[k]!) + '"'; break;
          case 'RFC822.SIZE': line += 'RFC822.SIZE ' + sizes[k]; break;
          case 'MODSEQ': line += 'MODSEQ (' + modseqs[k] + ')'; break;
          case 'ENVELOPE': case 'BODYSTRUCTURE': case 'BODY': {
            const wire = got?.[name] ?? r.cached?.[name];
            if (wire === undefined) complete = false; // expunged before its structure was read
            line += name + ' ' + wire;
            break;
          }
          default: break;
        }
      }
      if (complete) text += '* ' + r.seq + ' FETCH (' + line + ')\r\n';
    }
    if (text) session.writeChunks([text]);
    await session.drain();
  }
}

/** The FETCH data of a message for items that need only its metadata (flags: joined, \\Recent included). */
function metaLine(rec: { uid: number; modseq: number; flags: string; internaldate: number; size: number }, order: SimpleName[]): string {
  let s = '';
  for (const name of order) {
    if (s) s += ' ';
    switch (name) {
      case 'UID': s += 'UID ' + rec.uid; break;
      case 'FLAGS': s += 'FLAGS (' + rec.flags + ')'; break;
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
