// Rarely used message views, loaded on demand: all headers, source, attachment preview.
import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Attachment } from '@mailroom/shared';
import { Dialog } from '../../components/Dialog/Dialog.js';
import { messageHeadersQuery, messageSourceQuery } from './message.queries.js';

export type ExtraView =
  | { kind: 'headers'; mailbox: string; uid: number }
  | { kind: 'source'; mailbox: string; uid: number }
  | { kind: 'preview'; attachment: Attachment };

function Headers({ mailbox, uid }: { mailbox: string; uid: number }) {
  const { t } = useTranslation();
  const q = useQuery(messageHeadersQuery(mailbox, uid));
  if (q.isPending) return <p>{t('Loading…')}</p>;
  if (q.isError) return <p role="alert">{q.error.message}</p>;
  return (
    <dl className="all-headers">
      {q.data.headers.map((h, i) => (
        <div key={i} className="header-row">
          <dt>{h.name}</dt>
          <dd>{h.value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Source({ mailbox, uid }: { mailbox: string; uid: number }) {
  const { t } = useTranslation();
  const q = useQuery(messageSourceQuery(mailbox, uid));
  if (q.isPending) return <p>{t('Loading…')}</p>;
  if (q.isError) return <p role="alert">{q.error.message}</p>;
  return (
    <pre className="message-source" tabIndex={0} aria-label={t('Message source')}>
      {q.data}
    </pre>
  );
}

/** Image and PDF attachments, fetched by the app and shown from a blob: URL of the checked type. */
function Preview({ attachment }: { attachment: Attachment }) {
  const { t } = useTranslation();
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const isPdf = attachment.contentType.toLowerCase() === 'application/pdf';
  useEffect(() => {
    const controller = new AbortController();
    let objectUrl: string | null = null;
    fetch(attachment.url, { credentials: 'same-origin', signal: controller.signal })
      .then(async (r) => {
        if (!r.ok) throw new Error(t('The attachment could not be loaded.'));
        const bytes = await r.arrayBuffer();
        objectUrl = URL.createObjectURL(new Blob([bytes], { type: attachment.contentType.toLowerCase() }));
        setUrl(objectUrl);
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setError(err instanceof Error ? err.message : String(err));
      });
    return () => {
      controller.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [attachment, t]);
  if (error) return <p role="alert">{error}</p>;
  if (!url) return <p>{t('Loading…')}</p>;
  return isPdf ? (
    <iframe className="pdf-preview" title={attachment.filename} src={url} />
  ) : (
    <img className="image-preview" src={url} alt={attachment.filename} />
  );
}

export default function MessageExtras({ view, onClose }: { view: ExtraView; onClose: () => void }) {
  const { t } = useTranslation();
  if (view.kind === 'headers') {
    return (
      <Dialog label={t('All headers')} onClose={onClose} className="wide">
        <Headers mailbox={view.mailbox} uid={view.uid} />
      </Dialog>
    );
  }
  if (view.kind === 'source') {
    return (
      <Dialog label={t('Message source')} onClose={onClose} className="wide">
        <Source mailbox={view.mailbox} uid={view.uid} />
      </Dialog>
    );
  }
  return (
    <Dialog label={t('Preview of {{name}}', { name: view.attachment.filename })} onClose={onClose} className="wide">
      <Preview attachment={view.attachment} />
    </Dialog>
  );
}
