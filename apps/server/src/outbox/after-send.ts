// What follows a successful submission, over IMAP: the copy appended to Sent (\Seen), the draft it
// was written as removed from Drafts, the original flagged \Answered or $Forwarded. Each step is
// best effort: the message went out, so a failure here is logged and never makes the user send twice.
import type { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { findSpecialUse } from '../routes/mailboxes/service.js';

export interface AfterSendInput {
  sentCopy: Buffer;
  draftUid: number | null | undefined;
  source: { mailbox: string; uid: number; kind: 'reply' | 'forward' } | null | undefined;
}

/** Runs the steps; true when the Sent copy was stored. */
export async function afterSend(client: ImapFlow, input: AfterSendInput, logger: Logger): Promise<boolean> {
  let savedToSent = false;
  try {
    const sent = (await findSpecialUse(client, '\\Sent')) ?? 'Sent';
    await client.append(sent, input.sentCopy, ['\\Seen']);
    savedToSent = true;
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'could not save the sent copy');
  }
  if (input.draftUid) {
    try {
      const drafts = await findSpecialUse(client, '\\Drafts');
      if (drafts) {
        const lock = await client.getMailboxLock(drafts);
        try {
          await client.messageDelete(String(input.draftUid), { uid: true });
        } finally {
          lock.release();
        }
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'could not remove the draft');
    }
  }
  if (input.source) {
    try {
      const lock = await client.getMailboxLock(input.source.mailbox);
      try {
        await client.messageFlagsAdd(String(input.source.uid), [input.source.kind === 'reply' ? '\\Answered' : '$Forwarded'], { uid: true });
      } finally {
        lock.release();
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'could not flag the original message');
    }
  }
  return savedToSent;
}
