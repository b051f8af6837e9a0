export {
  OutboundQueue,
  openQueueDb,
  QueueDb,
  QUEUE_FILE,
  DEFAULT_QUEUE_LIFETIME_MS,
  DEFAULT_DELAY_NOTICE_MS,
  type OutboundQueueOptions,
  type QueueEntry,
} from './queue.js';
export { dnsMxResolver, staticMxResolver, PermanentResolveError, type MxResolver, type MxTarget } from './resolver.js';
export { buildDsn, enhancedStatus, type DsnInput, type DsnRecipient } from './bounce.js';
export type { QueuedMessage, QueuedRecipient } from './queue-db.js';
