// Mailbox and message reading over IMAP.
import type { ImapFlow, FetchMessageObject, MessageAddressObject } from 'imapflow';
import type { Readable } from 'node:stream';
import type { Address, Mailbox, MessageDetail, MessageListQuery, MessageListResponse, MessageSummary, ThreadResponse } from '@mailroom/shared';
import { HttpError, notFound } from '../../errors.js';
import { analyseStructure, hasAttachments, previewText, type AttachmentPart, type BodyPart } from '../../imap/structure.js';
import { exactUidNext, searchUids, sortedUids, threads } from '../../imap/ordering.js';

const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Folders with counts. Without `all`, only what a mail client shows: subscribed folders, INBOX and special-use folders. */
export async function listMailboxes(client: ImapFlow, all = false): Promise<Mailbox[]> {
  const list = await client.list({ statusQuery: { messages: true, unseen: true } });
  return list
    .filter((m) => all || m.subscribed || m.specialUse || m.path.toUpperCase() === 'INBOX')
    .map((m) => ({
      path: m.path,
      name: m.name,
      delimiter: m.delimiter ?? null,
      specialUse: m.specialUse ?? (m.path.toUpperCase() === 'INBOX' ? '\\Inbox' : null),
      total: m.status?.messages ?? 0,
      unseen: m.status?.unseen ?? 0,
      subscribed: !!m.subscribed,
      parent: m.parentPath || null,
      flags: [...m.flags],
    }));
}

/** Finds the mailbox with a special-use attribute (e.g. \Sent), or null. */
export async function findSpecialUse(client: ImapFlow, use: string): Promise<string | null> {
  const list = await client.list();
  return list.find((m) => m.specialUse === use)?.path ?? null;
}

