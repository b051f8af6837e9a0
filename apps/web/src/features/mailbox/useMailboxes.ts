import { useCallback, useMemo, useState } from 'react';
import { useMutation, useQueries, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { MailboxListResponse } from '@mailroom/shared';
import { api, mailboxPath } from '../../lib/http.js';
import {
  REMOVING_ACTIONS,
  type ActionRequest,
  type ActionResponse,
  type Folder,
  type ListView,
  type MessageRow,
  type MessageWindow,
  type UndoInfo,
} from '../../lib/api-types.js';
import { WINDOW_SIZE, mailboxKeys, mailboxListQuery, messageWindowQuery } from './mailbox.queries.js';
import { messageKeys } from '../message/message.queries.js';
import { preferencesQuery } from '../settings/preferences.js';

/**
 * Until the folder list has come: INBOX alone (every IMAP account has one, RFC 3501), so that the
 * app opens INBOX and asks for its rows at once instead of after the list (folder counts follow).
 */
const INBOX_ONLY: MailboxListResponse & { mailboxes: Folder[] } = {
  mailboxes: [{ path: 'INBOX', name: 'INBOX', delimiter: null, specialUse: '\\Inbox', total: 0, unseen: 0, subscribed: true, parent: null, flags: [] }],
};

export function useMailboxes() {
  return useQuery({ ...mailboxListQuery(), placeholderData: INBOX_ONLY });
}

export interface MessageRows {
  total: number;
  /** True once the first window has answered (total is known). */
  ready: boolean;
  isFetching: boolean;
  error: Error | null;
  refetch: () => void;
  rowAt: (index: number) => MessageRow | undefined;
  indexOfUid: (uid: number) => number;
  /** Tells which rows are on screen; the windows covering them are loaded. */
  setRange: (start: number, end: number) => void;
}

/**
 * The rows of a folder, fetched by windows of WINDOW_SIZE as they come into view (and kept in the
 * query cache), so that a 100,000-message folder scrolls without pages.
 */
export function useMessageRows(mailbox: string | null, view: ListView): MessageRows {
  const [range, setRangeState] = useState({ start: 0, end: 0 });
  const first = Math.floor(range.start / WINDOW_SIZE);
  const last = Math.floor(range.end / WINDOW_SIZE);
  const indexes = useMemo(() => {
    const set = new Set<number>([0]);
    for (let i = first; i <= last && i - first < 5; i++) set.add(i);
    return [...set];
  }, [first, last]);
  // The view depends on a preference (conversations on or off): no window before it is known.
  const preferences = useQuery(preferencesQuery());
  const results = useQueries({
    queries: indexes.map((i) => ({ ...messageWindowQuery(mailbox ?? '', view, i), enabled: mailbox !== null && !preferences.isPending })),
  });
  const windows = new Map<number, MessageWindow>();
  results.forEach((r, n) => {
    const index = indexes[n];
    if (r.data && index !== undefined) windows.set(index, r.data);
  });
  const queryClient = useQueryClient();
  const head = results[0];
  const total = head?.data?.total ?? 0;

  const windowOf = (index: number): MessageWindow | undefined =>
    windows.get(index) ??
    (mailbox === null ? undefined : queryClient.getQueryData<MessageWindow>(mailboxKeys.window(mailbox, view, index)));

  const rowAt = (index: number) => {
    if (index < 0 || index >= total) return undefined;
    return windowOf(Math.floor(index / WINDOW_SIZE))?.messages[index % WINDOW_SIZE];
  };

  const indexOfUid = (uid: number) => {
    const windowCount = Math.ceil(total / WINDOW_SIZE);
    for (let w = 0; w < windowCount; w++) {
      const data = windowOf(w);
      const at = data?.messages.findIndex((m) => m.uid === uid) ?? -1;
      if (at >= 0) return w * WINDOW_SIZE + at;
    }
    return -1;
  };

  const setRange = useCallback((start: number, end: number) => {
    setRangeState((old) => (old.start === start && old.end === end ? old : { start, end }));
  }, []);

  const failed = results.find((r) => r.isError);
  return {
    total,
    ready: Boolean(head?.data),
    isFetching: results.some((r) => r.isFetching),
    error: failed?.error ?? null,
    refetch: () => results.forEach((r) => void r.refetch()),
    rowAt,
    indexOfUid,
    setRange,
  };
}

function patchRows(queryClient: QueryClient, mailbox: string, uids: readonly number[], change: (m: MessageRow) => MessageRow | null) {
  const set = new Set(uids);
  queryClient.setQueriesData<{ messages: MessageRow[]; total?: number }>({ queryKey: mailboxKeys.messagesOf(mailbox) }, (old) => {
    if (!old || !Array.isArray(old.messages)) return old;
    let removed = 0;
    const messages: MessageRow[] = [];
    for (const m of old.messages) {
      if (!set.has(m.uid)) {
        messages.push(m);
        continue;
      }
      const next = change(m);
      if (next) messages.push(next);
      else removed++;
    }
    return { ...old, messages, ...(typeof old.total === 'number' ? { total: Math.max(0, old.total - removed) } : {}) };
  });
  for (const uid of uids) {
    queryClient.setQueryData<MessageRow>(messageKeys.detail(mailbox, uid), (old) => {
      if (!old) return old;
      return change(old) ?? old;
    });
  }
}

function optimistic(request: ActionRequest): (m: MessageRow) => MessageRow | null {
  switch (request.action) {
    case 'read':
      return (m) => ({ ...m, seen: true });
    case 'unread':
      return (m) => ({ ...m, seen: false });
    case 'flag':
      return (m) => ({ ...m, flagged: true });
    case 'unflag':
      return (m) => ({ ...m, flagged: false });
    case 'addKeyword':
      return (m) => ({ ...m, keywords: [...new Set([...(m.keywords ?? []), request.keyword ?? ''])].filter(Boolean) });
    case 'removeKeyword':
      return (m) => ({ ...m, keywords: (m.keywords ?? []).filter((k) => k !== request.keyword) });
    default:
      return REMOVING_ACTIONS.has(request.action) ? () => null : (m) => m;
  }
}

export function actionsUrl(mailbox: string): string {
  return `${mailboxPath(mailbox)}/messages/actions`;
}

/** Bulk message actions on one folder, applied optimistically; the lists are refetched afterwards. */
export function useMessageActions(mailbox: string | null) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (request: ActionRequest) => api.post<ActionResponse | undefined>(actionsUrl(mailbox ?? ''), request),
    onMutate: async (request) => {
      if (mailbox === null) return;
      await queryClient.cancelQueries({ queryKey: mailboxKeys.messagesOf(mailbox) });
      patchRows(queryClient, mailbox, request.uids, optimistic(request));
    },
    onSettled: (_data, _err, request) => {
      if (mailbox === null) return;
      void queryClient.invalidateQueries({ queryKey: mailboxKeys.list() });
      void queryClient.invalidateQueries({ queryKey: mailboxKeys.messagesOf(mailbox) });
      if (request.destination) void queryClient.invalidateQueries({ queryKey: mailboxKeys.messagesOf(request.destination) });
      if (request.action === 'delete') void queryClient.invalidateQueries({ queryKey: mailboxKeys.quota });
    },
  });
}

