// The HTTP API contract between apps/web and apps/server.
// Request bodies are validated with these schemas on the server; the web app uses the inferred types.
import { z } from 'zod';

/** Name of the header that must carry the CSRF token (double-submit of the `mr_csrf` cookie). */
export const CSRF_HEADER = 'x-csrf-token';
/** Non-HttpOnly cookie holding the CSRF token the SPA echoes in CSRF_HEADER. */
export const CSRF_COOKIE = 'mr_csrf';
/** HttpOnly cookie holding the opaque session id. */
export const SESSION_COOKIE = 'mr_sid';

export const emailAddress = z.string().trim().min(3).max(320).email();

export const loginRequest = z.object({
  email: emailAddress,
  password: z.string().min(1).max(1024),
});
export type LoginRequest = z.infer<typeof loginRequest>;

export const sessionResponse = z.object({
  user: z.object({ email: z.string() }),
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
});
export type Mailbox = z.infer<typeof mailbox>;

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
});
export type MessageSummary = z.infer<typeof messageSummary>;

export const messageListQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
export type MessageListQuery = z.infer<typeof messageListQuery>;

export const messageListResponse = z.object({
  mailbox: z.string(),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  /** Newest first. */
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

export const flagsUpdateRequest = z
  .object({ seen: z.boolean().optional(), flagged: z.boolean().optional() })
  .refine((v) => v.seen !== undefined || v.flagged !== undefined, { message: 'nothing to change' });
export type FlagsUpdateRequest = z.infer<typeof flagsUpdateRequest>;

const recipientList = z.array(emailAddress).max(500);

export const sendRequest = z
  .object({
    to: recipientList.default([]),
    cc: recipientList.default([]),
    bcc: recipientList.default([]),
    subject: z.string().max(998).default(''),
    text: z.string().max(10_000_000).default(''),
    html: z.string().max(10_000_000).optional(),
    inReplyTo: z.string().max(998).optional(),
    references: z.array(z.string().max(998)).max(100).optional(),
  })
  .refine((v) => v.to.length + v.cc.length + v.bcc.length > 0, {
    message: 'at least one recipient is required',
    path: ['to'],
  });
export type SendRequest = z.input<typeof sendRequest>;

export const sendResponse = z.object({ messageId: z.string(), savedToSent: z.boolean() });
export type SendResponse = z.infer<typeof sendResponse>;

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
  'mail_server_unavailable',
  'recipient_refused',
  'message_too_large',
  'rate_limited',
  'service_unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
