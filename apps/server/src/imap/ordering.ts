// Message order, search and conversations for the list view, over IMAP. Uses the server's SORT
// and THREAD=REFERENCES (RFC 5256) when it has them, and computes the same in the BFF when it
// does not (Dovecot has both; the fallback keeps any IMAP4rev1 server working). Results are cached
// per mailbox state (UIDVALIDITY, UIDNEXT, EXISTS), which every arrival or expunge changes, so a
// 100,000-message folder is sorted once, not on every scroll. The cache is per connection, and
// shared by every connection of the same account on the same server once the pool has named it
// (setCacheScope): a new sign-in of the same user then starts from the order the last session
// computed, as long as the mailbox holds the same messages. Every cached value depends on the set
// of messages only (order keys, text and threading come from immutable message content, never
// from flags), and a changed set always changes the state key: an arrival raises UIDNEXT, an
// expunge alone lowers EXISTS.
import type { ImapFlow } from 'imapflow';
import type { SortKey } from '@mailroom/shared';

export type Attr = { type?: string; value?: unknown } | Attr[];

interface ExecClient {
  exec(command: string, attributes: unknown[], options: { untagged: Record<string, (u: { attributes?: Attr[] }) => Promise<void>> }): Promise<{ next(): void }>;
}

const SORT_CRITERIA: Record<SortKey, string> = { date: 'DATE', arrival: 'ARRIVAL', from: 'FROM', subject: 'SUBJECT', size: 'SIZE' };
const CACHE_ENTRIES_PER_CLIENT = 8;
/** Entries shared across connections (all accounts together); a 100,000-UID order is ~1 MB. */
const SHARED_CACHE_ENTRIES = 32;

const caches = new WeakMap<ImapFlow, Map<string, unknown>>();
const scopes = new WeakMap<ImapFlow, string>();
const shared = new Map<string, unknown>();

/**
 * Names the account and server a connection belongs to (e.g. "host:port user"), so that its
 * orders and threads are shared with the other connections of the same account.
 */
export function setCacheScope(client: ImapFlow, scope: string) {
  scopes.set(client, scope);
}

const changed = new WeakSet<ImapFlow>();

/**
 * Notes on `client` when the selected mailbox gains or loses messages (untagged EXISTS/EXPUNGE,
 * during any command), for exactUidNext. Call once per connection.
 */
export function trackMailboxChanges(client: ImapFlow) {
  const mark = () => changed.add(client);
  client.on('exists', mark);
  client.on('expunge', mark);
  client.on('mailboxOpen', () => changed.delete(client));
}

/**
 * Makes the selected mailbox's UIDNEXT, which the cached orders key on, current after the session
 * saw messages arrive or leave (imapflow learns UIDNEXT only at SELECT and from fetched UIDs: an
 * arrival plus an expunge would leave UIDNEXT and EXISTS as they were, and a cached order would
 * miss the new message and keep the gone one). One `FETCH * (UID)`: imapflow raises its UIDNEXT
 * past every UID it fetches.
 */
export async function exactUidNext(client: ImapFlow): Promise<void> {
  if (!changed.has(client)) return;
  changed.delete(client);
  if (client.mailbox && client.mailbox.exists) await client.fetchOne('*', { uid: true });
}

/** The account and server a connection was named for (setCacheScope), if any. */
export function cacheScope(client: ImapFlow): string | undefined {
  return scopes.get(client);
}

/** Forgets everything shared (tests). */
export function clearSharedCache() {
  shared.clear();
}

function stamp(client: ImapFlow): string {
  const m = client.mailbox;
  if (!m) return 'none';
  return `${m.path}:${String(m.uidValidity)}:${String(m.uidNext)}:${m.exists}`;
}

function remember(cache: Map<string, unknown>, key: string, value: unknown, max: number) {
  cache.delete(key);
  cache.set(key, value);
  while (cache.size > max) cache.delete(cache.keys().next().value as string);
}

async function cached<T>(client: ImapFlow, key: string, compute: () => Promise<T>): Promise<T> {
  let cache = caches.get(client);
  if (!cache) caches.set(client, (cache = new Map()));
  const full = `${stamp(client)}|${key}`;
  if (cache.has(full)) return cache.get(full) as T;
  const scope = scopes.get(client);
  const sharedKey = scope === undefined || !client.mailbox ? null : `${scope}\0${full}`;
  if (sharedKey !== null && shared.has(sharedKey)) {
    const value = shared.get(sharedKey) as T;
    remember(shared, sharedKey, value, SHARED_CACHE_ENTRIES);
    remember(cache, full, value, CACHE_ENTRIES_PER_CLIENT);
    return value;
  }
  const value = await compute();
  remember(cache, full, value, CACHE_ENTRIES_PER_CLIENT);
  if (sharedKey !== null) remember(shared, sharedKey, value, SHARED_CACHE_ENTRIES);
  return value;
}

function numbersIn(attrs: Attr[] | undefined): number[] {
  const out: number[] = [];
  const walk = (a: Attr) => {
    if (Array.isArray(a)) a.forEach(walk);
    else if (a && typeof a.value === 'string' && /^\d+$/.test(a.value)) out.push(Number(a.value));
  };
  (attrs ?? []).forEach(walk);
  return out;
}

