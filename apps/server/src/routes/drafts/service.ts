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
 * Stores a draft and removes the previous one(s). The UID comes from APPENDUID (UIDPLUS), else from a
 * search for its Message-ID; null when neither tells.
 */
export async function saveDraft(
  client: ImapFlow,
  raw: Buffer,
  previous: number | number[] | undefined,
): Promise<{ mailbox: string; uid: number | null }> {
  const previousUids = ([] as number[]).concat(previous ?? []).filter((n) => Number.isInteger(n) && n > 0);
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
    const stale = [...new Set(previousUids)].filter((n) => n !== uid);
    if (stale.length) {
      // Only messages that are still there are removed; a draft already gone (sent, deleted elsewhere) is fine.
      const existing = (await client.search({ uid: stale.join(',') }, { uid: true })) || [];
      if (existing.length) await client.messageDelete(existing.join(','), { uid: true });
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

/**
 * Which draft replaced which, per user, for a little while: an autosave that started before the
 * previous one answered still names the older UID, and must remove the newer copy too. Saves of one
 * user run one after the other.
 */
export class DraftChains {
  private readonly next = new Map<string, { uid: number; at: number }>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly keepMs = 15 * 60_000) {}

  private key(user: string, mailbox: string, uid: number) {
    return `${user.toLowerCase()}\u0000${mailbox}\u0000${uid}`;
  }

  /** `uid` and every draft that has replaced it since. */
  lineage(user: string, mailbox: string, uid: number | undefined, now = Date.now()): number[] {
    const out: number[] = [];
    let current = uid;
    while (current && !out.includes(current)) {
      out.push(current);
      const hit = this.next.get(this.key(user, mailbox, current));
      current = hit && now - hit.at < this.keepMs ? hit.uid : undefined;
    }
    return out;
  }

  record(user: string, mailbox: string, replaced: number[], uid: number | null, now = Date.now()) {
    for (const [k, v] of this.next) if (now - v.at >= this.keepMs) this.next.delete(k);
    if (uid === null) return;
    for (const old of replaced) if (old !== uid) this.next.set(this.key(user, mailbox, old), { uid, at: now });
  }

  /** Runs `fn` after the user's earlier saves finished. */
  async serial<T>(user: string, fn: () => Promise<T>): Promise<T> {
    const key = user.toLowerCase();
    const before = this.queues.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }
}