export async function withMailbox<T>(client: ImapFlow, path: string, fn: () => Promise<T>): Promise<T> {
  let lock;
  try {
    lock = await client.getMailboxLock(path);
  } catch (err) {
    const e = err as { responseStatus?: string; code?: string };
    if (e.responseStatus === 'NO' || e.code === 'NONEXISTENT') throw notFound(`Mailbox "${path}"`);
    throw err;
  }
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

const addresses = (list: MessageAddressObject[] | undefined): Address[] =>
  (list ?? []).map((a) => ({ name: a.name ?? '', address: a.address ?? '' }));

/** Flags that are protocol machinery rather than tags a user set. */
const HIDDEN_KEYWORDS = new Set(['$mdnsent', '$junk', '$notjunk', 'nonjunk', 'junk', '$forwarded', '$phishing', '$submitpending', '$submitted']);

function summary(msg: FetchMessageObject, preview = ''): MessageSummary {
  // \Recent belongs to the IMAP session that saw the message first (gone in IMAP4rev2), not to the message
  const flags = [...(msg.flags ?? [])].filter((f) => f !== '\\Recent');
  const date = msg.envelope?.date ?? msg.internalDate;
  return {
    uid: msg.uid,
    subject: msg.envelope?.subject ?? '',
    from: addresses(msg.envelope?.from),
    to: addresses(msg.envelope?.to),
    date: toIso(date),
    flags,
    seen: flags.includes('\\Seen'),
    flagged: flags.includes('\\Flagged'),
    hasAttachments: hasAttachments(msg.bodyStructure),
    size: msg.size ?? 0,
    preview,
    keywords: flags.filter((f) => !f.startsWith('\\') && !HIDDEN_KEYWORDS.has(f.toLowerCase())),
  };
}

function toIso(d: Date | string | undefined): string {
  const date = d instanceof Date ? d : d ? new Date(d) : new Date(0);
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}

const SUMMARY_QUERY = { uid: true, flags: true, envelope: true, bodyStructure: true, size: true, internalDate: true } as const;

/** Summaries (with previews unless told otherwise) of the given UIDs, in the order given. */
async function summaries(client: ImapFlow, uids: number[], withPreviews = true): Promise<Map<number, MessageSummary>> {
  const out = new Map<number, MessageSummary>();
  if (!uids.length) return out;
  const fetched = await client.fetchAll(uids.join(','), SUMMARY_QUERY, { uid: true });
  const previews = withPreviews ? await fetchPreviews(client, fetched) : new Map<number, string>();
  for (const msg of fetched) out.set(msg.uid, summary(msg, previews.get(msg.uid) ?? ''));
  return out;
}

/** A window of a mailbox in the requested order, optionally searched and grouped into conversations. */
export async function listMessages(
  client: ImapFlow,
  path: string,
  query: Omit<MessageListQuery, 'previews'> & { previews?: boolean },
  signal?: AbortSignal,
): Promise<MessageListResponse> {
  return withMailbox(client, path, async () => {
    // A window the browser no longer wants (scrolled past, aborted) is not fetched: requests for
    // one session's connection queue up, and a fling would otherwise wait behind all of them.
    if (signal?.aborted) throw new HttpError(499, 'bad_request', 'The request was cancelled.');
    // The connection may not have heard of mail that arrived since its last command (it is not in
    // IDLE while in use): a NOOP brings its EXISTS/EXPUNGE state up to date before we count and cache.
    await client.noop();
    await exactUidNext(client);
    return windowOf(client, path, query);
  });
}

/** listMessages on the selected mailbox `path`, for a caller that holds its lock and has synced it. */
export async function windowOf(
  client: ImapFlow,
  path: string,
  query: Omit<MessageListQuery, 'previews'> & { previews?: boolean },
): Promise<MessageListResponse> {
  const withPreviews = query.previews !== false;
  const exists = client.mailbox ? client.mailbox.exists : 0;
  const { offset, limit, sort, order } = query;
  const base = { mailbox: path, offset, limit, sort, order };

  // The common case needs no UID list at all: newest first by arrival is a sequence range.
  if (sort === 'arrival' && !query.q && !query.threads) {
    const first = order === 'desc' ? exists - offset - limit + 1 : offset + 1;
    const last = order === 'desc' ? exists - offset : Math.min(exists, offset + limit);
    const messages: MessageSummary[] = [];
    if (last >= 1 && first <= exists) {
      const fetched = await client.fetchAll(`${Math.max(1, first)}:${last}`, SUMMARY_QUERY);
      fetched.sort((a, b) => (order === 'desc' ? b.seq - a.seq : a.seq - b.seq));
      const previews = withPreviews ? await fetchPreviews(client, fetched) : new Map<number, string>();
      for (const msg of fetched) messages.push(summary(msg, previews.get(msg.uid) ?? ''));
    }
    return { ...base, total: exists, messages };
  }

  let ordered = exists ? await sortedUids(client, sort) : [];
  if (query.q) {
    const hits = await searchUids(client, query.q);
    ordered = ordered.filter((uid) => hits.has(uid));
  }
  if (order === 'desc') ordered = [...ordered].reverse();

  if (!query.threads) {
    const window = ordered.slice(offset, offset + limit);
    const byUid = await summaries(client, window, withPreviews);
    return { ...base, total: ordered.length, messages: window.flatMap((uid) => byUid.get(uid) ?? []) };
  }

  // Conversations: one row per thread, placed where its newest (in this order: first) message is.
  const threadOf = new Map<number, number[]>();
  for (const t of await threads(client)) for (const uid of t) threadOf.set(uid, t);
  const rows: Array<{ uid: number; thread: number[] }> = [];
  const seen = new Set<number[]>();
  for (const uid of ordered) {
    const thread = threadOf.get(uid) ?? [uid];
    if (seen.has(thread)) continue;
    seen.add(thread);
    rows.push({ uid, thread });
  }
  const window = rows.slice(offset, offset + limit);
  const byUid = await summaries(client, window.map((r) => r.uid), withPreviews);
  const messages = window.flatMap((r) => {
    const s = byUid.get(r.uid);
    return s ? [{ ...s, threadId: String(Math.min(...r.thread)), threadSize: r.thread.length }] : [];
  });
  return { ...base, total: rows.length, messages };
}

/**
 * Readies a fresh connection for the first page of the webmail, right after sign-in and while
 * the browser is still on its way to ask: selects INBOX and computes its default order (date), so
 * that the first window request finds both done (or under way, behind the mailbox lock).
 */
export async function prepareInbox(client: ImapFlow): Promise<void> {
  await withMailbox(client, 'INBOX', async () => {
    if (client.mailbox && client.mailbox.exists) await sortedUids(client, 'date');
  });
}

/** Every UID of a view (order and search as in listMessages), for "select all" in a big folder. */
export async function listUids(client: ImapFlow, path: string, query: Pick<MessageListQuery, 'sort' | 'order' | 'q'>): Promise<number[]> {
  return withMailbox(client, path, async () => {
    await client.noop();
    await exactUidNext(client);
    if (!client.mailbox || !client.mailbox.exists) return [];
    let ordered = await sortedUids(client, query.sort);
    if (query.q) {
      const hits = await searchUids(client, query.q);
      ordered = ordered.filter((uid) => hits.has(uid));
    }
    return query.order === 'desc' ? [...ordered].reverse() : ordered;
  });
}

/** One conversation: its messages in this mailbox plus your replies kept in Sent, oldest first. */
export async function getThread(client: ImapFlow, path: string, threadId: number): Promise<ThreadResponse> {
  const inMailbox = await withMailbox(client, path, async () => {
    const thread = (await threads(client)).find((t) => t.includes(threadId));
    if (!thread) throw notFound('Conversation');
    const byUid = await summaries(client, thread);
    const ids = await client.fetchAll(thread.join(','), { uid: true, envelope: true }, { uid: true });
    return { messages: thread.flatMap((uid) => byUid.get(uid) ?? []), messageIds: ids.flatMap((m) => m.envelope?.messageId ?? []) };
  });
  const messages: ThreadResponse['messages'] = inMailbox.messages.map((m) => ({ ...m, mailbox: path }));
  const sent = await findSpecialUse(client, '\\Sent');
  if (sent && sent !== path && inMailbox.messageIds.length) {
    await withMailbox(client, sent, async () => {
      const found = new Set<number>();
      for (const id of inMailbox.messageIds.slice(0, 50)) {
        for (const header of ['in-reply-to', 'references']) {
          for (const uid of (await client.search({ header: { [header]: id } }, { uid: true })) || []) found.add(uid);
        }
      }
      const byUid = await summaries(client, [...found]);
      for (const s of byUid.values()) messages.push({ ...s, mailbox: sent });
    });
  }
  messages.sort((a, b) => a.date.localeCompare(b.date));
  return { messages };
}

const PREVIEW_FETCH_BYTES = 1024;
const PREVIEW_CHARS = 200;

/** The first characters of each message's text, from a partial fetch of its text (or HTML) part. */
async function fetchPreviews(client: ImapFlow, messages: FetchMessageObject[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const byPart = new Map<string, Array<{ uid: number; node: BodyPart }>>();
  for (const msg of messages) {
    const parts = analyseStructure(msg.bodyStructure);
    const node = parts.text ?? parts.html;
    if (!node) continue;
    const list = byPart.get(node.part) ?? [];
    list.push({ uid: msg.uid, node });
    byPart.set(node.part, list);
  }
  for (const [part, list] of byPart) {
    const fetched = await client.fetchAll(list.map((l) => l.uid).join(','), { uid: true, bodyParts: [{ key: part, maxLength: PREVIEW_FETCH_BYTES }] }, { uid: true });
    const nodes = new Map(list.map((l) => [l.uid, l.node]));
    for (const m of fetched) {
      const raw = m.bodyParts?.get(part) ?? m.bodyParts?.get(part.toLowerCase());
      const node = nodes.get(m.uid);
      if (raw && node) out.set(m.uid, previewText(raw, node).slice(0, PREVIEW_CHARS));
    }
  }
  return out;
}

export async function fetchMessage(client: ImapFlow, uid: number) {
  const msg = await client.fetchOne(String(uid), { uid: true, flags: true, envelope: true, bodyStructure: true, size: true, internalDate: true }, { uid: true });
  if (!msg) throw notFound(`Message ${uid}`);
  return msg;
}

async function readText(client: ImapFlow, uid: number, part: string): Promise<string> {
  const dl = await client.download(String(uid), part, { uid: true, maxBytes: MAX_BODY_BYTES });
  if (!dl.content) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of dl.content as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export function attachmentUrl(path: string, uid: number, part: string) {
  return `/api/mailboxes/${encodeURIComponent(path)}/messages/${uid}/attachments/${encodeURIComponent(part)}`;
}

/** One message, with its text and HTML bodies and attachment list; marks it \Seen. */
export async function getMessage(client: ImapFlow, path: string, uid: number, peek = false): Promise<MessageDetail> {
  return withMailbox(client, path, async () => {
    const msg = await fetchMessage(client, uid);
    const parts = analyseStructure(msg.bodyStructure);
    const text = parts.text ? await readText(client, uid, parts.text.part) : null;
    const html = parts.html ? await readText(client, uid, parts.html.part) : null;
    const flags = new Set(msg.flags ?? []);
    if (!peek && !flags.has('\\Seen')) {
      await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      flags.add('\\Seen');
    }
    const base = summary({ ...msg, flags }, (text ?? '').replace(/\s+/g, ' ').trim().slice(0, 200));
    return {
      ...base,
      mailbox: path,
      cc: addresses(msg.envelope?.cc),
      replyTo: addresses(msg.envelope?.replyTo),
      messageId: msg.envelope?.messageId ?? null,
      text,
      html,
      attachments: parts.attachments.map((a) => ({
        id: a.part,
        filename: a.filename,
        contentType: a.contentType,
        size: a.size,
        contentId: a.contentId,
        inline: a.inline,
        url: attachmentUrl(path, uid, a.part),
      })),
    };
  });
}

export async function updateFlags(client: ImapFlow, path: string, uid: number, change: { seen?: boolean; flagged?: boolean }) {
  await withMailbox(client, path, async () => {
    await fetchMessage(client, uid);
    const add: string[] = [];
    const remove: string[] = [];
    if (change.seen !== undefined) (change.seen ? add : remove).push('\\Seen');
    if (change.flagged !== undefined) (change.flagged ? add : remove).push('\\Flagged');
    if (add.length) await client.messageFlagsAdd(String(uid), add, { uid: true });
    if (remove.length) await client.messageFlagsRemove(String(uid), remove, { uid: true });
  });
}

/**
 * Streams one attachment to `write`. The mailbox lock is held until the stream ends, so the
 * connection is not used by another request in between.
 */
export async function streamAttachment(
  client: ImapFlow,
  path: string,
  uid: number,
  partId: string,
  write: (meta: AttachmentPart, content: Readable) => Promise<void>,
): Promise<void> {
  await withMailbox(client, path, async () => {
    const msg = await fetchMessage(client, uid);
    const part = analyseStructure(msg.bodyStructure).attachments.find((a) => a.part === partId);
    if (!part) throw notFound('Attachment');
    const dl = await client.download(String(uid), partId, { uid: true });
    if (!dl.content) throw new HttpError(404, 'not_found', 'Attachment not found');
    await write(part, dl.content);
  });
}
