// Actions on selected messages: flags and tags, delete (to Trash), archive, junk, move; moves
// return what undo needs (the new UIDs from UIDPLUS COPYUID).
import type { ImapFlow } from 'imapflow';
import type { MessageActionRequest, MessageActionResponse } from '@mailroom/shared';
import { HttpError } from '../../errors.js';
import { listMailboxes, withMailbox } from './service.js';

async function specialFolder(client: ImapFlow, use: string, fallback?: string): Promise<string> {
  const boxes = await listMailboxes(client, true);
  const found = boxes.find((m) => m.specialUse === use)?.path ?? (fallback ? boxes.find((m) => m.path === fallback)?.path : undefined);
  if (!found) throw new HttpError(400, 'bad_request', `There is no ${use.slice(1)} folder.`);
  return found;
}

async function move(client: ImapFlow, from: string, uids: number[], destination: string): Promise<MessageActionResponse> {
  if (destination === from) return {};
  if (!(await listMailboxes(client, true)).some((m) => m.path === destination)) {
    throw new HttpError(404, 'not_found', `Mailbox "${destination}" not found`);
  }
  const result = await withMailbox(client, from, () => client.messageMove(uids.join(','), destination, { uid: true }));
  const map = result && result.uidMap;
  if (!map || map.size === 0) return {};
  return { undo: { mailbox: destination, uids: uids.flatMap((u) => map.get(u) ?? []), destination: from } };
}

export async function runAction(client: ImapFlow, path: string, req: MessageActionRequest): Promise<MessageActionResponse> {
  const set = req.uids.join(',');
  const flags = (add: string[], remove: string[] = []) =>
    withMailbox(client, path, async () => {
      if (add.length) await client.messageFlagsAdd(set, add, { uid: true });
      if (remove.length) await client.messageFlagsRemove(set, remove, { uid: true });
      return {};
    });

  switch (req.action) {
    case 'read':
      return flags(['\\Seen']);
    case 'unread':
      return flags([], ['\\Seen']);
    case 'flag':
      return flags(['\\Flagged']);
    case 'unflag':
      return flags([], ['\\Flagged']);
    case 'addKeyword':
      return flags([req.keyword!]);
    case 'removeKeyword':
      return flags([], [req.keyword!]);
    case 'move':
      return move(client, path, req.uids, req.destination!);
    case 'archive':
      return move(client, path, req.uids, await specialFolder(client, '\\Archive', 'Archive'));
    case 'junk':
      await flags(['$Junk'], ['$NotJunk']);
      return move(client, path, req.uids, await specialFolder(client, '\\Junk', 'Junk'));
    case 'notjunk':
      await flags(['$NotJunk'], ['$Junk']);
      return move(client, path, req.uids, 'INBOX');
    case 'delete': {
      const trash = await specialFolder(client, '\\Trash', 'Trash');
      if (trash !== path) return move(client, path, req.uids, trash);
      // Deleting in Trash removes for good.
      await withMailbox(client, path, () => client.messageDelete(set, { uid: true }));
      return {};
    }
  }
}
