// The compose half of the HTTP API contract: identities, contacts, uploads, drafts, prefill, sending
// (undo send and send later through the server-side outbox).
//
// Routes (all JSON unless said; errors are ApiErrorBody):
//   GET    /api/compose/limits                               → ComposeLimits
//   GET    /api/identities                                   → IdentityListResponse (a default identity from the account when none is stored)
//   POST   /api/identities         IdentityInput             → Identity (201)
//   PATCH  /api/identities/:id     IdentityUpdate            → Identity
//   DELETE /api/identities/:id                               → 204 (409 when it is the last one)
//   GET    /api/contacts?q=&limit=                           → ContactListResponse (saved contacts and addresses you wrote to, best first)
//   POST   /api/contacts           ContactInput              → Contact (201)
//   DELETE /api/contacts/:address                            → 204
//   POST   /api/uploads            raw bytes; headers Content-Type, X-File-Name (encodeURIComponent) → Upload (201); 413 over the limit
//   GET    /api/uploads/:id                                  → the bytes (inline images in the editor use this URL)
//   DELETE /api/uploads/:id                                  → 204
//   POST   /api/compose/prefill    PrefillRequest            → ComposeState (reply, reply all, forward, forward as attachment, edit as new, open a draft)
//   PUT    /api/drafts             SaveDraftRequest          → SaveDraftResponse (APPEND to Drafts, the previous draft removed)
//   DELETE /api/drafts/:uid                                  → 204
//   POST   /api/messages/send      SendMessageRequest        → SendMessageResponse (202)
//   GET    /api/outbox                                       → OutboxListResponse (pending, scheduled and failed sends)
//   GET    /api/outbox/:id                                   → OutboxItem
//   DELETE /api/outbox/:id                                   → CancelSendResponse (undo send / cancel a scheduled send; 409 once it went out)
// The event stream (/api/events) also carries `outbox` events: { id, status, error? } when an item is sent or fails.
import { z } from 'zod';

/**
 * An email address as users type it: local part and domain, internationalised allowed (UTF-8 local
 * parts go out with SMTPUTF8, IDN domains as A-labels). Stricter than "has an @", looser than ASCII.
 */
export const mailAddress = z
  .string()
  .trim()
  .min(3)
  .max(320)
  .refine((v) => /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"_!#$%&'*+/=?^`{|}~]+\.[^\s@<>()[\]\\,;:"_!#$%&'*+/=?^`{|}~.]{2,}$/u.test(v) && !/\.\./.test(v) && !/^\.|\.@|@\./.test(v), {
    message: 'not a valid email address',
  });

/** A recipient: a bare address string is accepted too. */
export const recipient = z.union([
  mailAddress.transform((address) => ({ name: '', address })),
  z.object({ name: z.string().max(300).default(''), address: mailAddress }),
]);
export type Recipient = { name: string; address: string };
export const recipientList = z.array(recipient).max(500).default([]);

export const composeLimits = z.object({
  /** The largest message that can be sent, in bytes: the smaller of the webmail's limit, SMTP SIZE and IMAP APPENDLIMIT. */
  maxMessageBytes: z.number().int(),
  /** Whether the submission server offers SMTPUTF8 (internationalised local parts). */
  smtpUtf8: z.boolean(),
  /** The longest undo-send delay the server accepts, in ms. */
  maxUndoDelayMs: z.number().int(),
});
export type ComposeLimits = z.infer<typeof composeLimits>;

// ---- identities -------------------------------------------------------------------------------

const identityFields = {
  name: z.string().trim().max(200),
  email: mailAddress,
  replyTo: mailAddress.nullable(),
  /** HTML signature (sanitised by the server before it is stored). */
  signatureHtml: z.string().max(100_000),
  isDefault: z.boolean(),
};
export const identityInput = z.object({
  ...identityFields,
  name: identityFields.name.default(''),
  replyTo: identityFields.replyTo.default(null),
  signatureHtml: identityFields.signatureHtml.default(''),
  isDefault: identityFields.isDefault.default(false),
});
export type IdentityInput = z.input<typeof identityInput>;
/** A change: only the fields sent (no defaults filled in). */
export const identityUpdate = z.object(identityFields).partial();
export type IdentityUpdate = z.input<typeof identityUpdate>;
export const identity = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  replyTo: z.string().nullable(),
  signatureHtml: z.string(),
  isDefault: z.boolean(),
});
export type Identity = z.infer<typeof identity>;
export const identityListResponse = z.object({ identities: z.array(identity) });
export type IdentityListResponse = z.infer<typeof identityListResponse>;

// ---- contacts (autocomplete) --------------------------------------------------------------------

export const contactInput = z.object({ name: z.string().trim().max(300).default(''), address: mailAddress });
export type ContactInput = z.input<typeof contactInput>;
export const contact = z.object({
  name: z.string(),
  address: z.string(),
  /** How many messages you sent to this address. */
  timesContacted: z.number().int(),
  /** ISO date of the last message you sent to it, or null. */
  lastContacted: z.string().nullable(),
  /** Saved by hand (an address book entry) rather than only collected from sent mail. */
  saved: z.boolean(),
});
export type Contact = z.infer<typeof contact>;
export const contactListQuery = z.object({
  q: z.string().trim().max(320).default(''),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});
