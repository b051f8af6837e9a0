import { useEffect, useRef } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FlagsUpdateRequest, MessageDetail } from '@mailroom/shared';
import { api } from '../../lib/http.js';
import { mailboxKeys } from '../mailbox/mailbox.queries.js';
import { applyFlagChange, messageDetailQuery, messageKeys, messageUrl } from './message.queries.js';

/** Loads one message without marking it read (see useMarkReadAfter). */
export function useMessage(mailbox: string | null, uid: number | null) {
  return useQuery({
    ...messageDetailQuery(mailbox ?? '', uid ?? 0),
    enabled: mailbox !== null && uid !== null,
  });
}

export function useUpdateFlags(mailbox: string, uid: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (change: FlagsUpdateRequest) => api.patch<void>(messageUrl(mailbox, uid), change),
    onMutate: (change) => {
      const before = queryClient.getQueryData<MessageDetail>(messageKeys.detail(mailbox, uid));
      applyFlagChange(queryClient, mailbox, uid, change);
      return { before };
    },
    onError: (_err, change, context) => {
      // Put back what the server still has.
      const revert: FlagsUpdateRequest = {};
      if (change.seen !== undefined) revert.seen = context?.before?.seen ?? !change.seen;
      if (change.flagged !== undefined) revert.flagged = context?.before?.flagged ?? !change.flagged;
      applyFlagChange(queryClient, mailbox, uid, revert);
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: mailboxKeys.list() });
    },
  });
}

/**
 * Marks an open, unread message as read after `delayMs` (0 = at once, negative = never). Runs once per
 * opened message, so marking it unread again while reading sticks.
 */
export function useMarkReadAfter(message: MessageDetail, delayMs: number, markRead: () => void) {
  const done = useRef<string | null>(null);
  const key = `${message.mailbox}/${message.uid}`;
  const seen = message.seen;
  const markRef = useRef(markRead);
  useEffect(() => {
    markRef.current = markRead;
  });
  useEffect(() => {
    if (done.current === key || delayMs < 0) return;
    if (seen) {
      done.current = key;
      return;
    }
    const timer = setTimeout(() => {
      done.current = key;
      markRef.current();
    }, delayMs);
    return () => clearTimeout(timer);
  }, [key, seen, delayMs]);
}
