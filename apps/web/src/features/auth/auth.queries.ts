import { queryOptions } from '@tanstack/react-query';
import type { SessionResponse } from '@mailroom/shared';
import { api, ApiError } from '../../lib/http.js';

export const authKeys = {
  session: ['session'] as const,
};

/** The signed-in user, or null when signed out (GET /api/session answers 401). */
export type Session = SessionResponse | null;

export async function fetchSession(signal?: AbortSignal): Promise<Session> {
  try {
    return await api.get<SessionResponse>('/api/session', signal);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export const sessionQuery = () =>
  queryOptions({
    queryKey: authKeys.session,
    queryFn: ({ signal }) => fetchSession(signal),
    staleTime: 5 * 60_000,
    retry: (count, err) => !(err instanceof ApiError && err.status > 0 && err.status < 500) && count < 2,
  });