export const contactListResponse = z.object({ contacts: z.array(contact) });
export type ContactListResponse = z.infer<typeof contactListResponse>;

// ---- uploads (attachments and inline images) ---------------------------------------------------

export const upload = z.object({
  id: z.string(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  /** Relative URL of the bytes (GET), usable as an <img src> in the editor for inline images. */
  url: z.string(),
});
export type Upload = z.infer<typeof upload>;
/** Upload ids are opaque, URL-safe tokens. */
export const uploadId = z.string().regex(/^[A-Za-z0-9_-]{10,64}$/, 'not an upload id');

// ---- the message being written ------------------------------------------------------------------

export const COMPOSE_FORMATS = ['html', 'text'] as const;
export type ComposeFormat = (typeof COMPOSE_FORMATS)[number];
export const PRIORITIES = ['high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Everything compose holds; what drafts store and reopen exactly, and what sending takes. */
export const composeState = z.object({
  /** Identity id; the default identity when absent. */
  identityId: z.string().max(100).optional(),
  to: recipientList,
  cc: recipientList,
  bcc: recipientList,
  subject: z.string().max(998).default(''),
  format: z.enum(COMPOSE_FORMATS).default('text'),
  /**
   * With format "html": the editor's HTML. Inline images are <img src="/api/uploads/ID">; the server
   * turns them into cid: parts. The text alternative is generated from it.
   */
  html: z.string().max(10_000_000).default(''),
  /** With format "text": the plain text (sent as format=flowed). Ignored for "html". */
  text: z.string().max(10_000_000).default(''),
  /** Attachments (not inline images): uploads, including those carried over from a forwarded message or a draft. */
  attachments: z.array(uploadId).max(200).default([]),
  inReplyTo: z.string().max(998).optional(),
  references: z.array(z.string().max(998)).max(100).optional(),
  priority: z.enum(PRIORITIES).default('normal'),
  /** Ask for a read receipt (Disposition-Notification-To). */
  readReceipt: z.boolean().default(false),
  /** The draft this message was opened from or last saved as; removed from Drafts once sent. */
  draftUid: z.number().int().min(1).optional(),
  /** When replying or forwarding: the original, flagged \Answered or $Forwarded once sent. */
  source: z.object({ mailbox: z.string().max(500), uid: z.number().int().min(1), kind: z.enum(['reply', 'forward']) }).optional(),
});
export type ComposeStateInput = z.input<typeof composeState>;
export type ComposeState = z.output<typeof composeState>;

/** What prefill returns: the state plus the uploads' details, so attachments show without another request. */
export const composeStateResponse = z.object({
  state: composeState,
  attachments: z.array(upload),
});
export type ComposeStateResponse = z.infer<typeof composeStateResponse>;

export const PREFILL_MODES = ['reply', 'replyAll', 'forward', 'forwardAttachment', 'editAsNew', 'draft'] as const;
export type PrefillMode = (typeof PREFILL_MODES)[number];
export const prefillRequest = z.object({
  mode: z.enum(PREFILL_MODES),
  mailbox: z.string().min(1).max(500),
  uid: z.number().int().min(1),
  /** Reply/forward from this identity (default: the identity the original was addressed to, else the default). */
  identityId: z.string().max(100).optional(),
});
export type PrefillRequest = z.infer<typeof prefillRequest>;

export const saveDraftRequest = composeState;
export type SaveDraftRequest = ComposeStateInput;
export const saveDraftResponse = z.object({ mailbox: z.string(), uid: z.number().int().nullable() });
export type SaveDraftResponse = z.infer<typeof saveDraftResponse>;

// ---- sending --------------------------------------------------------------------------------------

export const sendMessageRequest = composeState
  .extend({
    /** Send later: an ISO date in the future (up to a year). */
    sendAt: z.string().datetime({ offset: true }).optional(),
    /** Hold the message this long so the user can undo (default: the user's preference; 0 sends at once). */
    undoDelayMs: z.number().int().min(0).max(60_000).optional(),
  })
  .refine((v) => v.to.length + v.cc.length + v.bcc.length > 0, { message: 'at least one recipient is required', path: ['to'] });
export type SendMessageRequest = z.input<typeof sendMessageRequest>;

export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed', 'cancelled'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];
export const outboxItem = z.object({
  id: z.string(),
  status: z.enum(OUTBOX_STATUSES),
  /** ISO date the message goes (or went) out. */
  sendAt: z.string(),
  subject: z.string(),
  to: z.array(z.string()),
  messageId: z.string(),
  /** With status "failed": why, with the same code as an API error (recipient_refused, message_too_large, mail_server_unavailable …). */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type OutboxItem = z.infer<typeof outboxItem>;
export const sendMessageResponse = outboxItem.extend({ savedToSent: z.boolean().optional() });
export type SendMessageResponse = z.infer<typeof sendMessageResponse>;
export const outboxListResponse = z.object({ items: z.array(outboxItem) });
export type OutboxListResponse = z.infer<typeof outboxListResponse>;
/** Undo: the message did not go out; here it is, to reopen in compose. */
export const cancelSendResponse = z.object({ state: composeState, attachments: z.array(upload) });
export type CancelSendResponse = z.infer<typeof cancelSendResponse>;
