// @mailroom/shared: the HTTP API contract (zod schemas and types) used by apps/web and apps/server.
//
// Routes (all JSON; errors are ApiErrorBody with the right status):
//   GET    /api/health                                      → HealthResponse (200 ok, 503 degraded)
//   POST   /api/session            LoginRequest              → SessionResponse (sets mr_sid + mr_csrf cookies); 401 invalid_credentials
//   GET    /api/session                                      → SessionResponse | 401
//   DELETE /api/session                                      → 204
//   GET    /api/mailboxes[?all=1]                            → MailboxListResponse (all=1: unsubscribed too)
//   POST   /api/mailboxes          MailboxCreateRequest      → Mailbox (201)
//   PATCH  /api/mailboxes/:mailbox MailboxUpdateRequest      → 204 (rename/move, subscribe)
//   DELETE /api/mailboxes/:mailbox                           → 204
//   POST   /api/mailboxes/:mailbox/empty                     → 204 (Trash and Junk only)
//   GET    /api/quota                                        → QuotaResponse
//   GET    /api/mailboxes/:mailbox/messages?offset&limit&sort&order&q&threads → MessageListResponse
//   GET    /api/mailboxes/:mailbox/uids?sort&order&q         → { uids: number[] } (every message of the view, for select all)
//   POST   /api/mailboxes/:mailbox/messages/actions  MessageActionRequest → MessageActionResponse
//   GET    /api/mailboxes/:mailbox/threads/:threadId         → ThreadResponse
//   GET    /api/mailboxes/:mailbox/messages/:uid[?peek=1]    → MessageDetail (marks it \Seen unless peek)
//   PATCH  /api/mailboxes/:mailbox/messages/:uid  FlagsUpdateRequest → 204
//   GET    /api/mailboxes/:mailbox/messages/:uid/source      → the raw message (text/plain)
//   GET    /api/mailboxes/:mailbox/messages/:uid/headers     → HeadersResponse
//   GET    /api/mailboxes/:mailbox/messages/:uid/attachments/:id → the attachment bytes
//   GET    /api/mailboxes/:mailbox/messages/:uid/attachments.zip → every attachment, zipped
//   GET    /api/events                                       → Server-Sent Events: ready, mailbox {type, path, uid?, count?}, shutdown
//   GET    /api/preferences / PATCH PreferencesUpdate        → Preferences
// Compose routes (identities, contacts, uploads, drafts, prefill, send, outbox): see compose.ts.
// :mailbox is the full IMAP path, URL-encoded with encodeURIComponent.
// Every non-GET request must send the mr_csrf cookie value in the x-csrf-token header.
export * from './api.js';
export * from './compose.js';
