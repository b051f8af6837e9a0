// Folder management over IMAP: create, rename/move, delete, subscribe, empty Trash/Junk, quota.
import type { ImapFlow } from 'imapflow';
import type { Mailbox, QuotaResponse } from '@mailroom/shared';
import { HttpError, notFound } from '../../errors.js';
import { listMailboxes, withMailbox } from './service.js';

async function findMailbox(client: ImapFlow, path: string): Promise<Mailbox> {
  const found = (await listMailboxes(client, true)).find((m) => m.path === path);
  if (!found) throw notFound(`Mailbox "${path}"`);
  return found;
}

function refuseProtected(box: Mailbox, what: string) {
  if (box.path.toUpperCase() === 'INBOX' || (box.specialUse && box.specialUse !== '\\Inbox')) {
    throw new HttpError(400, 'bad_request', `${box.name} is a system folder and cannot be ${what}.`);
  }
}

export async function createMailbox(client: ImapFlow, path: string): Promise<Mailbox> {
  const existing = (await listMailboxes(client, true)).find((m) => m.path === path);
  if (existing) throw new HttpError(409, 'bad_request', `A folder named "${path}" already exists.`);
  await client.mailboxCreate(path);
  await client.mailboxSubscribe(path).catch(() => undefined);
  return findMailbox(client, path);
}

export async function updateMailbox(client: ImapFlow, path: string, change: { path?: string; subscribed?: boolean }) {
  const box = await findMailbox(client, path);
  let current = box.path;
  if (change.path !== undefined && change.path !== box.path) {
    refuseProtected(box, 'renamed');
    if ((await listMailboxes(client, true)).some((m) => m.path === change.path)) {
      throw new HttpError(409, 'bad_request', `A folder named "${change.path}" already exists.`);
    }
    await client.mailboxRename(box.path, change.path);
    current = change.path;
    if (box.subscribed) await client.mailboxSubscribe(current).catch(() => undefined);
  }
  if (change.subscribed !== undefined) {
    if (change.subscribed) await client.mailboxSubscribe(current);
    else await client.mailboxUnsubscribe(current);
  }
}

export async function deleteMailbox(client: ImapFlow, path: string) {
  const box = await findMailbox(client, path);
  refuseProtected(box, 'deleted');
  await client.mailboxUnsubscribe(box.path).catch(() => undefined);
  await client.mailboxDelete(box.path);
}

/** Removes every message of Trash or Junk for good. */
export async function emptyMailbox(client: ImapFlow, path: string) {
  const box = await findMailbox(client, path);
  if (box.specialUse !== '\\Trash' && box.specialUse !== '\\Junk') {
    throw new HttpError(400, 'bad_request', 'Only Trash and Junk can be emptied.');
  }
  await withMailbox(client, box.path, async () => {
    if (client.mailbox && client.mailbox.exists > 0) await client.messageDelete('1:*');
  });
}

export async function quota(client: ImapFlow): Promise<QuotaResponse> {
  if (!client.capabilities.has('QUOTA')) return { usedBytes: null, limitBytes: null };
  const q = await client.getQuota('INBOX').catch(() => false as const);
  if (!q || !q.storage) return { usedBytes: null, limitBytes: null };
  return { usedBytes: q.storage.usage ?? null, limitBytes: q.storage.limit ?? null };
}
