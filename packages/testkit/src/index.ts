export { startBackend, isBackendKind, BACKEND_KINDS, MINIMAL_HIDDEN_CAPABILITIES, type BackendKind, type BackendOptions, type RunningBackend, type Endpoint } from './backends.js';
export { startDovecot, SPECIAL_FOLDERS, type DovecotOptions, type RunningDovecot, type MailUser } from './dovecot.js';
export { startPostfix, type PostfixOptions, type RunningPostfix } from './postfix.js';
export { seedImapAccount, seedImapDemo, type SeedImapAccountOptions, type SeedImapDemoOptions } from './seed-imap.js';
export { freePort, onProcessExit } from './util.js';
export { startRedis, type RunningRedis } from './redis.js';
