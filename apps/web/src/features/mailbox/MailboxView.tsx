import { useEffect, useRef } from 'react';
import type { Mailbox } from '@mailroom/shared';
import { MessageList } from './MessageList.js';
import { MESSAGE_PAGE_SIZE } from './mailbox.queries.js';
import { useMessages } from './useMailboxes.js';
import { folderDisplayName } from './folders.js';
import { Icon } from '../../components/Icon/Icon.js';

interface MailboxViewProps {
  mailbox: Mailbox | null;
  path: string | null;
  page: number;
  onPage: (page: number) => void;
  selectedUid: number | null;
  openUid: number | null;
  onSelect: (uid: number) => void;
  onOpen: (uid: number, viaKeyboard: boolean) => void;
}

/** The middle pane: folder title, pager and the message list. */
export function MailboxView({ mailbox, path, page, onPage, selectedUid, openUid, onSelect, onOpen }: MailboxViewProps) {
  const messages = useMessages(path, page);
  const bodyRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    bodyRef.current?.scrollTo?.({ top: 0 });
  }, [path, page]);
  const data = messages.data;
  const total = data?.total ?? 0;
  const pageSize = data?.pageSize ?? MESSAGE_PAGE_SIZE;
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, (page - 1) * pageSize + (data?.messages.length ?? 0));
  const title = mailbox ? folderDisplayName(mailbox) : (path ?? '');
  const showRecipients = mailbox?.specialUse === '\\Sent' || mailbox?.specialUse === '\\Drafts';

  return (
    <section className="pane pane-list" aria-labelledby="mailbox-title">
      <header className="pane-header list-header">
        <h1 id="mailbox-title" className="list-title">
          {title}
        </h1>
        <div className="pager">
          <span className="pager-count" aria-live="polite">
            {data ? (total === 0 ? '0 messages' : `${first}–${last} of ${total}`) : ''}
          </span>
          <button
            type="button"
            className="btn btn-icon"
            onClick={() => onPage(page - 1)}
            disabled={page <= 1}
            aria-label="Newer"
            title="Newer"
          >
            <Icon name="left" />
          </button>
          <button
            type="button"
            className="btn btn-icon"
            onClick={() => onPage(page + 1)}
            disabled={!data || page * pageSize >= total}
            aria-label="Older"
            title="Older"
          >
            <Icon name="right" />
          </button>
        </div>
      </header>
      <div className="list-body" aria-busy={messages.isFetching} ref={bodyRef}>
        {messages.isPending && path !== null && <p className="pane-note">Loading messages…</p>}
        {messages.isError && (
          <div role="alert" className="pane-note error-note">
            <p>{messages.error.message}</p>
            <button type="button" className="btn" onClick={() => void messages.refetch()}>
              Try again
            </button>
          </div>
        )}
        {data && data.messages.length === 0 && <p className="pane-note">No messages in this folder.</p>}
        {data && (
          <MessageList
            messages={data.messages}
            showRecipients={showRecipients}
            selectedUid={selectedUid}
            openUid={openUid}
            onSelect={onSelect}
            onOpen={onOpen}
          />
        )}
      </div>
    </section>
  );
}
