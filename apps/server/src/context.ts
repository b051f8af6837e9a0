// What the routes need, built once by createApp's caller.
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Metrics } from './metrics.js';
import type { PreferencesRepository } from './data/preferences.js';
import type { UploadStore } from './data/uploads.js';
import type { IdentityRepository } from './data/identities.js';
import type { ContactRepository } from './data/contacts.js';
import type { OutboxScheduler } from './outbox/scheduler.js';
import type { ImapPool } from './imap/pool.js';
import type { MailWatchers } from './imap/watcher.js';
import type { SseClients } from './routes/events/router.js';
import type { CredentialSealer } from './session/crypto.js';
import type { LoginLimiter } from './session/login-limiter.js';
import type { SessionStore } from './session/store.js';
import type { MailRouting } from './mail-routing.js';

export interface AppContext {
  config: Config;
  logger: Logger;
  sessions: SessionStore;
  sealer: CredentialSealer;
  imap: ImapPool;
  watchers: MailWatchers;
  sse: SseClients;
  routing: MailRouting;
  loginLimiter: LoginLimiter;
  metrics: Metrics;
  preferences: PreferencesRepository;
  /** Attachments and inline images while composing. */
  uploads: UploadStore;
  /** Sender identities and signatures. */
  identities: IdentityRepository;
  /** Recipient autocomplete: saved contacts and addresses written to. */
  contacts: ContactRepository;
  /** Undo send and send later: the durable outbox and its scheduler. */
  outbox: OutboxScheduler;
  /** Removes what the context created on disk (a temporary uploads directory) when it closes. */
  cleanups: Array<() => Promise<void>>;
}
