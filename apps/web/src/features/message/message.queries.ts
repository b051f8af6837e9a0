import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { Attachment, MessageDetail, MessageListResponse } from '@mailroom/shared';
import { fetchImageAsDataUrl } from '../../lib/inline-images.js';
import { api, fetchText, mailboxPath } from '../../lib/http.js';
import { mailboxKeys } from '../mailbox/mailbox.queries.js';

export const messageKeys = {
  all: ['message'] as const,
  detail: (mailbox: string, uid: number) => [...messageKeys.all, mailbox, uid] as const,
};

export function messageUrl(mailbox: string, uid: number): string {
  return `${mailboxPath(mailbox)}/messages/${uid}`;
}

export const messageDetailQuery = (mailbox: string, uid: number) =>
  queryOptions({
    queryKey: messageKeys.detail(mailbox, uid),
    // peek: opening does not mark \Seen; the reading pane does after the configured delay.
    queryFn: ({ signal }) => api.get<MessageDetail>(`${messageUrl(mailbox, uid)}?peek=1`, signal),
    // Content never changes; flags are kept up to date by our own mutations.
    staleTime: Infinity,
  });

export const messageHeadersQuery = (mailbox: string, uid: number) =>
  queryOptions({
    queryKey: [...messageKeys.detail(mailbox, uid), 'headers'] as const,
    queryFn: ({ signal }) => api.get<{ headers: Array<{ name: string; value: string }> }>(`${messageUrl(mailbox, uid)}/headers`, signal),
    staleTime: Infinity,
  });

export const messageSourceQuery = (mailbox: string, uid: number) =>
  queryOptions({
    queryKey: [...messageKeys.detail(mailbox, uid), 'source'] as const,
    queryFn: ({ signal }) => fetchText(`${messageUrl(mailbox, uid)}/source`, signal),
    staleTime: Infinity,
    gcTime: 60_000,
  });

export const attachmentTextQuery = (attachment: Attachment) =>
  queryOptions({
    queryKey: ['attachment-text', attachment.url] as const,
    queryFn: ({ signal }) => fetchText(attachment.url, signal),
    staleTime: Infinity,
    retry: false,
  });

export interface FlagChange {
  seen?: boolean;
  flagged?: boolean;
}

/** Applies a flag change to every cached copy of a message (detail and list pages). */
export function applyFlagChange(queryClient: QueryClient, mailbox: string, uid: number, change: FlagChange): void {
  queryClient.setQueryData<MessageDetail>(messageKeys.detail(mailbox, uid), (old) => (old ? { ...old, ...change } : old));
  queryClient.setQueriesData<Pick<MessageListResponse, 'messages'>>({ queryKey: mailboxKeys.messagesOf(mailbox) }, (old) =>
    old && Array.isArray(old.messages)
      ? { ...old, messages: old.messages.map((m) => (m.uid === uid ? { ...m, ...change } : m)) }
      : old,
  );
}

/** An inline image attachment as a data: URL (null when it cannot be shown). */
export const inlineImageQuery = (attachment: Attachment) =>
  queryOptions({
    queryKey: ['inline-image', attachment.url] as const,
    queryFn: ({ signal }) => fetchImageAsDataUrl(attachment.url, attachment.contentType, signal),
    staleTime: Infinity,
    gcTime: 5 * 60_000,
    retry: false,
  });
