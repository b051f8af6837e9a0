export const MAX_LINE_BYTES = 64 * 1024;
export const MAX_LITERAL_BYTES = 1024 * 1024; // for anything but APPEND
export const IDLE_TIMEOUT_MS = 30 * 60 * 1000;
export const PREAUTH_TIMEOUT_MS = 5 * 60 * 1000;
/** an unauthenticated session is closed (BYE) after this long in total, however active */
export const PREAUTH_MAX_MS = 3 * 60 * 1000;
/** commands an unauthenticated session may send before it is closed (BYE) */
export const PREAUTH_MAX_COMMANDS = 50;
export const MAX_FAILED_LOGINS = 5;
export const FETCH_BATCH_SIZE = 250;
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
