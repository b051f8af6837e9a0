import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { MailboxListResponse } from '@mailroom/shared';
import { api, mailboxPath } from '../../lib/http.js';
import { DEFAULT_VIEW, type Folder, type ListView, type MessageWindow, type Quota, type ThreadResponse } from '../../lib/api-types.js';

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

/** A window's URL; `previews: false` asks for the rows without their preview snippets. */
export function windowUrl(mailbox: string, view: ListView, index: number, options: { previews?: boolean } = {}): string {
  const params = new URLSearchParams({
    offset: String(index * WINDOW_SIZE),
    limit: String(WINDOW_SIZE),
    sort: view.sort,
    order: view.order,
  });
  if (view.q.trim()) params.set('q', view.q.trim());
  if (view.threads) params.set('threads', '1');
  if (options.previews === false) params.set('previews', '0');
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

/**
 * Right after sign-in, before the app has even rendered: asks for what the first page shows, all
 * at once instead of one after the other (the folder list used to come first, then the window of
 * the folder it named). INBOX is where the app opens; its first window is asked for twice: without
 * preview snippets, shown as soon as it comes (a fresh IMAP session's first body fetch is the
 * slow part on some servers, e.g. ~0.2 s on Dovecot with a 100,000-message Maildir), and with
 * them, which then replaces it.
 */
export function prefetchFirstPage(queryClient: QueryClient, view: ListView = DEFAULT_VIEW) {
  const mailbox = 'INBOX';
  const key = mailboxKeys.window(mailbox, view, 0);
  let full = false;
  void api
    .get<MessageWindow>(windowUrl(mailbox, view, 0, { previews: false }))
    .then((rows) => {
      if (!full && queryClient.getQueryData(key) === undefined) queryClient.setQueryData(key, rows);
    })
    .catch(() => undefined);
  void queryClient.prefetchQuery(messageWindowQuery(mailbox, view, 0)).finally(() => (full = true));
  void queryClient.prefetchQuery(mailboxListQuery());
}

