import { useEffect, useId, useState, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../lib/format.js';
import type { Folder, ListView, MessageAction, SortField } from '../../lib/api-types.js';
import { Icon } from '../../components/Icon/Icon.js';
import { folderDisplayName, orderFolders } from './folders.js';
import { MessageList, type RowClick } from './MessageList.js';
import type { MessageRows } from './useMailboxes.js';
import type { MessageRow } from '../../lib/api-types.js';

const SEARCH_DEBOUNCE_MS = 300;

interface MailboxViewProps {
  mailbox: Folder | null;
  path: string | null;
  folders: readonly Folder[];
  rows: MessageRows;
  view: ListView;
  onView: (view: ListView) => void;
  selected: ReadonlySet<number>;
  cursor: number;
  focusCursor: number;
  openUid: number | null;
  onClickRow: (click: RowClick) => void;
  onCursor: (index: number, extend: boolean) => void;
  onFocusRow: (index: number) => void;
  onOpen: (index: number, viaKeyboard: boolean) => void;
  onSelectAll: (all: boolean) => void;
  onAction: (action: MessageAction, destination?: string) => void;
  onDragRows: (row: MessageRow) => number[];
  searchRef: Ref<HTMLInputElement>;
  /** Empties Trash or Junk (offered in those folders). */
  onEmpty: (path: string) => void;
}

const SORTS: ReadonlyArray<{ value: SortField; label: string }> = [
  { value: 'date', label: 'Date' },
  { value: 'from', label: 'Sender' },
  { value: 'subject', label: 'Subject' },
  { value: 'size', label: 'Size' },
  { value: 'arrival', label: 'Arrival' },
];

/** The middle pane: folder title, search, sorting, bulk actions and the virtualised message list. */
export function MailboxView(props: MailboxViewProps) {
  const { mailbox, path, folders, rows, view, onView, selected, onAction } = props;
  const { t } = useTranslation();
  const ids = { sort: useId(), move: useId(), search: useId() };
  const [search, setSearch] = useState(view.q);
  useEffect(() => {
    if (search === view.q) return;
    const timer = setTimeout(() => onView({ ...view, q: search }), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [search, view, onView]);

  const title = mailbox ? folderDisplayName(mailbox) : (path ?? '');
  const showRecipients = mailbox?.specialUse === '\\Sent' || mailbox?.specialUse === '\\Drafts';
  const special = mailbox?.specialUse?.toLowerCase() ?? '';
  const count = selected.size;
  const loadedAll = count > 0 && rows.total > 0 && count >= rows.total;
  const act = (action: MessageAction) => () => onAction(action);
  const moveTargets = orderFolders(folders).filter((e) => e.mailbox.path !== path);

  return (
    <section className="pane pane-list" aria-labelledby="mailbox-title">
      <header className="pane-header list-header">
        <h1 id="mailbox-title" className="list-title">
          {title}
        </h1>
        {path !== null && (special === '\\trash' || special === '\\junk') && rows.total > 0 && (
          <button type="button" className="btn btn-small" onClick={() => props.onEmpty(path)}>
            <Icon name="trash" />
            <span>{t('Empty {{name}}', { name: title })}</span>
          </button>
        )}
        <div className="list-sort">
          <label htmlFor={ids.sort} className="visually-hidden">
            {t('Sort by')}
          </label>
          <select
            id={ids.sort}
            value={view.sort}
            onChange={(e) => onView({ ...view, sort: e.target.value as SortField })}
          >
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {t(s.label)}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn btn-icon"
            aria-label={view.order === 'desc' ? t('Descending order') : t('Ascending order')}
            title={view.order === 'desc' ? t('Descending order') : t('Ascending order')}
            onClick={() => onView({ ...view, order: view.order === 'desc' ? 'asc' : 'desc' })}
          >
            <Icon name={view.order === 'desc' ? 'sortDesc' : 'sortAsc'} />
          </button>
          <label className="toggle">
            <input type="checkbox" checked={view.threads} onChange={(e) => onView({ ...view, threads: e.target.checked })} />
            <span>{t('Conversations')}</span>
          </label>
        </div>
      </header>
      <div className="list-search" role="search">
        <Icon name="search" />
        <label htmlFor={ids.search} className="visually-hidden">
          {t('Search mail')}
        </label>
        <input
          id={ids.search}
          ref={props.searchRef}
          type="search"
          placeholder={t('Search mail')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') onView({ ...view, q: search });
            if (e.key === 'Escape') (e.target as HTMLInputElement).blur();
          }}
        />
      </div>
      <div className="list-toolbar" role="toolbar" aria-label={t('Message list')}>
        <input
          type="checkbox"
          className="select-all"
          aria-label={t('Select all')}
          checked={loadedAll}
          ref={(el) => {
            if (el) el.indeterminate = count > 0 && !loadedAll;
          }}
          onChange={() => props.onSelectAll(count === 0)}
        />
        {count > 0 ? (
          <>
            <span className="selection-count">{t('{{count}} selected', { count, formattedCount: formatNumber(count) })}</span>
            <button type="button" className="btn btn-icon" aria-label={t('Mark selected as read')} title={t('Mark selected as read')} onClick={act('read')}>
              <Icon name="eye" />
            </button>
            <button type="button" className="btn btn-icon" aria-label={t('Mark selected as unread')} title={t('Mark selected as unread')} onClick={act('unread')}>
              <Icon name="mail" />
            </button>
            <button type="button" className="btn btn-icon" aria-label={t('Flag selected')} title={t('Flag selected')} onClick={act('flag')}>
              <Icon name="star" />
            </button>
            <button type="button" className="btn btn-icon" aria-label={t('Remove flag from selected')} title={t('Remove flag from selected')} onClick={act('unflag')}>
              <Icon name="star" className="icon-muted" />
            </button>
            {special !== '\\archive' && (
              <button type="button" className="btn btn-icon" aria-label={t('Archive selected')} title={t('Archive selected')} onClick={act('archive')}>
                <Icon name="archive" />
              </button>
            )}
            {special === '\\junk' ? (
              <button type="button" className="btn btn-icon" aria-label={t('Not junk')} title={t('Not junk')} onClick={act('notjunk')}>
                <Icon name="inbox" />
              </button>
            ) : (
              <button type="button" className="btn btn-icon" aria-label={t('Mark selected as junk')} title={t('Mark selected as junk')} onClick={act('junk')}>
                <Icon name="junk" />
              </button>
            )}
            <button type="button" className="btn btn-icon" aria-label={t('Delete selected')} title={t('Delete selected')} onClick={act('delete')}>
              <Icon name="trash" />
            </button>
            <label htmlFor={ids.move} className="visually-hidden">
              {t('Move to')}
            </label>
            <select
              id={ids.move}
              className="move-select"
              value=""
              onChange={(e) => {
                if (e.target.value) onAction('move', e.target.value);
              }}
            >
              <option value="">{t('Move to…')}</option>
              {moveTargets.map(({ mailbox: m, depth }) => (
                <option key={m.path} value={m.path}>
                  {'\u00a0'.repeat(depth * 2)}
                  {folderDisplayName(m)}
                </option>
              ))}
            </select>
          </>
        ) : (
          <span className="pager-count" aria-live="polite">
            {rows.ready ? t('{{count}} messages', { count: rows.total, formattedCount: formatNumber(rows.total) }) : ''}
          </span>
        )}
      </div>
      {!rows.ready && !rows.error && path !== null && <p className="pane-note">{t('Loading messages…')}</p>}
      {rows.error && (
        <div role="alert" className="pane-note error-note">
          <p>{rows.error.message}</p>
          <button type="button" className="btn" onClick={rows.refetch}>
            {t('Try again')}
          </button>
        </div>
      )}
      {rows.ready && rows.total === 0 && (
        <p className="pane-note">{view.q ? t('No messages match your search.') : t('No messages in this folder.')}</p>
      )}
      <MessageList
        rows={rows}
        showRecipients={showRecipients}
        selected={selected}
        cursor={props.cursor}
        focusCursor={props.focusCursor}
        openUid={props.openUid}
        onClickRow={props.onClickRow}
        onCursor={props.onCursor}
        onFocusRow={props.onFocusRow}
        onOpen={props.onOpen}
        onDragRows={props.onDragRows}
      />
    </section>
  );
}
