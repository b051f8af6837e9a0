// The compose controller that lives in the app shell (first bundle, kept small): which compose
// session is open, sends waiting for their undo delay, and the recovery offer at start. The dialog
// and everything heavy (editor, zod, uploads) is the lazy ComposeRoot chunk.
import { lazy, Suspense, useCallback, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CancelSendResponse, ComposeStateInput, PrefillMode, PrefillRequest, Upload } from '@mailroom/shared';
import { listRecovery, newSessionId, removeRecovery, type RecoveryEntry } from './recovery.js';
import './compose-shell.css';

const ComposeRoot = lazy(() => import('./ComposeRoot.js'));

export type ComposeSource =
  | { kind: 'new'; state?: ComposeStateInput }
  | { kind: 'prefill'; request: PrefillRequest }
  | { kind: 'state'; state: ComposeStateInput; attachments: Upload[]; error?: string };

export interface ComposeSession {
  id: string;
  /** Changes with every opening (React key). */
  key: number;
  source: ComposeSource;
}

export interface PendingSend {
  /** Outbox id. */
  id: string;
  sessionId: string;
  /** ISO date the server sends it. */
  sendAt: string;
  state: ComposeStateInput;
  attachments: Upload[];
}

let keyCounter = 0;

export interface Composer {
  session: ComposeSession | null;
  pending: PendingSend[];
  openNew(state?: ComposeStateInput): void;
  openPrefill(mode: PrefillMode, mailbox: string, uid: number): void;
  openState(state: ComposeStateInput, attachments: Upload[], options?: { error?: string; sessionId?: string }): void;
  openCancelled(response: CancelSendResponse): void;
  close(): void;
  addPending(send: PendingSend): void;
  removePending(id: string): void;
}

export function useComposer(): Composer {
  const [session, setSession] = useState<ComposeSession | null>(null);
  const [pending, setPending] = useState<PendingSend[]>([]);
  const start = useCallback((source: ComposeSource, id = newSessionId()) => setSession({ id, key: ++keyCounter, source }), []);
  return useMemo<Composer>(
    () => ({
      session,
      pending,
      openNew: (state) => start(state ? { kind: 'new', state } : { kind: 'new' }),
      openPrefill: (mode, mailbox, uid) => start({ kind: 'prefill', request: { mode, mailbox, uid } }),
      openState: (state, attachments, options) =>
        start({ kind: 'state', state, attachments, ...(options?.error ? { error: options.error } : {}) }, options?.sessionId),
      openCancelled: (response) => start({ kind: 'state', state: response.state, attachments: response.attachments }),
      close: () => setSession(null),
      addPending: (send) => setPending((list) => [...list.filter((p) => p.id !== send.id), send]),
      removePending: (id) => setPending((list) => list.filter((p) => p.id !== id)),
    }),
    [session, pending, start],
  );
}

interface ComposeHostProps {
  composer: Composer;
  /** Shows a message in the app's status toast. */
  announce: (text: string) => void;
}

/** Mounts the lazy compose chunk while a compose session or a pending send exists. */
export function ComposeHost({ composer, announce }: ComposeHostProps) {
  if (!composer.session && composer.pending.length === 0) return null;
  return (
    <Suspense fallback={null}>
      <ComposeRoot composer={composer} announce={announce} />
    </Suspense>
  );
}

/** Local recovery at start: the newest unsent message left in this browser, if any. */
export function useComposeRecovery(composer: Composer) {
  const [entry, setEntry] = useState<RecoveryEntry | null>(() => listRecovery()[0] ?? null);
  const restore = () => {
    if (!entry) return;
    setEntry(null);
    composer.openState(entry.state, entry.attachments, { sessionId: entry.sessionId });
  };
  const discard = () => {
    if (!entry) return;
    removeRecovery(entry.sessionId);
    // older ones too: one question per start is enough
    setEntry(listRecovery()[0] ?? null);
  };
  return { entry, restore, discard };
}

/** "Recover unsent message?" with Restore / Discard. */
export function RecoveryPrompt({ recovery }: { recovery: ReturnType<typeof useComposeRecovery> }) {
  const { t } = useTranslation();
  const { entry } = recovery;
  if (!entry) return null;
  const subject = typeof entry.state.subject === 'string' && entry.state.subject.trim() ? entry.state.subject.trim() : t('(no subject)');
  return (
    <section className="recovery-bar" role="region" aria-label={t('Recover unsent message?')}>
      <p>
        <strong>{t('Recover unsent message?')}</strong> <span className="recovery-subject">{subject}</span>
      </p>
      <button type="button" className="btn btn-primary btn-small" onClick={recovery.restore}>
        {t('Restore')}
      </button>
      <button type="button" className="btn btn-small" onClick={recovery.discard}>
        {t('Discard')}
      </button>
    </section>
  );
}
