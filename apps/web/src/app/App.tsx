import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { MessageDetail } from '@mailroom/shared';
import { SignInPage } from '../features/auth/SignInPage.js';
import { useSession, useSignOut } from '../features/auth/useSession.js';
import { FolderPane } from '../features/mailbox/FolderPane.js';
import { MailboxView } from '../features/mailbox/MailboxView.js';
import { useMailboxes } from '../features/mailbox/useMailboxes.js';
import { defaultFolder } from '../features/mailbox/folders.js';
import { optionId } from '../features/mailbox/MessageList.js';
import { ReadingPane } from '../features/message/ReadingPane.js';
import { ComposeDialog } from '../features/compose/ComposeDialog.js';
import { EMPTY_DRAFT, replyDraft, type ComposeDraft } from '../features/compose/compose.queries.js';
import { Icon } from '../components/Icon/Icon.js';

const STATUS_CLEAR_MS = 10_000;
const NARROW_QUERY = '(max-width: 799px)';

function isNarrow(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia(NARROW_QUERY).matches;
}

function Splash({ children }: { children: ReactNode }) {
  return <main className="splash">{children}</main>;
}

export function App() {
  const session = useSession();
  if (session.isPending) {
    return (
      <Splash>
        <p aria-live="polite">Loading…</p>
      </Splash>
    );
  }
  if (session.isError) {
    return (
      <Splash>
        <div role="alert">
          <p>{session.error.message}</p>
          <button type="button" className="btn" onClick={() => void session.refetch()}>
            Try again
          </button>
        </div>
      </Splash>
    );
  }
  if (!session.data) return <SignInPage />;
  return <MailApp email={session.data.user.email} />;
}

function MailApp({ email }: { email: string }) {
  const mailboxes = useMailboxes();
  const signOut = useSignOut();
  const [chosenFolder, setChosenFolder] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const [selectedUid, setSelectedUid] = useState<number | null>(null);
  const [openUid, setOpenUid] = useState<number | null>(null);
  const [focusReading, setFocusReading] = useState(false);
  const [draft, setDraft] = useState<ComposeDraft | null>(null);
  const [composeKey, setComposeKey] = useState(0);
  const [status, setStatus] = useState('');
  const statusTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const list = mailboxes.data?.mailboxes ?? [];
  const folder = chosenFolder ?? defaultFolder(list);
  const currentMailbox = list.find((m) => m.path === folder) ?? null;

  const announce = useCallback((text: string) => {
    setStatus(text);
    clearTimeout(statusTimer.current);
    statusTimer.current = setTimeout(() => setStatus(''), STATUS_CLEAR_MS);
  }, []);
  useEffect(() => () => clearTimeout(statusTimer.current), []);

  const inboxUnread = list.find((m) => m.path.toUpperCase() === 'INBOX')?.unseen ?? 0;
  useEffect(() => {
    document.title = inboxUnread > 0 ? `(${inboxUnread}) Mailroom` : 'Mailroom';
    return () => {
      document.title = 'Mailroom';
    };
  }, [inboxUnread]);

  const selectFolder = (path: string) => {
    setChosenFolder(path);
    setPage(1);
    setSelectedUid(null);
    setOpenUid(null);
  };

  const openMessage = (uid: number, viaKeyboard: boolean) => {
    setSelectedUid(uid);
    setOpenUid(uid);
    setFocusReading(viaKeyboard && isNarrow());
  };

  const backToList = () => {
    const uid = openUid;
    setOpenUid(null);
    setFocusReading(false);
    if (uid !== null) {
      requestAnimationFrame(() => document.getElementById(optionId(uid))?.focus());
    }
  };

  const openCompose = (initial: ComposeDraft) => {
    setDraft(initial);
    setComposeKey((k) => k + 1);
  };

  return (
    <div className={`shell${openUid !== null ? ' is-reading' : ''}`}>
      <header className="topbar">
        <div className="brand">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <span>Mailroom</span>
        </div>
        <button type="button" className="btn btn-primary btn-compose" onClick={() => openCompose(EMPTY_DRAFT)}>
          <Icon name="pencil" />
          <span>Compose</span>
        </button>
        <div className="topbar-user">
          <span className="user-email" title={email}>
            {email}
          </span>
          <button type="button" className="btn btn-ghost" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
            <Icon name="logout" />
            <span>Sign out</span>
          </button>
        </div>
      </header>

      <div className="panes">
        <aside className="pane pane-folders">
          {mailboxes.isPending && <p className="pane-note">Loading folders…</p>}
          {mailboxes.isError && (
            <div role="alert" className="pane-note error-note">
              <p>{mailboxes.error.message}</p>
              <button type="button" className="btn" onClick={() => void mailboxes.refetch()}>
                Try again
              </button>
            </div>
          )}
          {mailboxes.data && <FolderPane mailboxes={list} current={folder} onSelect={selectFolder} />}
        </aside>

        <MailboxView
          mailbox={currentMailbox}
          path={folder}
          page={page}
          onPage={(p) => {
            setPage(p);
            setSelectedUid(null);
          }}
          selectedUid={selectedUid}
          openUid={openUid}
          onSelect={setSelectedUid}
          onOpen={openMessage}
        />

        <ReadingPane
          mailbox={openUid !== null ? folder : null}
          uid={openUid}
          onReply={(message: MessageDetail) => openCompose(replyDraft(message))}
          onBack={backToList}
          focusOnOpen={focusReading}
        />
      </div>

      {draft && (
        <ComposeDialog
          key={composeKey}
          initial={draft}
          onSent={() => {
            setDraft(null);
            announce('Message sent');
          }}
          onDiscard={() => setDraft(null)}
        />
      )}

      <div role="status" className={`toast${status ? ' is-visible' : ''}`}>
        {status}
      </div>
    </div>
  );
}
