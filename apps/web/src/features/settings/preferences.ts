// User preferences: stored by the server (GET/PATCH /api/preferences); theme and language are also
// remembered on the device so the first paint (and the sign-in page) already uses them.
import { useEffect } from 'react';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../lib/http.js';
import { isLanguage, setLanguage, i18n, type Language } from '../../lib/i18n.js';

export type Theme = 'system' | 'light' | 'dark';

export interface Preferences {
  markReadDelayMs: number;
  conversationView: boolean;
  theme: Theme;
  language: Language;
  remoteContentSenders: string[];
  /** The editor compose opens with: rich text (HTML) or plain text. */
  composeFormat: 'html' | 'text';
  /** How long a sent message is held so it can be undone (0 = send at once). */
  undoSendDelayMs: number;
}

/** The undo-send delays offered in the settings. */
export const UNDO_SEND_DELAYS_MS = [0, 5000, 10000, 20000, 30000] as const;

export const THEME_STORAGE_KEY = 'mailroom.theme';

export function isTheme(value: unknown): value is Theme {
  return value === 'system' || value === 'light' || value === 'dark';
}

export function storedTheme(): Theme {
  try {
    const v = localStorage.getItem(THEME_STORAGE_KEY);
    return isTheme(v) ? v : 'system';
  } catch {
    return 'system';
  }
}

/** Applies a theme to the document (data-theme on <html>; "system" follows prefers-color-scheme). */
export function applyTheme(theme: Theme): void {
  try {
    localStorage.setItem(THEME_STORAGE_KEY, theme);
  } catch {
    // ignore: the theme still applies to this tab
  }
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}

export function defaultPreferences(): Preferences {
  return {
    markReadDelayMs: 0,
    conversationView: false,
    theme: storedTheme(),
    language: isLanguage(i18n.language) ? i18n.language : 'en',
    remoteContentSenders: [],
    composeFormat: 'html',
    undoSendDelayMs: 10_000,
  };
}

export const preferencesKeys = { all: ['preferences'] as const };

async function fetchPreferences(signal?: AbortSignal): Promise<Preferences> {
  try {
    const fromServer = await api.get<Partial<Preferences>>('/api/preferences', signal);
    return { ...defaultPreferences(), ...fromServer };
  } catch (err) {
    // A server without the preferences endpoint: device defaults.
    if (err instanceof ApiError && err.status === 404) return defaultPreferences();
    throw err;
  }
}

export const preferencesQuery = () =>
  queryOptions({
    queryKey: preferencesKeys.all,
    queryFn: ({ signal }) => fetchPreferences(signal),
    staleTime: 5 * 60_000,
  });

export function usePreferences(): Preferences {
  const query = useQuery(preferencesQuery());
  return query.data ?? defaultPreferences();
}

function applyLocal(change: Partial<Preferences>) {
  if (change.theme) applyTheme(change.theme);
  if (change.language) setLanguage(change.language);
}

export function useUpdatePreferences() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (change: Partial<Preferences>) => {
      try {
        return await api.patch<Preferences>('/api/preferences', change);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return undefined;
        throw err;
      }
    },
    onMutate: (change) => {
      const before = queryClient.getQueryData<Preferences>(preferencesKeys.all) ?? defaultPreferences();
      queryClient.setQueryData<Preferences>(preferencesKeys.all, { ...before, ...change });
      applyLocal(change);
      return { before };
    },
    onSuccess: (saved) => {
      if (saved) queryClient.setQueryData<Preferences>(preferencesKeys.all, (old) => ({ ...(old ?? defaultPreferences()), ...saved }));
    },
    onError: (_err, _change, context) => {
      if (context) {
        queryClient.setQueryData(preferencesKeys.all, context.before);
        applyLocal(context.before);
      }
    },
  });
}

/** Keeps document theme and language in line with the loaded preferences. */
export function useApplyPreferences(preferences: Preferences): void {
  const { theme, language } = preferences;
  useEffect(() => {
    if ((document.documentElement.dataset.theme ?? 'system') !== theme) applyTheme(theme);
  }, [theme]);
  useEffect(() => {
    if (i18n.language !== language && isLanguage(language)) setLanguage(language);
  }, [language]);
}
