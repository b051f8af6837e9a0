/** POP3 limits. RFC 2449 caps command lines at 255 octets; SASL responses may be longer. */
export const MAX_LINE_BYTES = 4096;
/** Unprocessed input held per connection before reading pauses (pipelined commands). */
export const MAX_BUFFERED_BYTES = 64 * 1024;
/** Commands a client may send before it has authenticated. */
export const MAX_PREAUTH_COMMANDS = 30;
/** Invalid or unknown commands tolerated on one connection. */
export const MAX_BAD_COMMANDS = 20;
/** Failed USER/PASS or AUTH attempts before the connection is closed. */
export const MAX_FAILED_LOGINS = 3;
/** Idle time before authentication. */
export const PREAUTH_TIMEOUT_MS = 60 * 1000;
/** Idle time after authentication (RFC 1939 asks for at least 10 minutes). */
export const IDLE_TIMEOUT_MS = 10 * 60 * 1000;
/** Pause before answering a failed authentication. */
export const AUTH_FAILURE_DELAY_MS = 500;
/** Message sizes remembered across sessions (a message never changes, so a size never goes stale). */
export const SIZE_CACHE_ENTRIES = 200_000;
