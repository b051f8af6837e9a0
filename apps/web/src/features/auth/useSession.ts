import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { LoginRequest, SessionResponse } from '@mailroom/shared';
import { api } from '../../lib/http.js';
import { authKeys, sessionQuery, type Session } from './auth.queries.js';
import { DEFAULT_VIEW } from '../../lib/api-types.js';
import { WINDOW_SIZE, mailboxKeys, mailboxListQuery, prefetchFirstPage } from '../mailbox/mailbox.queries.js';
import type { MessageWindow } from '../../lib/api-types.js';
import { defaultPreferences, preferencesKeys, preferencesQuery, type Preferences } from '../settings/preferences.js';

export function useSession() {
  return useQuery(sessionQuery());
}

export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: LoginRequest) => api.post<SignInResponse>('/api/session', body),
    onSuccess: (session) => {
      // The first page's requests go out now, together, not after the app has rendered. The
      // preferences (no IMAP, quick) come first: they say whether the list shows conversations.
      // The sign-in answer carries them; an older server's does not: then ask.
      if (session.preferences) {
        const preferences: Preferences = { ...defaultPreferences(), ...(session.preferences as Partial<Preferences>) };
        queryClient.setQueryData<Preferences>(preferencesKeys.all, preferences);
        const view = { ...DEFAULT_VIEW, threads: preferences.conversationView };
        const inbox = session.inbox;
        if (inbox && inbox.offset === 0 && inbox.limit === WINDOW_SIZE && inbox.sort === view.sort && inbox.order === view.order) {
          // A returning sign-in with INBOX unchanged: its first window came with the answer.
          queryClient.setQueryData<MessageWindow>(mailboxKeys.window('INBOX', view, 0), inbox);
          void queryClient.prefetchQuery(mailboxListQuery());
        } else {
          prefetchFirstPage(queryClient, view);
        }
      } else {
        void queryClient
          .fetchQuery(preferencesQuery())
          .catch(() => undefined)
          .then((preferences) => prefetchFirstPage(queryClient, { ...DEFAULT_VIEW, threads: preferences?.conversationView ?? false }));
      }
      const { inbox: _inbox, ...signedIn } = session;
      queryClient.setQueryData<Session>(authKeys.session, signedIn);
    },
  });
}

/**
 * The sign-in answer: the session, the user's preferences, and INBOX's first window (with
 * preview snippets) when the server had it stored for exactly INBOX's current state.
 */
type SignInResponse = SessionResponse & { inbox?: MessageWindow & { sort?: string; order?: string } };

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.delete<void>('/api/session'),
    onSettled: () => {
      // Forget every cached mailbox and message of this user, signed out or not.
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== authKeys.session[0] });
      queryClient.setQueryData<Session>(authKeys.session, null);
    },
  });
}
