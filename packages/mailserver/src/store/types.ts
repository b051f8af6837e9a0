import type { AliasStore } from './aliases.js';
import type { ImapData } from '../mime/structure.js';

export interface UserRecord { id: number; email: string; }
export interface DeliverOptions { mailbox?: string; flags?: string[]; internalDate?: Date; }

export interface MailboxInfo {
  id: number;
  userId: number;
  name: string;
  uidvalidity: number;
  uidnext: number;
  highestmodseq: number;
  specialUse: string | null;
  subscribed: boolean;
}

export interface MailboxStatus {
  messages: number;
  unseen: number;
  recent: number;
  uidnext: number;
  uidvalidity: number;
  highestmodseq: number;
  size: number;
  /** UID of the first message without \\Seen (null: none; undefined: not provided by this store) */
  firstUnseenUid?: number | null;
}

export interface MessageMeta {
  uid: number;
  modseq: number;
  flags: string[];
  internaldate: number; // ms since epoch
  size: number;
}

export interface MessageRecord extends MessageMeta {
  envelope: ImapData[];
  bodystructure: ImapData[];
  body: ImapData[];
}

/**
 * Metadata of every message of a mailbox in UID order (index i of each array is one message), as of
 * `highestmodseq`. Shared with the store's cache: read it, never change it.
 */
export interface MetaSnapshot {
  readonly uids: readonly number[];
  readonly modseqs: readonly number[];
  /** flags joined by one space, as stored (without \\Recent) */
  readonly flags: readonly string[];
  readonly internaldates: readonly number[];
  readonly sizes: readonly number[];
  /** INTERNALDATE never decreases with the UID: ARRIVAL order is UID order */
  readonly arrivalInUidOrder: boolean;
  readonly highestmodseq: number;
}

export type FlagMode = 'set' | 'add' | 'remove';

export type SearchKey =
  | { type: 'all' }
  | { type: 'uids'; ranges: Array<[number, number]> }
  | { type: 'flag'; flag: string; has: boolean }
  | { type: 'recent'; has: boolean }
  | { type: 'date'; field: 'internal' | 'sent'; op: 'since' | 'before' | 'on'; day: number /* ms, UTC midnight */ }
  | { type: 'size'; op: 'larger' | 'smaller'; n: number }
  | { type: 'header'; field: string; value: string }
  | { type: 'body' | 'text'; value: string }
  | { type: 'modseq'; n: number }
  | { type: 'not'; key: SearchKey }
  | { type: 'or'; a: SearchKey; b: SearchKey }
  | { type: 'and'; keys: SearchKey[] };

export type SortKey = 'arrival' | 'date' | 'from' | 'to' | 'cc' | 'subject' | 'size' | 'displayfrom' | 'displayto';

export interface ThreadInfo {
  uid: number;
  messageId: string | null;
  references: string[]; // from References, else the first message id of In-Reply-To
  subject: string; // decoded Subject
  date: number; // sent date (ms)
}

export type MailboxEvent =
  | { type: 'exists'; mailboxId: number; uid: number; origin?: string }
  | { type: 'flags'; mailboxId: number; uid: number; flags: string[]; modseq: number; origin?: string }
  | { type: 'expunge'; mailboxId: number; uid: number; origin?: string }
  | { type: 'deleted'; mailboxId: number; origin?: string };

