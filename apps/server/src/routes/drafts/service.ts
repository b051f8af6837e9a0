// Drafts over IMAP: APPEND to the Drafts special-use folder with \Draft \Seen, then remove the draft
// it replaces (UID STORE \Deleted + UID EXPUNGE with UIDPLUS; imapflow falls back to EXPUNGE).
import type { ImapFlow } from 'imapflow';
import { notFound } from '../../errors.js';
import { findSpecialUse, withMailbox } from '../mailboxes/service.js';

/** The Drafts folder: the \Drafts special-use mailbox, else "Drafts" (created when missing). */
export async function draftsMailbox(client: ImapFlow): Promise<string> {
  const special = await findSpecialUse(client, '\\Drafts');
  if (special) return special;
  const list = await client.list();
  const named = list.find((m) => m.path.toLowerCase() === 'drafts' || m.name.toLowerCase() === 'drafts');
  if (named) return named.path;
  await client.mailboxCreate('Drafts').catch(() => undefined);
  return 'Drafts';
}

/** The Message-ID header of a raw message (the first one in its header block). */
export function messageIdOf(raw: Buffer): string | null {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end < 0 ? Math.min(raw.length, 64 * 1024) : end).toString('latin1').replace(/\r\n[ \t]+/g, ' ');
  const m = /^message-id:\s*(<[^>\r\n]+>)/im.exec(head);
  return m ? m[1]! : null;
}

/**
 * Stores a draft and removes the previous one. The UID comes from APPENDUID (UIDPLUS), else from a
 * search for its Message-ID; null when neither tells.
 */
export async function saveDraft(client: ImapFlow, raw: Buffer, previousUid: number | undefined): Promise<{ mailbox: string; uid: number | null }> {
  const mailbox = await draftsMailbox(client);
  const appended = await client.append(mailbox, raw, ['\\Draft', '\\Seen']);
  let uid: number | null = appended && typeof appended.uid === 'number' && appended.uid > 0 ? appended.uid : null;
  await withMailbox(client, mailbox, async () => {
    await client.noop();
    if (uid === null) {
      const messageId = messageIdOf(raw);
      if (messageId) {
        const found = await client.search({ header: { 'message-id': messageId } }, { uid: true });
        if (found && found.length) uid = Math.max(...found);
      }
    }
    if (previousUid && previousUid !== uid) {
      // Only a message that is still there is removed; a draft already gone (sent, deleted elsewhere) is fine.
      const existing = await client.search({ uid: String(previousUid) }, { uid: true });
      if (existing && existing.includes(previousUid)) await client.messageDelete(String(previousUid), { uid: true });
    }
  });
  return { mailbox, uid };
}

/** Removes one draft; 404 when there is no such message in Drafts. */
export async function deleteDraft(client: ImapFlow, uid: number): Promise<void> {
  const mailbox = await draftsMailbox(client);
  await withMailbox(client, mailbox, async () => {
    await client.noop();
    const existing = await client.search({ uid: String(uid) }, { uid: true });
    if (!existing || !existing.includes(uid)) throw notFound(`Draft ${uid}`);
    await client.messageDelete(String(uid), { uid: true });
  });
}
