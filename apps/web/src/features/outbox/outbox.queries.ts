// The server-side outbox: messages held for undo send, scheduled (send later) and failed sends.
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import type { CancelSendResponse, OutboxItem, OutboxListResponse } from '@mailroom/shared';
import { api } from '../../lib/http.js';

export const outboxKeys = { all: ['outbox'] as const };

/** Items shown to the user: waiting to go out (undo window or scheduled), going out, or failed. */
export function isOpenItem(item: OutboxItem): boolean {
  return item.status === 'pending' || item.status === 'sending' || item.status === 'failed';
}

export const outboxQuery = () =>
  queryOptions({
    queryKey: outboxKeys.all,
    queryFn: ({ signal }) => api.get<OutboxListResponse>('/api/outbox', signal),
    select: (data) => data.items.filter(isOpenItem).sort((a, b) => a.sendAt.localeCompare(b.sendAt)),
    staleTime: 30_000,
    // The `outbox` event refreshes it (sent, failed); compose invalidates it after a send. A poll covers
    // a stream that is down: every 30 s while something waits, else every 2 minutes.
    refetchInterval: (query) => (query.state.data?.items.some((i) => i.status === 'pending' || i.status === 'sending') ? 30_000 : 120_000),
  });

/** Cancels a send (undo, or a scheduled/failed one): the message comes back to reopen in compose. */
export function useCancelSend() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete<CancelSendResponse>(`/api/outbox/${encodeURIComponent(id)}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: outboxKeys.all }),
  });
}
