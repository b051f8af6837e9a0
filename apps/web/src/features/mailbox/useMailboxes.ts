import { useQuery } from '@tanstack/react-query';
import { mailboxListQuery, messageListQuery } from './mailbox.queries.js';

export function useMailboxes() {
  return useQuery(mailboxListQuery());
}

export function useMessages(mailbox: string | null, page: number) {
  return useQuery({ ...messageListQuery(mailbox ?? '', page), enabled: mailbox !== null });
}
