import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError } from '../lib/http.js';
import { authKeys } from '../features/auth/auth.queries.js';

function shouldRetry(failureCount: number, error: unknown): boolean {
  // Client errors (bad request, signed out, not found …) do not get better by retrying.
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

/** One query client per app; a 401 from any call means the session ended: show the sign-in page. */
export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: (error) => onUnauthorized(error) }),
    mutationCache: new MutationCache({ onError: (error) => onUnauthorized(error) }),
    defaultOptions: {
      queries: { retry: shouldRetry, refetchOnWindowFocus: true },
      mutations: { retry: false },
    },
  });
  function onUnauthorized(error: unknown) {
    if (error instanceof ApiError && error.status === 401 && error.code !== 'invalid_credentials') {
      client.setQueryData(authKeys.session, null);
    }
  }
  return client;
}
