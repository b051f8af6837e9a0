import { lazy, Suspense, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Address, Attachment } from '@mailroom/shared';
import { formatAddress, formatFullDate, formatListDate, formatNumber, formatSize } from '../../lib/format.js';
import { Icon } from '../../components/Icon/Icon.js';
import { LinkifiedText } from '../../components/LinkifiedText/LinkifiedText.js';
import { referencedContentIds } from '../../lib/sanitize.js';
import type { MessageAction, MessageDetailX } from '../../lib/api-types.js';
import { HtmlBody } from './HtmlBody.js';
import { CalendarCard, isCalendar } from './CalendarCard.js';
import { useMarkReadAfter, useMessage, useUpdateFlags } from './useMessage.js';
import { messageUrl } from './message.queries.js';
import { subjectOrPlaceholder, correspondent } from '../mailbox/MessageList.js';
import { threadQuery } from '../mailbox/mailbox.queries.js';
import { useMessageActions } from '../mailbox/useMailboxes.js';
import { usePreferences, useUpdatePreferences } from '../settings/preferences.js';
import type { ExtraView } from './MessageExtras.js';

const MessageExtras = lazy(() => import('./MessageExtras.js'));

export type ReplyKind = 'reply' | 'all' | 'forward' | 'forwardAttachment' | 'editAsNew' | 'editDraft';

