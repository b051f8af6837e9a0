import { queryOptions } from '@tanstack/react-query';
import type { MailboxListResponse } from '@mailroom/shared';
import { api, mailboxPath } from '../../lib/http.js';
import type { Folder, ListView, MessageWindow, Quota, ThreadResponse } from '../../lib/api-types.js';

/** Rows fetched per request while scrolling the message list. */
export const WINDOW_SIZE = 100;

export const mailboxKeys = {
  all: ['mailboxes'] as const,
  list: () => [...mailboxKeys.all, 'list'] as const,
  listAll: () => [...mailboxKeys.all, 'list', 'all'] as const,
  messagesOf: (mailbox: string) => [...mailboxKeys.all, 'messages', mailbox] as const,
  view: (mailbox: string, view: ListView) => [...mailboxKeys.messagesOf(mailbox), 'view', view] as const,
  window: (mailbox: string, view: ListView, index: number) => [...mailboxKeys.view(mailbox, view), index] as const,
  thread: (mailbox: string, threadId: string) => [...mailboxKeys.messagesOf(mailbox), 'thread', threadId] as const,
  quota: ['quota'] as const,
};

export const mailboxListQuery = () =>
  queryOptions({
    queryKey: mailboxKeys.list(),
    queryFn: ({ signal }) => api.get<MailboxListResponse & { mailboxes: Folder[] }>('/api/mailboxes', signal),
    staleTime: 30_000,
  });

/** Every folder, subscribed or not (folder management). */
export const allMailboxesQuery = () =>
  queryOptions({
    queryKey: mailboxKeys.listAll(),
    queryFn: ({ signal }) => api.get<{ mailboxes: Folder[] }>('/api/mailboxes?all=1', signal),
  });

/** Every UID of a view, for "select all" beyond the loaded rows. */
export async function fetchAllUids(mailbox: string, view: ListView): Promise<number[]> {
  const params = new URLSearchParams({ sort: view.sort, order: view.order });
  if (view.q.trim()) params.set('q', view.q.trim());
  return (await api.get<{ uids: number[] }>(`${mailboxPath(mailbox)}/uids?${params.toString()}`)).uids;
}

export function windowUrl(mailbox: string, view: ListView, index: number): string {
  const params = new URLSearchParams({
    offset: String(index * WINDOW_SIZE),
    limit: String(WINDOW_SIZE),
    sort: view.sort,
    order: view.order,
  });
  if (view.q.trim()) params.set('q', view.q.trim());
  if (view.threads) params.set('threads', '1');
  return `${mailboxPath(mailbox)}/messages?${params.toString()}`;
}

/** One window of WINDOW_SIZE rows of a folder in a given sort order. */
export const messageWindowQuery = (mailbox: string, view: ListView, index: number) =>
  queryOptions({
    queryKey: mailboxKeys.window(mailbox, view, index),
    queryFn: ({ signal }) => api.get<MessageWindow>(windowUrl(mailbox, view, index), signal),
    staleTime: 15_000,
  });

export const threadQuery = (mailbox: string, threadId: string) =>
  queryOptions({
    queryKey: mailboxKeys.thread(mailbox, threadId),
    queryFn: ({ signal }) =>
      api.get<ThreadResponse>(`${mailboxPath(mailbox)}/threads/${encodeURIComponent(threadId)}`, signal),
    staleTime: 15_000,
  });

export const quotaQuery = () =>
  queryOptions({
    queryKey: mailboxKeys.quota,
    queryFn: ({ signal }) => api.get<Quota>('/api/quota', signal),
    staleTime: 60_000,
    retry: false,
  });
