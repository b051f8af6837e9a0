// Client-side view of the reading-related parts of the API contract (issue #5). Written against the
// planned contract; the fields the server may not send yet are optional here so that the UI degrades.
import type { Mailbox, MessageDetail, MessageSummary } from '@mailroom/shared';

export type SortField = 'date' | 'arrival' | 'from' | 'subject' | 'size';
export type SortOrder = 'asc' | 'desc';

export interface ListView {
  sort: SortField;
  order: SortOrder;
  q: string;
  threads: boolean;
}

export const DEFAULT_VIEW: ListView = { sort: 'date', order: 'desc', q: '', threads: false };

export type MessageRow = MessageSummary & {
  preview?: string;
  keywords?: string[];
  threadSize?: number;
  threadId?: string;
  mailbox?: string;
};

export interface MessageWindow {
  mailbox: string;
  total: number;
  offset: number;
  limit: number;
  messages: MessageRow[];
}

export interface ThreadResponse {
  messages: Array<MessageRow & { mailbox: string }>;
}

export type Folder = Mailbox & { parent?: string | null; flags?: string[] };

export type MessageAction =
  | 'read'
  | 'unread'
  | 'flag'
  | 'unflag'
  | 'delete'
  | 'archive'
  | 'junk'
  | 'notjunk'
  | 'move'
  | 'addKeyword'
  | 'removeKeyword';

export interface ActionRequest {
  uids: number[];
  action: MessageAction;
  destination?: string;
  keyword?: string;
}

export interface UndoInfo {
  mailbox: string;
  uids: number[];
  destination: string;
}

export interface ActionResponse {
  undo?: UndoInfo;
}

export interface Quota {
  usedBytes: number | null;
  limitBytes: number | null;
}

export type MessageDetailX = MessageDetail & { keywords?: string[] };

/** Actions that take messages out of the current folder. */
export const REMOVING_ACTIONS: ReadonlySet<MessageAction> = new Set(['delete', 'archive', 'junk', 'notjunk', 'move']);
