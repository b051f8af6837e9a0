// The folder pane's "Scheduled" entry (a list item of the folder list): shown only while the outbox
// holds something; opens the scheduled sends dialog.
import { lazy, Suspense, useState } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import type { CancelSendResponse } from '@mailroom/shared';
import { Icon } from '../../components/Icon/Icon.js';
import { formatNumber } from '../../lib/format.js';
import { outboxQuery } from './outbox.queries.js';
import './scheduled-button.css';

const ScheduledDialog = lazy(() => import('./ScheduledDialog.js'));

export function ScheduledButton({ onEdit }: { onEdit?: (response: CancelSendResponse) => void }) {
  const { t } = useTranslation();
  const query = useQuery(outboxQuery());
  const [open, setOpen] = useState(false);
  const items = query.data ?? [];
  const failed = items.filter((i) => i.status === 'failed').length;
  if (items.length === 0 && !open) return null;
  return (
    <>
      {items.length > 0 && (
        <li className="folder-item scheduled-item">
          <button
            type="button"
            className={`folder scheduled-button${failed > 0 ? ' has-failed' : ''}`}
            aria-haspopup="dialog"
            aria-label={
              failed > 0
                ? t('Scheduled, {{count}} waiting, {{failed}} failed', { count: items.length, failed })
                : t('Scheduled, {{count}} waiting', { count: items.length })
            }
            onClick={() => setOpen(true)}
          >
            <Icon name="sent" />
            <span className="folder-name">{t('Scheduled')}</span>
            <span className="badge" aria-hidden="true">
              {formatNumber(items.length)}
            </span>
          </button>
        </li>
      )}
      {open &&
        createPortal(
          <Suspense fallback={null}>
            <ScheduledDialog onClose={() => setOpen(false)} onEdit={onEdit} />
          </Suspense>,
          document.body,
        )}
    </>
  );
}