/** Runs a raw command through imapflow's queue, collecting one kind of untagged response. */
export async function rawCommand(client: ImapFlow, command: string, attributes: unknown[], untagged: string): Promise<Attr[][]> {
  const results: Attr[][] = [];
  const response = await (client as unknown as ExecClient).exec(command, attributes, {
    untagged: {
      [untagged]: async (u) => {
        results.push(u.attributes ?? []);
      },
    },
  });
  response.next();
  return results;
}

export const atom = (value: string) => ({ type: 'ATOM', value });

interface Row {
  uid: number;
  date: number;
  from: string;
  subject: string;
  size: number;
  messageId?: string;
  inReplyTo?: string;
  references: string[];
}

/** Envelope data of every message in the selected mailbox (the fallback's input), cached. */
function allRows(client: ImapFlow): Promise<Row[]> {
  return cached(client, 'rows', async () => {
    if (!client.mailbox || !client.mailbox.exists) return [];
    const rows: Row[] = [];
    for await (const m of client.fetch('1:*', { uid: true, envelope: true, size: true, internalDate: true, headers: ['references'] })) {
      const refs = m.headers ? m.headers.toString('latin1').match(/<[^<>\s]+>/g) ?? [] : [];
      const date = m.envelope?.date ? new Date(m.envelope.date).getTime() : NaN;
      rows.push({
        uid: m.uid,
        date: Number.isNaN(date) ? new Date(m.internalDate ?? 0).getTime() : date,
        from: m.envelope?.from?.[0]?.address ?? '',
        subject: baseSubject(m.envelope?.subject ?? ''),
        size: m.size ?? 0,
        messageId: m.envelope?.messageId,
        inReplyTo: m.envelope?.inReplyTo,
        references: refs,
      });
    }
    return rows;
  });
}

/** RFC 5256 base subject, close enough for ordering: no Re:/Fwd:/[tags]. */
export function baseSubject(subject: string): string {
  let s = subject.trim();
  for (;;) {
    const next = s.replace(/^(\[[^\]]*\]\s*)?(re|fwd?|aw|wg|sv|vs)(\[\d+\])?\s*:\s*/i, '').replace(/\s*\(fwd\)$/i, '').trim();
    if (next === s) break;
    s = next;
  }
  return s;
}

/** RFC 4790 i;ascii-casemap, the SORT comparator: ASCII letters folded, then octet order. */
export function asciiCasemapCompare(a: string, b: string): number {
  const fold = (v: string) => Buffer.from(v.replace(/[a-z]/g, (c) => c.toUpperCase()), 'utf8');
  return Buffer.compare(fold(a), fold(b));
}

/** UIDs of the selected mailbox in ascending order of `sort`. */
export function sortedUids(client: ImapFlow, sort: SortKey): Promise<number[]> {
  return cached(client, `sort:${sort}`, async () => {
    if (client.capabilities.has('SORT')) {
      const lines = await rawCommand(client, 'UID SORT', [[atom(SORT_CRITERIA[sort])], atom('UTF-8'), atom('ALL')], 'SORT');
      return lines.flatMap((l) => numbersIn(l));
    }
    const rows = [...(await allRows(client))];
    const cmp: Record<SortKey, (a: Row, b: Row) => number> = {
      arrival: (a, b) => a.uid - b.uid,
      date: (a, b) => a.date - b.date,
      from: (a, b) => asciiCasemapCompare(a.from, b.from),
      subject: (a, b) => asciiCasemapCompare(a.subject, b.subject),
      size: (a, b) => a.size - b.size,
    };
    rows.sort((a, b) => cmp[sort](a, b) || a.uid - b.uid);
    return rows.map((r) => r.uid);
  });
}

/** UIDs matching a full-text search (IMAP SEARCH TEXT). */
export function searchUids(client: ImapFlow, q: string): Promise<Set<number>> {
  return cached(client, `search:${q}`, async () => new Set((await client.search({ text: q }, { uid: true })) || []));
}

/** Conversations of the selected mailbox: lists of UIDs (RFC 5256 THREAD=REFERENCES or the same in the BFF). */
export function threads(client: ImapFlow): Promise<number[][]> {
  return cached(client, 'threads', async () => {
    if (client.capabilities.has('THREAD=REFERENCES')) {
      const lines = await rawCommand(client, 'UID THREAD', [atom('REFERENCES'), atom('UTF-8'), atom('ALL')], 'THREAD');
      const out: number[][] = [];
      for (const attrs of lines) for (const top of attrs) out.push(numbersIn(Array.isArray(top) ? top : [top]));
      return out.filter((t) => t.length);
    }
    return threadRows(await allRows(client));
  });
}

/** Groups messages by Message-ID links (References, In-Reply-To), with subject-less merging left out. */
export function threadRows(rows: Row[]): number[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const row of rows) {
    const self = row.messageId ?? `uid:${row.uid}`;
    find(self);
    for (const ref of [...row.references, ...(row.inReplyTo ? [row.inReplyTo] : [])]) union(self, ref);
  }
  const groups = new Map<string, number[]>();
  for (const row of rows) {
    const root = find(row.messageId ?? `uid:${row.uid}`);
    const list = groups.get(root) ?? [];
    list.push(row.uid);
    groups.set(root, list);
  }
  return [...groups.values()].map((g) => g.sort((a, b) => a - b));
}
