// Compose: the API calls (prefill, drafts, sending, outbox, uploads) and query options. Type-only
// imports from the contract so this module stays small (the dialog itself is a lazy chunk).
import { queryOptions } from '@tanstack/react-query';
import type {
  CancelSendResponse,
  ComposeLimits,
  ComposeStateInput,
  ComposeStateResponse,
  ContactListResponse,
  IdentityListResponse,
  OutboxItem,
  PrefillRequest,
  SaveDraftResponse,
  SendMessageRequest,
  SendMessageResponse,
} from '@mailroom/shared';
import { api, apiRequest } from '../../lib/http.js';

export const composeKeys = {
  limits: ['compose', 'limits'] as const,
  identities: ['identities', 'compose'] as const,
  contacts: (q: string) => ['contacts', 'search', q] as const,
};

export const limitsQuery = () =>
  queryOptions({
    queryKey: composeKeys.limits,
    queryFn: ({ signal }) => api.get<ComposeLimits>('/api/compose/limits', signal),
    staleTime: 10 * 60_000,
  });

export const identitiesQuery = () =>
  queryOptions({
    queryKey: composeKeys.identities,
    queryFn: ({ signal }) => api.get<IdentityListResponse>('/api/identities', signal),
    staleTime: 60_000,
  });

export const contactsQuery = (q: string) =>
  queryOptions({
    queryKey: composeKeys.contacts(q),
    queryFn: ({ signal }) => api.get<ContactListResponse>(`/api/contacts?q=${encodeURIComponent(q)}&limit=8`, signal),
    staleTime: 30_000,
  });

export const composeApi = {
  prefill: (request: PrefillRequest) => api.post<ComposeStateResponse>('/api/compose/prefill', request),
  saveDraft: (state: ComposeStateInput) => apiRequest<SaveDraftResponse>('/api/drafts', { method: 'PUT', body: state }),
  deleteDraft: (uid: number) => api.delete<void>(`/api/drafts/${uid}`),
  send: (request: SendMessageRequest) => api.post<SendMessageResponse>('/api/messages/send', request),
  outboxItem: (id: string) => api.get<OutboxItem>(`/api/outbox/${encodeURIComponent(id)}`),
  cancelSend: (id: string) => api.delete<CancelSendResponse>(`/api/outbox/${encodeURIComponent(id)}`),
  deleteUpload: (id: string) => api.delete<void>(`/api/uploads/${encodeURIComponent(id)}`),
};
