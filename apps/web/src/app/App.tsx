import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { SignInPage } from '../features/auth/SignInPage.js';
import { useSession, useSignOut } from '../features/auth/useSession.js';
import { FolderPane } from '../features/mailbox/FolderPane.js';
import { MailboxView } from '../features/mailbox/MailboxView.js';
import { useFolderChange, useMailboxes, useMessageActions, useMessageRows, useUndo } from '../features/mailbox/useMailboxes.js';
import { defaultFolder, folderDisplayName } from '../features/mailbox/folders.js';
import type { RowClick } from '../features/mailbox/MessageList.js';
import { ReadingPane, type ReplyKind } from '../features/message/ReadingPane.js';
import { messageKeys } from '../features/message/message.queries.js';
import { fetchAllUids, threadQuery } from '../features/mailbox/mailbox.queries.js';
import { ComposeHost, RecoveryPrompt, useComposeRecovery, useComposer as useComposeController } from '../features/compose/useComposer.js';
import type { PrefillMode } from '@mailroom/shared';
import { useApplyPreferences, usePreferences, useUpdatePreferences } from '../features/settings/preferences.js';
import { Icon } from '../components/Icon/Icon.js';
import { connectLiveUpdates, type MailboxEvent } from '../lib/events.js';
import { DEFAULT_VIEW, REMOVING_ACTIONS, type ListView, type MessageAction, type MessageDetailX, type MessageRow, type ThreadResponse, type UndoInfo } from '../lib/api-types.js';
import { isTypingTarget, shortcutFor } from './shortcuts.js';

const SettingsDialog = lazy(() => import('../features/settings/SettingsDialog.js'));
const ShortcutsDialog = lazy(() => import('../features/settings/ShortcutsDialog.js'));
const FolderManager = lazy(() => import('../features/mailbox/FolderManager.js'));

const STATUS_CLEAR_MS = 10_000;
const NARROW_QUERY = '(max-width: 799px)';

function isNarrow(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia(NARROW_QUERY).matches;
}

function Splash({ children }: { children: ReactNode }) {
  return <main className="splash">{children}</main>;
}