export interface ReadingPaneProps {
  mailbox: string | null;
  uid: number | null;
  /** Conversation of the opened row (conversation view), shown above the message. */
  threadId?: string | null;
  onReply: (kind: ReplyKind, message: MessageDetailX) => void;
  onBack: () => void;
  /** Removing actions (delete, archive, junk …) on the open message; handled by the mailbox view. */
  onAction?: (action: MessageAction, message: MessageDetailX) => void;
  onOpenMessage?: (mailbox: string, uid: number) => void;
  /** Move keyboard focus to the message when it opens (phone layout, keyboard navigation). */
  focusOnOpen?: boolean;
  /** Shown in its own window (#/message/…): no back button, no "open in new window". */
  standalone?: boolean;
  /** The open message is in the Junk folder (offer "Not junk" instead of "Junk"). */
  inJunk?: boolean;
  /** The open message is in the Drafts folder (offer "Edit draft"). */
  inDrafts?: boolean;
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

function canPreview(a: Attachment): boolean {
  const type = a.contentType.toLowerCase();
  return ['image/png', 'image/jpeg', 'image/gif', 'image/webp'].includes(type) || type === 'application/pdf';
}

function AttachmentList({
  attachments,
  zipUrl,
  onPreview,
}: {
  attachments: readonly Attachment[];
  zipUrl: string;
  onPreview: (a: Attachment) => void;
}) {
  const { t } = useTranslation();
  if (attachments.length === 0) return null;
  return (
    <section className="attachments" aria-label={t('Attachments')}>
      <div className="attachments-head">
        <h3 className="attachments-title">
          {t('{{count}} attachments', { count: attachments.length, formattedCount: formatNumber(attachments.length) })}
        </h3>
        {attachments.length > 1 && (
          <a className="btn btn-small" href={zipUrl} download>
            <Icon name="download" />
            <span>{t('Download all as zip')}</span>
          </a>
        )}
      </div>
      <ul>
        {attachments.map((a) => {
          const name = a.filename || t('Unnamed attachment');
          return (
            <li key={a.id} className="attachment">
              <Icon name="paperclip" />
              <span className="attachment-info">
                <span className="attachment-name">{name}</span>
                <span className="attachment-meta">
                  {formatSize(a.size)} · {a.contentType}
                </span>
              </span>
              {canPreview(a) && isSafeDownloadUrl(a.url) && (
                <button type="button" className="btn btn-small" aria-label={t('Preview {{name}}', { name })} onClick={() => onPreview(a)}>
                  <Icon name="eye" />
                  <span>{t('Preview')}</span>
                </button>
              )}
              {isSafeDownloadUrl(a.url) && (
                <a className="btn btn-small" href={a.url} download={a.filename || true} aria-label={t('Download {{name}}', { name })}>
                  <Icon name="download" />
                  <span>{t('Download')}</span>
                </a>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function Tags({ message }: { message: MessageDetailX }) {
  const { t } = useTranslation();
  const actions = useMessageActions(message.mailbox);
  const [adding, setAdding] = useState('');
  const id = useId();
  const keywords = message.keywords ?? [];
  const onAdd = (event: FormEvent) => {
    event.preventDefault();
    const keyword = adding.trim().replace(/\s+/g, '_');
    if (!keyword) return;
    actions.mutate({ uids: [message.uid], action: 'addKeyword', keyword }, { onSuccess: () => setAdding('') });
  };
  return (
    <div className="tags" aria-label={t('Tags')} role="group">
      {keywords.map((k) => (
        <span key={k} className="tag">
          {k}
          <button
            type="button"
            className="tag-remove"
            aria-label={t('Remove tag {{tag}}', { tag: k })}
            onClick={() => actions.mutate({ uids: [message.uid], action: 'removeKeyword', keyword: k })}
          >
            <Icon name="close" />
          </button>
        </span>
      ))}
      <form onSubmit={onAdd} className="tag-add">
        <label htmlFor={id} className="visually-hidden">
          {t('Add tag')}
        </label>
        <Icon name="tag" />
        <input id={id} value={adding} placeholder={t('Add tag')} onChange={(e) => setAdding(e.target.value)} maxLength={64} />
      </form>
      {actions.isError && (
        <p role="alert" className="inline-error">
          {actions.error.message}
        </p>
      )}
    </div>
  );
}

function Conversation({ mailbox, threadId, current, onOpen }: { mailbox: string; threadId: string; current: number; onOpen?: (mailbox: string, uid: number) => void }) {
  const { t } = useTranslation();
  const thread = useQuery(threadQuery(mailbox, threadId));
  const messages = thread.data?.messages ?? [];
  if (messages.length < 2) return null;
  return (
    <nav className="conversation" aria-label={t('Conversation')}>
      <p className="conversation-title">
        {t('{{count}} messages in conversation', { count: messages.length, formattedCount: formatNumber(messages.length) })}
      </p>
      <ol>
        {messages.map((m) => (
          <li key={`${m.mailbox}:${m.uid}`}>
            <button
              type="button"
              className={`conversation-item${m.uid === current && m.mailbox === mailbox ? ' is-current' : ''}${m.seen ? '' : ' is-unread'}`}
              aria-current={m.uid === current ? 'true' : undefined}
              onClick={() => onOpen?.(m.mailbox, m.uid)}
            >
              <span className="conversation-from">{correspondent(m, false)}</span>
              <span className="conversation-preview">{m.preview ?? subjectOrPlaceholder(m.subject)}</span>
              <time dateTime={m.date}>{formatListDate(m.date)}</time>
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}

interface MessageViewProps extends Omit<ReadingPaneProps, 'mailbox' | 'uid'> {
  message: MessageDetailX;
}

function MessageView({ message, onReply, onBack, onAction, onOpenMessage, focusOnOpen = false, threadId, standalone = false, inJunk = false, inDrafts = false }: MessageViewProps) {
  const { t } = useTranslation();
  const flags = useUpdateFlags(message.mailbox, message.uid);
  const preferences = usePreferences();
  const updatePreferences = useUpdatePreferences();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [extra, setExtra] = useState<ExtraView | null>(null);
  const [menuOpen, setMenuOpen] = useState(false);

  useMarkReadAfter(message, preferences.markReadDelayMs, () => flags.mutate({ seen: true }));

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
  const calendar = message.attachments.find(isCalendar);

  const sender = message.from[0]?.address.toLowerCase() ?? '';
  const senderDomain = sender.slice(sender.lastIndexOf('@'));
  // Entries are addresses or "@domain".
  const trusted = sender !== '' && preferences.remoteContentSenders.some((s) => {
    const entry = s.toLowerCase();
    return entry === sender || (entry.startsWith('@') && entry === senderDomain);
  });
  const url = messageUrl(message.mailbox, message.uid);
  const ownWindowUrl = `#/message/${encodeURIComponent(message.mailbox)}/${message.uid}`;

  return (
    <article aria-label={t('Message')} className="message">
      <div className="message-toolbar" role="toolbar" aria-label={t('Actions')}>
        {!standalone && (
          <button type="button" className="btn btn-back" onClick={onBack}>
            <Icon name="back" />
            <span>{t('Back to messages')}</span>
          </button>
        )}
        {inDrafts && (
          <button type="button" className="btn btn-primary" onClick={() => onReply('editDraft', message)}>
            <Icon name="pencil" />
            <span>{t('Edit draft')}</span>
          </button>
        )}
        <button type="button" className="btn" onClick={() => onReply('reply', message)}>
          <Icon name="reply" />
          <span>{t('Reply')}</span>
        </button>
        <button type="button" className="btn btn-icon" aria-label={t('Reply all')} title={t('Reply all')} onClick={() => onReply('all', message)}>
          <Icon name="replyAll" />
        </button>
        <button type="button" className="btn btn-icon" aria-label={t('Forward')} title={t('Forward')} onClick={() => onReply('forward', message)}>
          <Icon name="forward" />
        </button>
        <button type="button" className="btn" onClick={() => flags.mutate({ seen: !message.seen })} disabled={flags.isPending}>
          <Icon name="mail" />
          <span>{message.seen ? t('Mark as unread') : t('Mark as read')}</span>
        </button>
        <button
          type="button"
          className={`btn${message.flagged ? ' is-active' : ''}`}
          onClick={() => flags.mutate({ flagged: !message.flagged })}
          aria-pressed={message.flagged}
          disabled={flags.isPending}
        >
          <Icon name="star" className={message.flagged ? 'mark-flag' : undefined} />
          <span>{t('Flag')}</span>
        </button>
        {onAction && (
          <>
            <button type="button" className="btn btn-icon" aria-label={t('Archive')} title={t('Archive')} onClick={() => onAction('archive', message)}>
              <Icon name="archive" />
            </button>
            <button type="button" className="btn btn-icon" aria-label={t('Delete')} title={t('Delete')} onClick={() => onAction('delete', message)}>
              <Icon name="trash" />
            </button>
            {inJunk ? (
              <button type="button" className="btn btn-icon" aria-label={t('Not junk')} title={t('Not junk')} onClick={() => onAction('notjunk', message)}>
                <Icon name="inbox" />
              </button>
            ) : (
              <button type="button" className="btn btn-icon" aria-label={t('Junk')} title={t('Junk')} onClick={() => onAction('junk', message)}>
                <Icon name="junk" />
              </button>
            )}
          </>
        )}
        <div
          className="more-menu"
          onKeyDown={(e) => {
            if (e.key === 'Escape' && menuOpen) {
              e.stopPropagation();
              setMenuOpen(false);
            }
          }}
        >
          <button
            type="button"
            className="btn btn-icon"
            aria-label={t('More actions')}
            title={t('More actions')}
            aria-expanded={menuOpen}
            onClick={() => setMenuOpen((o) => !o)}
          >
            <Icon name="chevronDown" />
          </button>
          {menuOpen && (
            <div className="menu" role="group" aria-label={t('More actions')} onClick={() => setMenuOpen(false)}>
              <button type="button" className="btn btn-ghost" onClick={() => onReply('forwardAttachment', message)}>
                <Icon name="paperclip" />
                {t('Forward as attachment')}
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => onReply('editAsNew', message)}>
                <Icon name="pencil" />
                {t('Edit as new')}
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => setExtra({ kind: 'headers', mailbox: message.mailbox, uid: message.uid })}>
                {t('Show all headers')}
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => setExtra({ kind: 'source', mailbox: message.mailbox, uid: message.uid })}>
                <Icon name="code" />
                {t('View source')}
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => window.print()}>
                <Icon name="print" />
                {t('Print')}
              </button>
              {!standalone && (
                <a className="btn btn-ghost" href={ownWindowUrl} target="_blank" rel="noopener noreferrer">
                  <Icon name="external" />
                  {t('Open in new window')}
                </a>
              )}
            </div>
          )}
        </div>
      </div>
      {flags.isError && (
        <p role="alert" className="inline-error">
          {flags.error.message}
        </p>
      )}
      {threadId && <Conversation mailbox={message.mailbox} threadId={threadId} current={message.uid} onOpen={onOpenMessage} />}
      <header className="message-header">
        <h2 ref={headingRef} tabIndex={-1} className="message-subject">
          {subjectOrPlaceholder(message.subject)}
        </h2>
        <dl className="message-headers">
          <AddressRow label={t('From')} list={message.from} />
          <AddressRow label={t('To')} list={message.to} />
          <AddressRow label={t('Cc')} list={message.cc} />
          <div className="header-row">
            <dt>{t('Date')}</dt>
            <dd>
              <time dateTime={message.date}>{formatFullDate(message.date)}</time>
            </dd>
          </div>
        </dl>
        <Tags message={message} />
      </header>
      {calendar && <CalendarCard attachment={calendar} />}
      <div className={`message-body${message.html ? ' is-html' : ''}`}>
        {message.html ? (
          <HtmlBody
            key={`${message.mailbox}/${message.uid}`}
            html={message.html}
            attachments={message.attachments}
            inlineAttachments={inline}
            trustedSender={trusted}
            onAlwaysAllow={
              sender
                ? () => updatePreferences.mutate({ remoteContentSenders: [...preferences.remoteContentSenders, sender] })
                : undefined
            }
          />
        ) : (
          <LinkifiedText className="plain-body" text={message.text ?? ''} />
        )}
      </div>
      <AttachmentList attachments={listed} zipUrl={`${url}/attachments.zip`} onPreview={(a) => setExtra({ kind: 'preview', attachment: a })} />
      {extra && (
        <Suspense fallback={null}>
          <MessageExtras view={extra} onClose={() => setExtra(null)} />
        </Suspense>
      )}
    </article>
  );
}

/** The right pane: the open message, or a hint when none is open. */
export function ReadingPane(props: ReadingPaneProps) {
  const { mailbox, uid, onBack } = props;
  const { t } = useTranslation();
  const message = useMessage(mailbox, uid);
  const paneRef = useRef<HTMLElement>(null);
  useEffect(() => {
    paneRef.current?.scrollTo?.({ top: 0 });
  }, [mailbox, uid]);

  if (mailbox === null || uid === null) {
    return (
      <section className="pane pane-reading is-empty" aria-label={t('Reading pane')}>
        <div className="empty-state">
          <Icon name="mail" className="empty-icon" />
          <p>{t('Select a message to read it.')}</p>
        </div>
      </section>
    );
  }
  return (
    <section className={`pane pane-reading${props.standalone ? ' is-standalone' : ''}`} aria-label={t('Reading pane')} ref={paneRef}>
      {message.isPending && <p className="pane-note">{t('Loading message…')}</p>}
      {message.isError && (
        <div role="alert" className="pane-note error-note">
          <p>{message.error.message}</p>
          <button type="button" className="btn" onClick={() => void message.refetch()}>
            {t('Try again')}
          </button>
          {!props.standalone && (
            <button type="button" className="btn btn-back" onClick={onBack}>
              {t('Back to messages')}
            </button>
          )}
        </div>
      )}
      {message.data && <MessageView {...props} message={message.data} />}
    </section>
  );
}