export class StoreError extends Error {
  constructor(public code: 'NONEXISTENT' | 'ALREADYEXISTS' | 'CANNOT' | 'TOOBIG' | 'INUSE' | 'LIMIT' | 'NOPERM' | 'OVERQUOTA', message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface MailStore extends AliasStore {
  addDomain(domain: string): void;
  hasDomain(domain: string): boolean;
  createUser(email: string, password: string): UserRecord;
  findUser(email: string): UserRecord | null;
  /** Every user, for administration (`mailroom user list`, export of all users). */
  listUsers(): Array<{ email: string; quotaBytes: number | null; createdAt: number }>;
  setPassword(email: string, password: string): void;
  /** Removes the user with all their mail; emits `deleted` for each of their mailboxes. */
  deleteUser(email: string): void;
  authenticate(email: string, password: string): Promise<UserRecord | null>;
  deliver(email: string, raw: Buffer, opts?: DeliverOptions): Promise<{ mailbox: string; uid: number }>;
  deliverMany(email: string, items: Array<{ raw: Buffer } & DeliverOptions>): Promise<number>;
  close(): void;
  /** Storage limit of a user in bytes; null = unlimited (the default unless openStore got defaultQuotaBytes). */
  setQuota(email: string, bytes: number | null): void;
  getQuota(userId: number): Promise<{ usedBytes: number; limitBytes: number | null }>;

  // ---- mailbox-level API used by the IMAP server (async so that another backend can be plugged in)
  listMailboxes(userId: number): Promise<MailboxInfo[]>;
  getMailbox(userId: number, name: string): Promise<MailboxInfo | null>;
  createMailbox(userId: number, name: string, specialUse?: string | null): Promise<MailboxInfo>;
  deleteMailbox(userId: number, name: string, origin?: string): Promise<void>;
  renameMailbox(userId: number, from: string, to: string, origin?: string): Promise<void>;
  setSubscribed(userId: number, name: string, subscribed: boolean): Promise<void>;
  /** recent / firstUnseen: false when the caller does not need them (recent is then 0, firstUnseenUid undefined) */
  mailboxStatus(mailboxId: number, opts?: { recent?: boolean; firstUnseen?: boolean }): Promise<MailboxStatus>;
  listUids(mailboxId: number): Promise<number[]>;
  claimRecent(mailboxId: number): Promise<number[]>;
  getMessages(mailboxId: number, uids: number[]): Promise<MessageRecord[]>;
  getMeta(mailboxId: number, uids: number[]): Promise<MessageMeta[]>;
  /** ENVELOPE, BODYSTRUCTURE and BODY (ImapData as JSON) of the given messages, in UID order; missing UIDs are left out. */
  getStructures(mailboxId: number, uids: number[]): Promise<Array<[uid: number, envelope: string, bodystructure: string, body: string]>>;
  /** The metadata of every message of a mailbox (flag syncs, SORT ARRIVAL); null if it does not exist. */
  metaSnapshot(mailboxId: number): Promise<MetaSnapshot | null>;
  getRaw(mailboxId: number, uid: number): Promise<Buffer | null>;
  storeFlags(mailboxId: number, uids: number[], mode: FlagMode, flags: string[], opts?: { unchangedSince?: number; origin?: string }): Promise<{ updated: MessageMeta[]; modified: number[] }>;
  expunge(mailboxId: number, opts?: { uids?: number[]; origin?: string }): Promise<number[]>;
  copy(mailboxId: number, uids: number[], destMailboxId: number, opts?: { move?: boolean; origin?: string }): Promise<{ uidvalidity: number; pairs: Array<[number, number]> }>;
  append(mailboxId: number, raw: Buffer, opts?: { flags?: string[]; internalDate?: Date; origin?: string }): Promise<{ uid: number; uidvalidity: number }>;
  search(mailboxId: number, key: SearchKey, recentUids?: Set<number>): Promise<number[]>;
  sort(mailboxId: number, keys: Array<{ key: SortKey; reverse: boolean }>, uids: number[]): Promise<number[]>;
  threadInfo(mailboxId: number, uids: number[]): Promise<ThreadInfo[]>;
  /** UIDs expunged after the given mod-sequence (QRESYNC) */
  expungedSince(mailboxId: number, modseq: number): Promise<number[]>;
  /** messages whose flags changed (or that arrived) after the given mod-sequence */
  changedSince(mailboxId: number, modseq: number): Promise<MessageMeta[]>;
  subscribe(mailboxId: number, listener: (ev: MailboxEvent) => void): () => void;
  maxMessageSize: number;
}
