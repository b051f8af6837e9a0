// The HTTP API contract between apps/web and apps/server.
// Request bodies are validated with these schemas on the server; the web app uses the inferred types.
import { z } from 'zod';

export { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from './constants.js';

export const emailAddress = z.string().trim().min(3).max(320).email();

export const loginRequest = z.object({
  email: emailAddress,
  password: z.string().min(1).max(1024),
});
export type LoginRequest = z.infer<typeof loginRequest>;

export const sessionResponse = z.object({
  user: z.object({ email: z.string() }),
  /** With a sign-in's answer (POST): the user's preferences, so the first screen needs no round trip for them. */
  preferences: z.record(z.string(), z.unknown()).optional(),
});
export type SessionResponse = z.infer<typeof sessionResponse>;

export const address = z.object({
  name: z.string(),
  address: z.string(),
});
export type Address = z.infer<typeof address>;

export const mailbox = z.object({
  /** Full IMAP path, e.g. "INBOX" or "Projects/2026". */
  path: z.string(),
  /** Last path component, for display. */
  name: z.string(),
  delimiter: z.string().nullable(),
  /** RFC 6154 special-use attribute (e.g. "\\Sent") or null. */
  specialUse: z.string().nullable(),
  total: z.number().int(),
  unseen: z.number().int(),
  subscribed: z.boolean(),
  /** Path of the parent folder, or null at the top level. */
  parent: z.string().nullable(),
  /** LIST attributes, e.g. "\\Noselect", "\\HasChildren". */
  flags: z.array(z.string()),
});
export type Mailbox = z.infer<typeof mailbox>;

/** Folder paths: no control characters, not empty, bounded. */
export const mailboxPath = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .refine((v) => !/[\x00-\x1f\x7f*%]/.test(v), { message: 'folder names cannot contain control characters, * or %' });

export const mailboxCreateRequest = z.object({ path: mailboxPath });
export type MailboxCreateRequest = z.infer<typeof mailboxCreateRequest>;

export const mailboxUpdateRequest = z
  .object({ path: mailboxPath.optional(), subscribed: z.boolean().optional() })
  .refine((v) => v.path !== undefined || v.subscribed !== undefined, { message: 'nothing to change' });
export type MailboxUpdateRequest = z.infer<typeof mailboxUpdateRequest>;

export const quotaResponse = z.object({ usedBytes: z.number().nullable(), limitBytes: z.number().nullable() });
export type QuotaResponse = z.infer<typeof quotaResponse>;

export const mailboxListResponse = z.object({ mailboxes: z.array(mailbox) });
export type MailboxListResponse = z.infer<typeof mailboxListResponse>;

export const messageSummary = z.object({
  uid: z.number().int(),
  subject: z.string(),
  from: z.array(address),
  to: z.array(address),
  /** ISO 8601 date of the Date header (or internal date when absent). */
  date: z.string(),
  flags: z.array(z.string()),
  seen: z.boolean(),
  flagged: z.boolean(),
  hasAttachments: z.boolean(),
  size: z.number().int(),
  /** The first ~200 characters of the text, whitespace collapsed. */
  preview: z.string(),
  /** User keywords (IMAP flags that are not system flags), i.e. tags. */
  keywords: z.array(z.string()),
  /** With threads=1: id of the conversation this row stands for, and how many messages it has. */
  threadId: z.string().optional(),
  threadSize: z.number().int().optional(),
});
export type MessageSummary = z.infer<typeof messageSummary>;

export const SORT_KEYS = ['date', 'arrival', 'from', 'subject', 'size'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

const flag01 = z
  .union([z.boolean(), z.enum(['0', '1', 'true', 'false'])])
  .transform((v) => v === true || v === '1' || v === 'true');

export const messageListQuery = z
  .object({
    /** Window start (0 = first row in the chosen order). */
    offset: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    /** Page-based aliases of offset/limit. */
    page: z.coerce.number().int().min(1).optional(),
    pageSize: z.coerce.number().int().min(1).max(500).optional(),
    sort: z.enum(SORT_KEYS).default('date'),
    order: z.enum(['asc', 'desc']).default('desc'),
    /** Full-text search (subject, addresses, body). */
    q: z.string().trim().max(500).optional(),
    /** One row per conversation. */
    threads: flag01.default(false),
    /**
     * previews=0: rows without their preview snippet (empty `preview`), which spares the server
     * a body fetch per row; the webmail shows its first window that way and fills it in after.
     */
    previews: flag01.default(true),
  })
  .transform(({ offset, limit, page, pageSize, ...rest }) => {
    const size = limit ?? pageSize ?? 50;
    return { ...rest, limit: size, offset: offset ?? ((page ?? 1) - 1) * size };
  });
export type MessageListQuery = z.output<typeof messageListQuery>;

export const messageListResponse = z.object({
  mailbox: z.string(),
  /** Rows in this view (messages, or conversations with threads=1), after any search. */
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  sort: z.enum(SORT_KEYS),
  order: z.enum(['asc', 'desc']),
  messages: z.array(messageSummary),
});
export type MessageListResponse = z.infer<typeof messageListResponse>;

export const attachment = z.object({
  /** Opaque id used in the download URL. */
  id: z.string(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  /** Content-ID without angle brackets, for cid: references, or null. */
  contentId: z.string().nullable(),
  inline: z.boolean(),
  /** Relative URL that downloads this attachment. */
  url: z.string(),
});
export type Attachment = z.infer<typeof attachment>;

export const messageDetail = messageSummary.extend({
  mailbox: z.string(),
  cc: z.array(address),
  replyTo: z.array(address),
  messageId: z.string().nullable(),
  /** Plain text body (may be derived from HTML when the message has only HTML). */
  text: z.string().nullable(),
  /** Raw, UNSANITISED HTML body: the web app sanitises it (DOMPurify) and renders it in a sandboxed iframe. */
  html: z.string().nullable(),
  attachments: z.array(attachment),
});
export type MessageDetail = z.infer<typeof messageDetail>;

export const threadResponse = z.object({
  /** Oldest first; includes your replies kept in Sent. */
  messages: z.array(messageSummary.extend({ mailbox: z.string() })),
});
export type ThreadResponse = z.infer<typeof threadResponse>;

export const MESSAGE_ACTIONS = ['read', 'unread', 'flag', 'unflag', 'delete', 'archive', 'junk', 'notjunk', 'move', 'addKeyword', 'removeKeyword'] as const;
export type MessageAction = (typeof MESSAGE_ACTIONS)[number];

/** IMAP keyword atom: no spaces, parentheses, quotes, wildcards, backslash or control characters. */
export const keyword = z.string().regex(/^[^\s(){%*"\\\]\x00-\x1f\x7f]{1,100}$/, 'not a valid tag');

export const messageActionRequest = z
  .object({
    uids: z.array(z.number().int().min(1).max(0xffffffff)).min(1).max(100_000),
    action: z.enum(MESSAGE_ACTIONS),
    destination: mailboxPath.optional(),
    keyword: keyword.optional(),
  })
  .refine((v) => v.action !== 'move' || v.destination, { message: 'move needs a destination', path: ['destination'] })
  .refine((v) => !['addKeyword', 'removeKeyword'].includes(v.action) || v.keyword, { message: 'a keyword is required', path: ['keyword'] });
export type MessageActionRequest = z.infer<typeof messageActionRequest>;

export const messageActionResponse = z.object({
  /** How to undo a move/delete/archive/junk: move these uids from `mailbox` back to `destination`. */
  undo: z.object({ mailbox: z.string(), uids: z.array(z.number().int()), destination: z.string() }).optional(),
});
export type MessageActionResponse = z.infer<typeof messageActionResponse>;

export const headersResponse = z.object({ headers: z.array(z.object({ name: z.string(), value: z.string() })) });
export type HeadersResponse = z.infer<typeof headersResponse>;

export const preferences = z.object({
  /** Delay before an opened message is marked read; 0 = at once, -1 = never (only by hand). */
  markReadDelayMs: z.number().int().min(-1).max(600_000),
  conversationView: z.boolean(),
  theme: z.enum(['system', 'light', 'dark']),
  language: z.enum(['en', 'de']),
  /** Senders (addresses, or "@domain") whose remote content loads without asking. */
  remoteContentSenders: z.array(z.string().max(320)).max(10_000),
  /** The editor compose opens with; remembered when the user switches. */
  composeFormat: z.enum(['html', 'text']),
  /** How long a sent message is held so it can be undone; 0 = no undo. */
  undoSendDelayMs: z.number().int().min(0).max(60_000),
});
export type Preferences = z.infer<typeof preferences>;
export const DEFAULT_PREFERENCES: Preferences = {
  markReadDelayMs: 0,
  conversationView: false,
  theme: 'system',
  language: 'en',
  remoteContentSenders: [],
  composeFormat: 'html',
  undoSendDelayMs: 10_000,
};
export const preferencesUpdate = preferences.partial();
export type PreferencesUpdate = z.infer<typeof preferencesUpdate>;

export const flagsUpdateRequest = z
  .object({ seen: z.boolean().optional(), flagged: z.boolean().optional() })
  .refine((v) => v.seen !== undefined || v.flagged !== undefined, { message: 'nothing to change' });
export type FlagsUpdateRequest = z.infer<typeof flagsUpdateRequest>;

export const healthResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  imap: z.boolean(),
  smtp: z.boolean(),
});
export type HealthResponse = z.infer<typeof healthResponse>;

/** Every error the API returns has this shape. */
export const apiError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof apiError>;

/** Error codes the API uses. */
export const ERROR_CODES = [
  'bad_request',
  'unauthorized',
  'invalid_credentials',
  'csrf',
  'not_found',
  'conflict',
  'mail_server_unavailable',
  'recipient_refused',
  'message_too_large',
  'rate_limited',
  'service_unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
