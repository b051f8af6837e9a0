// Scheduled sends: messages waiting in the server-side outbox (undo window, send later) and failed
// sends. Cancelling one brings it back to compose. Loaded on demand.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import type { CancelSendResponse, OutboxItem } from '@mailroom/shared';
import { Dialog } from '../../components/Dialog/Dialog.js';
import { formatFullDate } from '../../lib/format.js';
import { ApiError } from '../../lib/http.js';
import { outboxQuery, useCancelSend } from './outbox.queries.js';
import './outbox.css';

export interface ScheduledDialogProps {
  onClose: () => void;
  /** A send was cancelled: open compose with the message it returned. */
  onEdit?: (response: CancelSendResponse) => void;
}

export default function ScheduledDialog({ onClose, onEdit }: ScheduledDialogProps) {
  const { t } = useTranslation();
  const query = useQuery(outboxQuery());
  const cancel = useCancelSend();
  const [error, setError] = useState<string | null>(null);
  const items = query.data ?? [];

  const onCancel = (item: OutboxItem) => {
    setError(null);
    cancel.mutate(item.id, {
      onSuccess: (response) => {
        if (onEdit) {
          onEdit(response);
          onClose();
        }
      },
      onError: (err) => {
        setError(
          err instanceof ApiError && err.status === 409
            ? t('Too late to cancel: the message was already sent.')
            : t('The send could not be cancelled: {{message}}', { message: err.message }),
        );
      },
    });
  };

  return (
    <Dialog label={t('Scheduled and unsent messages')} onClose={onClose} className="scheduled">
      {query.isPending && <p role="status">{t('Loading…')}</p>}
      {query.isError && (
        <p role="alert" className="inline-error">
          {query.error.message}
        </p>
      )}
      {query.isSuccess && items.length === 0 && <p>{t('Nothing is waiting to be sent.')}</p>}
      {error && (
        <p role="alert" className="inline-error">
          {error}
        </p>
      )}
      {items.length > 0 && (
        <ul className="outbox-list">
          {items.map((item) => {
            const subject = item.subject || t('(no subject)');
            const failed = item.status === 'failed';
            return (
              <li key={item.id} className={`outbox-item${failed ? ' is-failed' : ''}`}>
                <div className="outbox-main">
                  <span className="outbox-subject">{subject}</span>
                  <span className="outbox-to">
                    {item.to.length > 0 ? t('To: {{list}}', { list: item.to.join(', ') }) : t('(no recipients)')}
                  </span>
                  <span className="outbox-when">
                    {failed ? (
                      <span className="outbox-failed">
                        {t('Not sent: {{message}}', { message: item.error?.message ?? t('unknown error') })}
                      </span>
                    ) : item.status === 'sending' ? (
                      t('Sending now')
                    ) : (
                      <time dateTime={item.sendAt}>{t('Sends {{date}}', { date: formatFullDate(item.sendAt) })}</time>
                    )}
                  </span>
                </div>
                {item.status !== 'sending' && (
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={cancel.isPending}
                    aria-label={failed ? t('Edit unsent message {{subject}}', { subject }) : t('Cancel sending {{subject}}', { subject })}
                    onClick={() => onCancel(item)}
                  >
                    {failed ? t('Edit') : t('Cancel send')}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </Dialog>
  );
}
