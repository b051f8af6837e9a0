// Identities (sender name, address, reply-to, signature) kept by the server: GET/POST/PATCH/DELETE /api/identities.
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import type { Identity, IdentityInput, IdentityListResponse, IdentityUpdate } from '@mailroom/shared';
import { api } from '../../lib/http.js';

export const identityKeys = { all: ['identities'] as const };

export const identitiesQuery = () =>
  queryOptions({
    queryKey: identityKeys.all,
    queryFn: ({ signal }) => api.get<IdentityListResponse>('/api/identities', signal),
    staleTime: 5 * 60_000,
    select: (data) => data.identities,
  });

/** The identity used when none is chosen: the default one, else the first. */
export function defaultIdentity(identities: readonly Identity[]): Identity | undefined {
  return identities.find((i) => i.isDefault) ?? identities[0];
}

function identityPath(id: string): string {
  return `/api/identities/${encodeURIComponent(id)}`;
}

export function useSaveIdentity() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: IdentityInput | IdentityUpdate }) =>
      id === null ? api.post<Identity>('/api/identities', input) : api.patch<Identity>(identityPath(id), input),
    // Making one identity the default changes the others: reload the list.
    onSettled: () => queryClient.invalidateQueries({ queryKey: identityKeys.all }),
  });
}

export function useDeleteIdentity() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete<void>(identityPath(id)),
    onSettled: () => queryClient.invalidateQueries({ queryKey: identityKeys.all }),
  });
}
