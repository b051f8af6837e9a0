import { useEffect } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FlagsUpdateRequest, MessageDetail } from '@mailroom/shared';
import { api } from '../../lib/http.js';
import { mailboxKeys } from '../mailbox/mailbox.queries.js';
import { applyFlagChange, messageDetailQuery, messageKeys, messageUrl } from './message.queries.js';

/**
 * Loads one message. Opening a message marks it \Seen: the server does so on GET; when the message
 * comes from the cache (and was marked unread meanwhile) we PATCH it. List and counts follow.
 */
export function useMessage(mailbox: string | null, uid: number | null) {
  const queryClient = useQueryClient();
  const query = useQuery({
    ...messageDetailQuery(mailbox ?? '', uid ?? 0),
    enabled: mailbox !== null && uid !== null,
  });
  const loadedUid = query.data?.uid;
  useEffect(() => {
    if (mailbox === null || loadedUid === undefined) return;
    const cached = queryClient.getQueryData<MessageDetail>(messageKeys.detail(mailbox, loadedUid));
    applyFlagChange(queryClient, mailbox, loadedUid, { seen: true });
    const done = () => void queryClient.invalidateQueries({ queryKey: mailboxKeys.list() });
    if (cached && !cached.seen) {
      api.patch<void>(messageUrl(mailbox, loadedUid), { seen: true }).then(done, done);
    } else {
      done();
    }
  }, [queryClient, mailbox, loadedUid]);
  return query;
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
