// Live updates: Server-Sent Events from /api/events turned into query invalidations.
import type { QueryClient } from '@tanstack/react-query';
import { mailboxKeys } from '../features/mailbox/mailbox.queries.js';
import { outboxKeys } from '../features/outbox/outbox.queries.js';

/** An outbox item was sent or failed (the `outbox` event). */
export interface OutboxEvent {
  id: string;
  status: string;
  error?: { code: string; message: string };
}

export interface MailboxEvent {
  type: 'watching' | 'exists' | 'expunge' | 'flags';
  path: string;
  uid?: number;
  count?: number;
}

export const RECONNECT_MIN_MS = 1_000;
/**
 * One more refetch of a changed folder this long after the event: the BFF's own IMAP connection can
 * answer the first refetch before it has seen the change the watcher reported (its list cache is
 * keyed by that connection's mailbox state).
 */
export const SETTLE_REFETCH_MS = 1_500;
export const RECONNECT_MAX_MS = 30_000;

export interface LiveUpdateOptions {
  onNewMail?: (event: MailboxEvent) => void;
  onStatus?: (connected: boolean) => void;
  onOutbox?: (event: OutboxEvent) => void;
  url?: string;
}

function parseEvent(data: unknown): MailboxEvent | null {
  if (typeof data !== 'string') return null;
  try {
    const v = JSON.parse(data) as Partial<MailboxEvent>;
    if (typeof v.path !== 'string' || typeof v.type !== 'string') return null;
    return v as MailboxEvent;
  } catch {
    return null;
  }
}

/**
 * Opens the event stream and keeps it open: reconnects with exponential backoff (1 s … 30 s) after
 * errors and server shutdowns. Returns a function that closes it for good.
 */
export function connectLiveUpdates(queryClient: QueryClient, options: LiveUpdateOptions = {}): () => void {
  if (typeof EventSource === 'undefined') return () => {};
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let delay = RECONNECT_MIN_MS;
  let closed = false;
  let connectedBefore = false;
  const settleTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const refreshFolder = (path: string) => {
    void queryClient.invalidateQueries({ queryKey: mailboxKeys.list() });
    void queryClient.invalidateQueries({ queryKey: mailboxKeys.messagesOf(path) });
  };

  const reconnectLater = () => {
    source?.close();
    source = null;
    options.onStatus?.(false);
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(open, delay);
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  };

  function open() {
    if (closed) return;
    const es = new EventSource(options.url ?? '/api/events');
    source = es;
    es.addEventListener('ready', () => {
      delay = RECONNECT_MIN_MS;
      options.onStatus?.(true);
      // After a reconnect anything may have changed while we were away.
      if (connectedBefore) void queryClient.invalidateQueries({ queryKey: mailboxKeys.all });
      connectedBefore = true;
    });
    es.addEventListener('mailbox', (e) => {
      const event = parseEvent((e as MessageEvent).data);
      // "watching" too: mail that arrived between our last fetch and the start of the watch
      // produces no event of its own, so the folder is refetched once when watching begins.
      if (!event) return;
      refreshFolder(event.path);
      void queryClient.invalidateQueries({ queryKey: ['quota'] });
      if (event.type !== 'watching') {
        clearTimeout(settleTimers.get(event.path));
        settleTimers.set(
          event.path,
          setTimeout(() => {
            settleTimers.delete(event.path);
            if (!closed) refreshFolder(event.path);
          }, SETTLE_REFETCH_MS),
        );
      }
      if (event.type === 'exists') options.onNewMail?.(event);
    });
    es.addEventListener('outbox', (e) => {
      void queryClient.invalidateQueries({ queryKey: outboxKeys.all });
      try {
        const event = JSON.parse(String((e as MessageEvent).data)) as Partial<OutboxEvent>;
        if (typeof event.id === 'string' && typeof event.status === 'string') options.onOutbox?.(event as OutboxEvent);
      } catch {
        // not an event we understand; the list is refreshed anyway
      }
    });
    es.addEventListener('shutdown', reconnectLater);
    es.onerror = reconnectLater;
  }

  open();
  return () => {
    closed = true;
    clearTimeout(timer);
    settleTimers.forEach((t) => clearTimeout(t));
    source?.close();
  };
}