function subscribeHash(cb: () => void) {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

/** "#/message/<mailbox>/<uid>" opens one message in its own window. */
export function parseMessageRoute(hash: string): { mailbox: string; uid: number } | null {
  const m = /^#\/message\/([^/]+)\/(\d+)$/.exec(hash);
  if (!m?.[1] || !m[2]) return null;
  try {
    return { mailbox: decodeURIComponent(m[1]), uid: Number(m[2]) };
  } catch {
    return null;
  }
}

export function App() {
  const session = useSession();
  const { t } = useTranslation();
  const hash = useSyncExternalStore(subscribeHash, () => window.location.hash);
  if (session.isPending) {
    return (
      <Splash>
        <p aria-live="polite">{t('Loading…')}</p>
      </Splash>
    );
  }
  if (session.isError) {
    return (
      <Splash>
        <div role="alert">
          <p>{session.error.message}</p>
          <button type="button" className="btn" onClick={() => void session.refetch()}>
            {t('Try again')}
          </button>
        </div>
      </Splash>
    );
  }
  if (!session.data) return <SignInPage />;
  const route = parseMessageRoute(hash);
  if (route) return <MessageWindow email={session.data.user.email} {...route} />;
  return <MailApp email={session.data.user.email} />;
}

const PREFILL_MODE: Record<ReplyKind, PrefillMode> = {
  reply: 'reply',
  all: 'replyAll',
  forward: 'forward',
  forwardAttachment: 'forwardAttachment',
  editAsNew: 'editAsNew',
  editDraft: 'draft',
};

/** The compose controller plus "reply / forward / … this message" for the reading pane and shortcuts. */
function useComposer() {
  const composer = useComposeController();
  const { openPrefill } = composer;
  const reply = useCallback((kind: ReplyKind, message: MessageDetailX) => openPrefill(PREFILL_MODE[kind], message.mailbox, message.uid), [openPrefill]);
  return { ...composer, reply };
}

/** One message in its own browser window. */
function MessageWindow({ mailbox, uid }: { email: string; mailbox: string; uid: number }) {
  const composer = useComposer();
  const [statusText, setStatusText] = useState('');
  const preferences = usePreferences();
  useApplyPreferences(preferences);
  return (
    <div className="shell is-standalone">
      <div className="panes panes-standalone">
        <ReadingPane mailbox={mailbox} uid={uid} standalone onReply={composer.reply} onBack={() => window.close()} />
      </div>
      <ComposeHost composer={composer} announce={setStatusText} />
      <div className={`toast${statusText ? ' is-visible' : ''}`}>
        <span role="status">{statusText}</span>
      </div>
    </div>
  );
}

interface OpenMessage {
  mailbox: string;
  uid: number;
  threadId: string | null;
}

function MailApp({ email }: { email: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const mailboxes = useMailboxes();
  const signOut = useSignOut();
  const preferences = usePreferences();
  const updatePreferences = useUpdatePreferences();
  useApplyPreferences(preferences);

  const [chosenFolder, setChosenFolder] = useState<string | null>(null);
  const [localView, setLocalView] = useState<Omit<ListView, 'threads'>>(DEFAULT_VIEW);
  const view: ListView = useMemo(() => ({ ...localView, threads: preferences.conversationView }), [localView, preferences.conversationView]);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [anchor, setAnchor] = useState(-1);
  const [cursor, setCursor] = useState(-1);
  const [focusCursor, setFocusCursor] = useState(-1);
  const [open, setOpen] = useState<OpenMessage | null>(null);
  const [focusReading, setFocusReading] = useState(false);
  const [dialog, setDialog] = useState<'settings' | 'shortcuts' | 'folders' | null>(null);
  const [status, setStatus] = useState<{ text: string; undo?: UndoInfo }>({ text: '' });
  const statusTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const searchRef = useRef<HTMLInputElement>(null);
  const composer = useComposer();
  const recovery = useComposeRecovery(composer);

  const list = mailboxes.data?.mailboxes ?? [];
  const folder = chosenFolder ?? defaultFolder(list);
  const currentMailbox = list.find((m) => m.path === folder) ?? null;
  const inDrafts = currentMailbox?.specialUse?.toLowerCase() === '\\drafts';
  const rows = useMessageRows(folder, view);
  const actions = useMessageActions(folder);
  const undo = useUndo();
  const folderChange = useFolderChange();

  const announce = useCallback((text: string, undoInfo?: UndoInfo) => {
    setStatus({ text, undo: undoInfo });
    clearTimeout(statusTimer.current);
    statusTimer.current = setTimeout(() => setStatus({ text: '' }), STATUS_CLEAR_MS);
  }, []);
  useEffect(() => () => clearTimeout(statusTimer.current), []);

  // Live updates and desktop notifications for new mail.
  const listRef = useRef(list);
  useEffect(() => {
    listRef.current = list;
  });
  useEffect(() => {
    const onNewMail = (event: MailboxEvent) => {
      if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
      if (event.path.toUpperCase() !== 'INBOX') return;
      try {
        new Notification(t('New mail'), { body: t('New mail in {{folder}}', { folder: t('Inbox') }), tag: 'mailroom-new-mail' });
      } catch {
        // some browsers only allow notifications from a service worker
      }
    };
    // INBOX is always watched; the folder on screen too (the stream reconnects on a folder change).
    const url = folder && folder.toUpperCase() !== 'INBOX' ? `/api/events?mailbox=${encodeURIComponent(folder)}` : '/api/events';
    return connectLiveUpdates(queryClient, { onNewMail, url });
  }, [queryClient, t, folder]);

  const inboxUnread = list.find((m) => m.path.toUpperCase() === 'INBOX')?.unseen ?? 0;
  useEffect(() => {
    document.title = inboxUnread > 0 ? `(${inboxUnread}) Mailroom` : 'Mailroom';
    return () => {
      document.title = 'Mailroom';
    };
  }, [inboxUnread]);

  const resetSelection = () => {
    setSelected(new Set());
    setAnchor(-1);
    setCursor(-1);
  };

  const selectFolder = (path: string) => {
    setChosenFolder(path);
    resetSelection();
    setOpen(null);
  };

  const onView = useCallback(
    (next: ListView) => {
      if (next.threads !== preferences.conversationView) updatePreferences.mutate({ conversationView: next.threads });
      setLocalView({ sort: next.sort, order: next.order, q: next.q });
      setSelected(new Set());
      setCursor(-1);
      setAnchor(-1);
    },
    [preferences.conversationView, updatePreferences],
  );

  const openRow = (index: number, viaKeyboard: boolean) => {
    const row = rows.rowAt(index);
    if (!row || folder === null) return;
    setCursor(index);
    setAnchor(index);
    setSelected(new Set([row.uid]));
    // A draft opens in compose, exactly as it was left.
    if (inDrafts && (row.mailbox ?? folder) === folder) {
      composer.openPrefill('draft', folder, row.uid);
      return;
    }
    setOpen({ mailbox: row.mailbox ?? folder, uid: row.uid, threadId: (row.threadSize ?? 1) > 1 ? (row.threadId ?? null) : null });
    setFocusReading(viaKeyboard && isNarrow());
  };

  const onClickRow = ({ index, row, shift, toggle }: RowClick) => {
    if (shift && anchor >= 0) {
      const [a, b] = anchor < index ? [anchor, index] : [index, anchor];
      const next = new Set<number>();
      for (let i = a; i <= b; i++) {
        const r = rows.rowAt(i);
        if (r) next.add(r.uid);
      }
      setSelected(next);
      setCursor(index);
      return;
    }
    if (toggle) {
      const next = new Set(selected);
      if (next.has(row.uid)) next.delete(row.uid);
      else next.add(row.uid);
      setSelected(next);
      setAnchor(index);
      setCursor(index);
      return;
    }
    openRow(index, false);
  };

  const onCursor = (index: number, extend: boolean) => {
    const row = rows.rowAt(index);
    setCursor(index);
    setFocusCursor((n) => n + 1);
    if (!row) return;
    if (extend && anchor >= 0) {
      const [a, b] = anchor < index ? [anchor, index] : [index, anchor];
      const next = new Set<number>();
      for (let i = a; i <= b; i++) {
        const r = rows.rowAt(i);
        if (r) next.add(r.uid);
      }
      setSelected(next);
    } else {
      setSelected(new Set([row.uid]));
      setAnchor(index);
    }
  };

  const onSelectAll = (all: boolean) => {
    if (!all) return setSelected(new Set());
    const next = new Set<number>();
    for (let i = 0; i < rows.total; i++) {
      const r = rows.rowAt(i);
      if (r) next.add(r.uid);
    }
    setSelected(next);
    // Rows not loaded yet (a big folder): ask the server for every UID of this view.
    if (next.size < rows.total && folder !== null && !view.threads) {
      fetchAllUids(folder, view).then(
        (uids) => setSelected(new Set(uids)),
        () => undefined,
      );
    }
  };

  const backToList = () => {
    const uid = open?.uid;
    setOpen(null);
    setFocusReading(false);
    if (uid !== undefined) {
      const index = rows.indexOfUid(uid);
      if (index >= 0) {
        setCursor(index);
        setFocusCursor((n) => n + 1);
      }
    }
  };

  const doneText: Partial<Record<MessageAction, string>> = {
    delete: t('Moved to Trash'),
    archive: t('Archived'),
    junk: t('Marked as junk'),
    notjunk: t('Moved to Inbox'),
    move: t('Moved'),
  };

  /** In conversation view a row stands for its whole conversation: act on its messages in this folder. */
  const withConversations = async (uids: number[]): Promise<number[]> => {
    if (!view.threads || folder === null) return uids;
    const out = new Set<number>(uids);
    for (const uid of uids) {
      const row = rows.rowAt(rows.indexOfUid(uid));
      if (!row?.threadId || (row.threadSize ?? 1) < 2) continue;
      try {
        const thread: ThreadResponse = await queryClient.fetchQuery(threadQuery(folder, row.threadId));
        for (const m of thread.messages) if (m.mailbox === folder) out.add(m.uid);
      } catch {
        // the row's own message at least
      }
    }
    return [...out];
  };

  const runAction = (action: MessageAction, uids: number[], destination?: string) => {
    if (folder === null || uids.length === 0) return;
    const removing = REMOVING_ACTIONS.has(action);
    if (removing && open && uids.includes(open.uid) && open.mailbox === folder) setOpen(null);
    if (removing) setSelected(new Set());
    void withConversations(uids).then((all) =>
      actions.mutate(
        { uids: all, action, ...(destination ? { destination } : {}) },
        {
          onSuccess: (response) => {
            if (removing) announce(doneText[action] ?? t('Done'), response?.undo);
          },
          onError: (err) => announce(err.message),
        },
      ),
    );
  };

  const targets = (): number[] => {
    if (selected.size > 0) return [...selected];
    if (open) return [open.uid];
    const row = rows.rowAt(cursor);
    return row ? [row.uid] : [];
  };

  const onUndo = () => {
    const info = status.undo;
    if (!info) return;
    setStatus({ text: '' });
    undo.mutate(info, {
      onSuccess: () => announce(t('Undone')),
      onError: (err) => announce(err.message),
    });
  };

  const openDetail = (): MessageDetailX | undefined =>
    open ? queryClient.getQueryData<MessageDetailX>(messageKeys.detail(open.mailbox, open.uid)) : undefined;

  // Keyboard shortcuts (not while typing, not with Ctrl/Alt/Meta, not under a dialog).
  const handlerRef = useRef<(e: KeyboardEvent) => void>(() => {});
  handlerRef.current = (event: KeyboardEvent) => {
    if (event.defaultPrevented || isTypingTarget(event.target)) return;
    if (dialog !== null || composer.session !== null) return;
    const command = shortcutFor(event);
    if (!command) return;
    const detail = openDetail();
    switch (command) {
      case 'next':
      case 'previous': {
        const from = cursor >= 0 ? cursor : open ? rows.indexOfUid(open.uid) : -1;
        const index = Math.max(0, Math.min(rows.total - 1, command === 'next' ? from + 1 : from - 1));
        if (rows.total === 0) break;
        if (open) openRow(index, false);
        onCursor(index, false);
        break;
      }
      case 'open':
        if (rows.total > 0) openRow(cursor >= 0 ? cursor : 0, true);
        break;
      case 'back':
        if (open) backToList();
        break;
      case 'reply':
      case 'replyAll':
      case 'forward':
        if (detail) composer.reply(command === 'reply' ? 'reply' : command === 'replyAll' ? 'all' : 'forward', detail);
        break;
      case 'compose':
        composer.openNew();
        break;
      case 'delete':
        runAction('delete', targets());
        break;
      case 'archive':
        runAction('archive', targets());
        break;
      case 'flag': {
        const uids = targets();
        const first = uids[0] === undefined ? undefined : rows.rowAt(rows.indexOfUid(uids[0]));
        const flagged = detail && open && uids.length === 1 && uids[0] === open.uid ? detail.flagged : (first?.flagged ?? false);
        runAction(flagged ? 'unflag' : 'flag', uids);
        break;
      }
      case 'search':
        searchRef.current?.focus();
        break;
      case 'help':
        setDialog('shortcuts');
        break;
    }
    event.preventDefault();
  };
  useEffect(() => {
    const listener = (e: KeyboardEvent) => handlerRef.current(e);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);

  const onDragRows = (row: MessageRow) => (selected.has(row.uid) ? [...selected] : [row.uid]);

  const onEmpty = (path: string) => {
    const m = list.find((f) => f.path === path);
    const name = m ? folderDisplayName(m) : path;
    if (!window.confirm(t('Permanently delete every message in {{name}}?', { name }))) return;
    if (path === folder) {
      setOpen(null);
      resetSelection();
    }
    folderChange.mutate({ kind: 'empty', path }, { onSuccess: () => announce(t('{{name}} emptied', { name })), onError: (e) => announce(e.message) });
  };

  return (
    <div className={`shell${open !== null ? ' is-reading' : ''}`}>
      <header className="topbar">
        <div className="brand">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <span>Mailroom</span>
        </div>
        <button type="button" className="btn btn-primary btn-compose" onClick={() => composer.openNew()}>
          <Icon name="pencil" />
          <span>{t('Compose')}</span>
        </button>
        <div className="topbar-user">
          <span className="user-email" title={email}>
            {email}
          </span>
          <button type="button" className="btn btn-icon btn-ghost" aria-label={t('Keyboard shortcuts')} title={t('Keyboard shortcuts')} onClick={() => setDialog('shortcuts')}>
            <Icon name="keyboard" />
          </button>
          <button type="button" className="btn btn-icon btn-ghost" aria-label={t('Settings')} title={t('Settings')} onClick={() => setDialog('settings')}>
            <Icon name="settings" />
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
            <Icon name="logout" />
            <span>{t('Sign out')}</span>
          </button>
        </div>
      </header>

      <div className="panes">
        <aside className="pane pane-folders">
          {mailboxes.isPending && <p className="pane-note">{t('Loading folders…')}</p>}
          {mailboxes.isError && (
            <div role="alert" className="pane-note error-note">
              <p>{mailboxes.error.message}</p>
              <button type="button" className="btn" onClick={() => void mailboxes.refetch()}>
                {t('Try again')}
              </button>
            </div>
          )}
          {mailboxes.data && (
            <FolderPane
              mailboxes={list}
              current={folder}
              onSelect={selectFolder}
              onDropMessages={(destination, uids) => runAction('move', uids, destination)}
              onEmpty={onEmpty}
              onManage={() => setDialog('folders')}
              onEditScheduled={composer.openCancelled}
            />
          )}
        </aside>

        <MailboxView
          mailbox={currentMailbox}
          path={folder}
          folders={list}
          rows={rows}
          view={view}
          onView={onView}
          selected={selected}
          cursor={cursor}
          focusCursor={focusCursor}
          openUid={open?.uid ?? null}
          onClickRow={onClickRow}
          onCursor={onCursor}
          onFocusRow={setCursor}
          onOpen={openRow}
          onSelectAll={onSelectAll}
          onAction={(action, destination) => runAction(action, [...selected], destination)}
          onDragRows={onDragRows}
          searchRef={searchRef}
          onEmpty={onEmpty}
        />

        <ReadingPane
          mailbox={open?.mailbox ?? null}
          uid={open?.uid ?? null}
          threadId={open?.threadId ?? null}
          onReply={composer.reply}
          onBack={backToList}
          onAction={(action, message) => {
            if (message.mailbox === folder) runAction(action, [message.uid]);
          }}
          onOpenMessage={(mailbox, uid) => setOpen((o) => ({ mailbox, uid, threadId: o?.threadId ?? null }))}
          focusOnOpen={focusReading}
          inJunk={open?.mailbox === folder && currentMailbox?.specialUse?.toLowerCase() === '\\junk'}
          inDrafts={open?.mailbox === folder && inDrafts}
        />
      </div>

      <ComposeHost composer={composer} announce={announce} />
      <RecoveryPrompt recovery={recovery} />

      <Suspense fallback={null}>
        {dialog === 'settings' && <SettingsDialog onClose={() => setDialog(null)} />}
        {dialog === 'shortcuts' && <ShortcutsDialog onClose={() => setDialog(null)} />}
        {dialog === 'folders' && <FolderManager onClose={() => setDialog(null)} />}
      </Suspense>

      <div className={`toast${status.text ? ' is-visible' : ''}`}>
        <span role="status">{status.text}</span>
        {status.undo && (
          <button type="button" className="btn btn-small toast-undo" onClick={onUndo}>
            {t('Undo')}
          </button>
        )}
      </div>
    </div>
  );
}
