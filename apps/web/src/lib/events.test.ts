import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QueryClient } from '@tanstack/react-query';
import { connectLiveUpdates, RECONNECT_MIN_MS, SETTLE_REFETCH_MS } from './events.js';
import { mailboxKeys } from '../features/mailbox/mailbox.queries.js';

/** A stand-in for the browser's EventSource (the only boundary here). */
class FakeEventSource {
  static instances: FakeEventSource[] = [];
  url: string;
  closed = false;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, Array<(e: MessageEvent) => void>>();
  constructor(url: string) {
    this.url = url;
    FakeEventSource.instances.push(this);
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  emit(type: string, data?: unknown) {
    for (const fn of this.listeners.get(type) ?? []) fn(new MessageEvent(type, { data: data === undefined ? '' : JSON.stringify(data) }));
  }
  close() {
    this.closed = true;
  }
}

beforeEach(() => {
  FakeEventSource.instances = [];
  vi.stubGlobal('EventSource', FakeEventSource);
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('live updates', () => {
  it('invalidates the folder list and that folder\'s messages on mailbox events and reports new mail', () => {
    const client = new QueryClient();
    const view = { sort: 'date', order: 'desc', q: '', threads: false } as const;
    client.setQueryData(mailboxKeys.list(), { mailboxes: [] });
    client.setQueryData(mailboxKeys.window('INBOX', view, 0), { messages: [] });
    client.setQueryData(mailboxKeys.window('Other', view, 0), { messages: [] });
    const onNewMail = vi.fn();
    const stop = connectLiveUpdates(client, { onNewMail });
    const es = FakeEventSource.instances[0]!;
    expect(es.url).toBe('/api/events');
    es.emit('mailbox', { type: 'watching', path: 'Other' });
    expect(client.getQueryState(mailboxKeys.window('Other', view, 0))?.isInvalidated).toBe(true);
    expect(onNewMail).not.toHaveBeenCalled();
    client.setQueryData(mailboxKeys.list(), { mailboxes: [] });
    client.setQueryData(mailboxKeys.window('Other', view, 0), { messages: [] });

    es.emit('mailbox', { type: 'exists', path: 'INBOX', count: 3 });
    expect(client.getQueryState(mailboxKeys.list())?.isInvalidated).toBe(true);
    expect(client.getQueryState(mailboxKeys.window('INBOX', view, 0))?.isInvalidated).toBe(true);
    expect(client.getQueryState(mailboxKeys.window('Other', view, 0))?.isInvalidated).toBe(false);
    expect(onNewMail).toHaveBeenCalledWith({ type: 'exists', path: 'INBOX', count: 3 });

    client.setQueryData(mailboxKeys.window('Other', view, 0), { messages: [] });
    expect(client.getQueryState(mailboxKeys.window('Other', view, 0))?.isInvalidated).toBe(false);
    es.emit('mailbox', { type: 'flags', path: 'Other', uid: 4 });
    expect(client.getQueryState(mailboxKeys.window('Other', view, 0))?.isInvalidated).toBe(true);
    expect(onNewMail).toHaveBeenCalledTimes(1);
    es.emit('mailbox', 'not json {');
    // …and once more a moment later, when the BFF's own connection has certainly seen the change.
    client.setQueryData(mailboxKeys.window('INBOX', view, 0), { messages: [] });
    vi.advanceTimersByTime(SETTLE_REFETCH_MS);
    expect(client.getQueryState(mailboxKeys.window('INBOX', view, 0))?.isInvalidated).toBe(true);
    stop();
    expect(es.closed).toBe(true);
  });

  it('reconnects with growing backoff after errors and shutdown, and resets it once ready', () => {
    const stop = connectLiveUpdates(new QueryClient());
    const first = FakeEventSource.instances[0]!;
    first.onerror?.();
    expect(first.closed).toBe(true);
    vi.advanceTimersByTime(RECONNECT_MIN_MS - 1);
    expect(FakeEventSource.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.instances).toHaveLength(2);
    FakeEventSource.instances[1]!.emit('shutdown');
    vi.advanceTimersByTime(RECONNECT_MIN_MS);
    expect(FakeEventSource.instances).toHaveLength(2); // now waits twice as long
    vi.advanceTimersByTime(RECONNECT_MIN_MS);
    expect(FakeEventSource.instances).toHaveLength(3);
    FakeEventSource.instances[2]!.emit('ready');
    FakeEventSource.instances[2]!.onerror?.();
    vi.advanceTimersByTime(RECONNECT_MIN_MS);
    expect(FakeEventSource.instances).toHaveLength(4);
    stop();
    FakeEventSource.instances[3]!.onerror?.();
    vi.advanceTimersByTime(60_000);
    expect(FakeEventSource.instances).toHaveLength(4);
  });

  it('refetches everything after a reconnect, not on the first connection', () => {
    const client = new QueryClient();
    client.setQueryData(mailboxKeys.list(), { mailboxes: [] });
    const stop = connectLiveUpdates(client);
    FakeEventSource.instances[0]!.emit('ready');
    expect(client.getQueryState(mailboxKeys.list())?.isInvalidated).toBe(false);
    FakeEventSource.instances[0]!.onerror?.();
    vi.advanceTimersByTime(RECONNECT_MIN_MS);
    FakeEventSource.instances[1]!.emit('ready');
    expect(client.getQueryState(mailboxKeys.list())?.isInvalidated).toBe(true);
    stop();
  });
});
