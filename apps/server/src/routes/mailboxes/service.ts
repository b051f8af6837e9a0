// Mailbox and message reading over IMAP.
import type { ImapFlow, FetchMessageObject, MessageAddressObject } from 'imapflow';
import type { Readable } from 'node:stream';
import type { Address, Mailbox, MessageDetail, MessageListResponse, MessageSummary } from '@mailroom/shared';
import { HttpError, notFound } from '../../errors.js';
import { analyseStructure, hasAttachments, type AttachmentPart } from '../../imap/structure.js';

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export async function listMailboxes(client: ImapFlow): Promise<Mailbox[]> {
  const list = await client.list({ statusQuery: { messages: true, unseen: true } });
  return list.map((m) => ({
    path: m.path,
    name: m.name,
    delimiter: m.delimiter ?? null,
    specialUse: m.specialUse ?? (m.path.toUpperCase() === 'INBOX' ? '\\Inbox' : null),
    total: m.status?.messages ?? 0,
    unseen: m.status?.unseen ?? 0,
    subscribed: m.subscribed,
  }));
}

/** Finds the mailbox with a special-use attribute (e.g. \Sent), or null. */
export async function findSpecialUse(client: ImapFlow, use: string): Promise<string | null> {
  const list = await client.list();
  return list.find((m) => m.specialUse === use)?.path ?? null;
}

async function withMailbox<T>(client: ImapFlow, path: string, fn: () => Promise<T>): Promise<T> {
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

function summary(msg: FetchMessageObject): MessageSummary {
  const flags = [...(msg.flags ?? [])];
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
  };
}

function toIso(d: Date | string | undefined): string {
  const date = d instanceof Date ? d : d ? new Date(d) : new Date(0);
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}

/** One page of a mailbox, newest first (by arrival order). */
export async function listMessages(client: ImapFlow, path: string, page: number, pageSize: number): Promise<MessageListResponse> {
  return withMailbox(client, path, async () => {
    const exists = client.mailbox ? client.mailbox.exists : 0;
    const end = exists - (page - 1) * pageSize;
    const messages: MessageSummary[] = [];
    if (end >= 1) {
      const start = Math.max(1, end - pageSize + 1);
      const fetched = await client.fetchAll(`${start}:${end}`, {
        uid: true,
        flags: true,
        envelope: true,
        bodyStructure: true,
        size: true,
        internalDate: true,
      });
      fetched.sort((a, b) => b.seq - a.seq);
      for (const msg of fetched) messages.push(summary(msg));
    }
    return { mailbox: path, total: exists, page, pageSize, messages };
  });
}

async function fetchMessage(client: ImapFlow, uid: number) {
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
export async function getMessage(client: ImapFlow, path: string, uid: number): Promise<MessageDetail> {
  return withMailbox(client, path, async () => {
    const msg = await fetchMessage(client, uid);
    const parts = analyseStructure(msg.bodyStructure);
    const text = parts.text ? await readText(client, uid, parts.text.part) : null;
    const html = parts.html ? await readText(client, uid, parts.html.part) : null;
    const flags = new Set(msg.flags ?? []);
    if (!flags.has('\\Seen')) {
      await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      flags.add('\\Seen');
    }
    const base = summary({ ...msg, flags });
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
