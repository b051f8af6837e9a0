import { useEffect, useMemo, useRef } from 'react';
import type { Address, Attachment, MessageDetail } from '@mailroom/shared';
import { formatAddress, formatFullDate, formatSize } from '../../lib/format.js';
import { Icon } from '../../components/Icon/Icon.js';
import { LinkifiedText } from '../../components/LinkifiedText/LinkifiedText.js';
import { referencedContentIds } from '../../lib/sanitize.js';
import { HtmlBody } from './HtmlBody.js';
import { useMessage, useUpdateFlags } from './useMessage.js';
import { subjectOrPlaceholder } from '../mailbox/MessageList.js';

interface ReadingPaneProps {
  mailbox: string | null;
  uid: number | null;
  onReply: (message: MessageDetail) => void;
  onBack: () => void;
  /** Move keyboard focus to the message when it opens (phone layout, keyboard navigation). */
  focusOnOpen?: boolean;
}

function AddressRow({ label, list }: { label: string; list: readonly Address[] }) {
  if (list.length === 0) return null;
  return (
    <div className="header-row">
      <dt>{label}</dt>
      <dd>{list.map(formatAddress).join(', ')}</dd>
    </div>
  );
}

function isSafeDownloadUrl(url: string): boolean {
  return url.startsWith('/') && !url.startsWith('//');
}

function AttachmentList({ attachments }: { attachments: readonly Attachment[] }) {
  if (attachments.length === 0) return null;
  return (
    <section className="attachments" aria-label="Attachments">
      <h3 className="attachments-title">
        {attachments.length === 1 ? '1 attachment' : `${attachments.length} attachments`}
      </h3>
      <ul>
        {attachments.map((a) => (
          <li key={a.id} className="attachment">
            <Icon name="paperclip" />
            <span className="attachment-info">
              <span className="attachment-name">{a.filename || 'Unnamed attachment'}</span>
              <span className="attachment-meta">
                {formatSize(a.size)} · {a.contentType}
              </span>
            </span>
            {isSafeDownloadUrl(a.url) && (
              <a className="btn btn-small" href={a.url} download={a.filename || true} aria-label={`Download ${a.filename || 'attachment'}`}>
                <Icon name="download" />
                <span>Download</span>
              </a>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function MessageView({ message, onReply, onBack, focusOnOpen }: { message: MessageDetail; onReply: () => void; onBack: () => void; focusOnOpen: boolean }) {
  const flags = useUpdateFlags(message.mailbox, message.uid);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (focusOnOpen) headingRef.current?.focus();
  }, [focusOnOpen, message.uid]);

  // Inline images shown in the HTML body are not repeated in the attachment list.
  const { listed, inline } = useMemo(() => {
    if (!message.html) return { listed: message.attachments, inline: [] };
    const used = referencedContentIds(message.html, message.attachments);
    const isInline = (a: Attachment) => Boolean(a.contentId && used.has(a.contentId));
    return { listed: message.attachments.filter((a) => !isInline(a)), inline: message.attachments.filter(isInline) };
  }, [message.html, message.attachments]);

  return (
    <article aria-label="Message" className="message">
      <div className="message-toolbar" role="toolbar" aria-label="Actions">
        <button type="button" className="btn btn-back" onClick={onBack}>
          <Icon name="back" />
          <span>Back to messages</span>
        </button>
        <button type="button" className="btn" onClick={onReply}>
          <Icon name="reply" />
          <span>Reply</span>
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => flags.mutate({ seen: !message.seen })}
          disabled={flags.isPending}
        >
          <Icon name="mail" />
          <span>{message.seen ? 'Mark as unread' : 'Mark as read'}</span>
        </button>
        <button
          type="button"
          className={`btn${message.flagged ? ' is-active' : ''}`}
          onClick={() => flags.mutate({ flagged: !message.flagged })}
          aria-pressed={message.flagged}
          disabled={flags.isPending}
        >
          <Icon name="star" className={message.flagged ? 'mark-flag' : undefined} />
          <span>Flag</span>
        </button>
      </div>
      {flags.isError && (
        <p role="alert" className="inline-error">
          {flags.error.message}
        </p>
      )}
      <header className="message-header">
        <h2 ref={headingRef} tabIndex={-1} className="message-subject">
          {subjectOrPlaceholder(message.subject)}
        </h2>
        <dl className="message-headers">
          <AddressRow label="From" list={message.from} />
          <AddressRow label="To" list={message.to} />
          <AddressRow label="Cc" list={message.cc} />
          <div className="header-row">
            <dt>Date</dt>
            <dd>
              <time dateTime={message.date}>{formatFullDate(message.date)}</time>
            </dd>
          </div>
        </dl>
      </header>
      <div className={`message-body${message.html ? ' is-html' : ''}`}>
        {message.html ? (
          <HtmlBody key={`${message.mailbox}/${message.uid}`} html={message.html} attachments={message.attachments} inlineAttachments={inline} />
        ) : (
          <LinkifiedText className="plain-body" text={message.text ?? ''} />
        )}
      </div>
      <AttachmentList attachments={listed} />
    </article>
  );
}

/** The right pane: the open message, or a hint when none is open. */
export function ReadingPane({ mailbox, uid, onReply, onBack, focusOnOpen = false }: ReadingPaneProps) {
  const message = useMessage(mailbox, uid);
  const paneRef = useRef<HTMLElement>(null);
  useEffect(() => {
    paneRef.current?.scrollTo?.({ top: 0 });
  }, [mailbox, uid]);

  if (mailbox === null || uid === null) {
    return (
      <section className="pane pane-reading is-empty" aria-label="Reading pane">
        <div className="empty-state">
          <Icon name="mail" className="empty-icon" />
          <p>Select a message to read it.</p>
        </div>
      </section>
    );
  }
  return (
    <section className="pane pane-reading" aria-label="Reading pane" ref={paneRef}>
      {message.isPending && <p className="pane-note">Loading message…</p>}
      {message.isError && (
        <div role="alert" className="pane-note error-note">
          <p>{message.error.message}</p>
          <button type="button" className="btn" onClick={() => void message.refetch()}>
            Try again
          </button>
          <button type="button" className="btn btn-back" onClick={onBack}>
            Back to messages
          </button>
        </div>
      )}
      {message.data && (
        <MessageView
          message={message.data}
          onReply={() => message.data && onReply(message.data)}
          onBack={onBack}
          focusOnOpen={focusOnOpen}
        />
      )}
    </section>
  );
}
