// @mailroom/shared: the HTTP API contract (zod schemas and types) used by apps/web and apps/server.
//
// Routes (all JSON; errors are ApiErrorBody with the right status):
//   GET    /api/health                                      → HealthResponse (200 ok, 503 degraded)
//   POST   /api/session            LoginRequest              → SessionResponse (sets mr_sid + mr_csrf cookies); 401 invalid_credentials
//   GET    /api/session                                      → SessionResponse | 401
//   DELETE /api/session                                      → 204
//   GET    /api/mailboxes                                    → MailboxListResponse
//   GET    /api/mailboxes/:mailbox/messages?page&pageSize    → MessageListResponse (newest first)
//   GET    /api/mailboxes/:mailbox/messages/:uid             → MessageDetail (marks it \Seen)
//   PATCH  /api/mailboxes/:mailbox/messages/:uid  FlagsUpdateRequest → 204
//   GET    /api/mailboxes/:mailbox/messages/:uid/attachments/:id → the attachment bytes
//   POST   /api/messages/send      SendRequest               → SendResponse (202)
// :mailbox is the full IMAP path, URL-encoded with encodeURIComponent.
// Every non-GET request must send the mr_csrf cookie value in the x-csrf-token header.
export * from './api.js';
