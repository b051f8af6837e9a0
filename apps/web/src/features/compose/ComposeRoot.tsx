// The lazy compose chunk: the open compose dialog and the "Sending… Undo" toasts of sends the server
// holds for the undo delay.
import { useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../lib/http.js';
import { mailboxKeys } from '../mailbox/mailbox.queries.js';
import { outboxKeys } from '../outbox/outbox.queries.js';
import { ComposeDialog } from './ComposeDialog.js';
import { composeApi } from './compose.queries.js';
import type { Composer, PendingSend } from './useComposer.js';
import './compose.css';

/** After the send time, ask the server how it went this often … */
export const OUTBOX_POLL_MS = 1_500;
/** … this many times at most. */
const OUTBOX_POLL_TRIES = 40;

interface ComposeRootProps {
  composer: Composer;
  announce: (text: string) => void;
}

export default function ComposeRoot({ composer, announce }: ComposeRootProps) {
  return (
    <>
      {composer.session && <ComposeDialog key={composer.session.key} session={composer.session} composer={composer} announce={announce} />}
      {composer.pending.length > 0 && (
        <div className="sending-toasts">
          {composer.pending.map((p) => (
            <SendingToast key={p.id} send={p} composer={composer} announce={announce} />
          ))}
        </div>
      )}
    </>
  );
}

function secondsLeft(sendAt: string): number {
  return Math.max(0, Math.ceil((Date.parse(sendAt) - Date.now()) / 1000));
}

/** "Sending… 8 s  [Undo]" until the server sent it; Undo reopens compose with the message. */
export function SendingToast({ send, composer, announce }: { send: PendingSend; composer: Composer; announce: (text: string) => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [left, setLeft] = useState(() => secondsLeft(send.sendAt));
  const [undoing, setUndoing] = useState(false);
  const done = useRef(false);
  const latest = useRef({ composer, announce });
  latest.current = { composer, announce };

  useEffect(() => {
    const timer = setInterval(() => setLeft(secondsLeft(send.sendAt)), 250);
    return () => clearInterval(timer);
  }, [send.sendAt]);

  // Once the delay is over: poll the outbox item until it went out or failed.
  useEffect(() => {
    if (left > 0) return;
    let tries = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    const finish = () => {
      done.current = true;
      latest.current.composer.removePending(send.id);
      void queryClient.invalidateQueries({ queryKey: outboxKeys.all });
    };
    const check = () => {
      if (!live || done.current) return;
      tries += 1;
      composeApi.outboxItem(send.id).then(
        (item) => {
          if (!live || done.current) return;
          if (item.status === 'sent') {
            finish();
            void queryClient.invalidateQueries({ queryKey: mailboxKeys.all });
            latest.current.announce(t('Message sent'));
          } else if (item.status === 'failed') {
            finish();
            const message = item.error?.message ?? t('The message could not be sent.');
            if (latest.current.composer.session) latest.current.announce(t('Sending failed: {{message}}', { message }));
            else latest.current.composer.openState(send.state, send.attachments, { error: message, sessionId: send.sessionId });
          } else if (item.status === 'cancelled') {
            finish();
          } else if (tries < OUTBOX_POLL_TRIES) {
            timer = setTimeout(check, OUTBOX_POLL_MS);
          } else {
            finish();
          }
        },
        (err: unknown) => {
          if (!live || done.current) return;
          if (isApiError(err) && err.status === 404) {
            // the server forgot it: it went out
            finish();
            latest.current.announce(t('Message sent'));
          } else if (tries < OUTBOX_POLL_TRIES) {
            timer = setTimeout(check, OUTBOX_POLL_MS);
          } else {
            finish();
          }
        },
      );
    };
    timer = setTimeout(check, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [left, send, queryClient, t]);

  const onUndo = () => {
    if (undoing) return;
    setUndoing(true);
    composeApi.cancelSend(send.id).then(
      (response) => {
        done.current = true;
        composer.removePending(send.id);
        void queryClient.invalidateQueries({ queryKey: outboxKeys.all });
        composer.openState(response.state, response.attachments, { sessionId: send.sessionId });
      },
      (err: unknown) => {
        setUndoing(false);
        if (isApiError(err) && err.status === 409) {
          done.current = true;
          composer.removePending(send.id);
          announce(t('Too late to undo: the message was sent.'));
        } else {
          announce(err instanceof Error ? err.message : String(err));
        }
      },
    );
  };

  return (
    <div className="toast is-visible sending-toast">
      <span role="status">{left > 0 ? t('Sending… {{seconds}} s', { seconds: left }) : t('Sending…')}</span>
      {left > 0 && (
        <button type="button" className="btn btn-small toast-undo" onClick={onUndo} disabled={undoing}>
          {t('Undo')}
        </button>
      )}
    </div>
  );
}