/** Undoes a delete, move or archive: moves the messages back where they came from. */
export function useUndo() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (undo: UndoInfo) =>
      api.post<ActionResponse | undefined>(actionsUrl(undo.mailbox), { uids: undo.uids, action: 'move', destination: undo.destination }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: mailboxKeys.all }),
  });
}

export type FolderChange =
  | { kind: 'create'; path: string }
  | { kind: 'rename'; path: string; to: string }
  | { kind: 'subscribe'; path: string; subscribed: boolean }
  | { kind: 'delete'; path: string }
  | { kind: 'empty'; path: string };

export function useFolderChange() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (change: FolderChange) => {
      switch (change.kind) {
        case 'create':
          return api.post<unknown>('/api/mailboxes', { path: change.path });
        case 'rename':
          return api.patch<unknown>(mailboxPath(change.path), { path: change.to });
        case 'subscribe':
          return api.patch<unknown>(mailboxPath(change.path), { subscribed: change.subscribed });
        case 'delete':
          return api.delete<unknown>(mailboxPath(change.path));
        case 'empty':
          return api.post<unknown>(`${mailboxPath(change.path)}/empty`);
      }
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: mailboxKeys.all });
      void queryClient.invalidateQueries({ queryKey: mailboxKeys.quota });
    },
  });
}
