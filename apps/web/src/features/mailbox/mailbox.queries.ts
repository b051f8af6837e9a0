import { queryOptions } from '@tanstack/react-query';
import type { MailboxListResponse, MessageListResponse } from '@mailroom/shared';
import { api, mailboxPath } from '../../lib/http.js';

/** Page size of the message list (the API's default). */
export const MESSAGE_PAGE_SIZE = 50;

export const mailboxKeys = {
  all: ['mailboxes'] as const,
  list: () => [...mailboxKeys.all, 'list'] as const,
  messagesOf: (mailbox: string) => [...mailboxKeys.all, 'messages', mailbox] as const,
  messages: (mailbox: string, page: number) => [...mailboxKeys.messagesOf(mailbox), page] as const,
};

export const mailboxListQuery = () =>
  queryOptions({
    queryKey: mailboxKeys.list(),
    queryFn: ({ signal }) => api.get<MailboxListResponse>('/api/mailboxes', signal),
    staleTime: 30_000,
  });

export const messageListQuery = (mailbox: string, page: number) =>
  queryOptions({
    queryKey: mailboxKeys.messages(mailbox, page),
    queryFn: ({ signal }) =>
      api.get<MessageListResponse>(`${mailboxPath(mailbox)}/messages?page=${page}&pageSize=${MESSAGE_PAGE_SIZE}`, signal),
    // While the next page loads, keep showing the current one (but never another folder's messages).
    placeholderData: (previous, previousQuery) =>
      previousQuery && previousQuery.queryKey[2] === mailbox ? previous : undefined,
    staleTime: 15_000,
  });
