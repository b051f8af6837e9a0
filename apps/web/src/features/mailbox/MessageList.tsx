import { useEffect, useRef, useState, type DragEvent, type KeyboardEvent, type MouseEvent } from 'react';
import { useVirtualizer, observeElementRect, type Virtualizer } from '@tanstack/react-virtual';
import { useTranslation } from 'react-i18next';
import type { MessageSummary } from '@mailroom/shared';
import { addressName, formatFullDate, formatListDate, formatNumber, formatSize } from '../../lib/format.js';
import { t } from '../../lib/i18n.js';
import type { MessageRow } from '../../lib/api-types.js';
import { Icon } from '../../components/Icon/Icon.js';
import type { MessageRows } from './useMailboxes.js';

/** Fixed row height (px): rows never need measuring, so 100,000 of them cost nothing. */
export const ROW_HEIGHT = 76;
const OVERSCAN = 15;
/**
 * Rows beyond the viewport in the list's first render, which is on the way from sign-in to the
 * first rows: the full OVERSCAN follows once that first screen has been painted.
 */
const FIRST_OVERSCAN = 2;
/** Used when the scroll box has no size yet (first layout, jsdom). */
const FALLBACK_VIEWPORT = { width: 400, height: 720 };

export const DRAG_TYPE = 'application/x-mailroom-messages';

export function correspondent(m: MessageSummary, showRecipients: boolean): string {
  const list = showRecipients ? m.to : m.from;
  const names = list.map(addressName).filter(Boolean);
  if (names.length === 0) return showRecipients ? t('(no recipients)') : t('(unknown sender)');
  return (showRecipients ? `${t('To:')} ` : '') + names.join(', ');
}

export function subjectOrPlaceholder(subject: string): string {
  return subject.trim() || t('(no subject)');
}

function optionLabel(m: MessageRow, showRecipients: boolean): string {
  const parts = [
    ...(m.seen ? [] : [t('Unread')]),
    correspondent(m, showRecipients),
    subjectOrPlaceholder(m.subject),
    formatFullDate(m.date),
    ...((m.threadSize ?? 1) > 1 ? [t('{{count}} messages', { count: m.threadSize, formattedCount: formatNumber(m.threadSize ?? 0) })] : []),
    ...(m.flagged ? [t('Flagged')] : []),
    ...(m.hasAttachments ? [t('Has attachments')] : []),
    ...(m.keywords?.length ? [`${t('Tags')}: ${m.keywords.join(', ')}`] : []),
  ];
  return parts.join(', ');
}

export function optionId(uid: number): string {
  return `message-option-${uid}`;
}

export interface RowClick {
  index: number;
  row: MessageRow;
  shift: boolean;
  toggle: boolean;
}

interface MessageListProps {
  rows: MessageRows;
  showRecipients?: boolean;
  selected: ReadonlySet<number>;
  cursor: number;
  openUid: number | null;
  /** Set when the cursor was moved by the keyboard: scroll to it and focus it. */
  focusCursor: number;
  onClickRow: (click: RowClick) => void;
  onCursor: (index: number, extend: boolean) => void;
  /** A row got focus (click, Tab): it becomes the cursor, the selection stays. */
  onFocusRow: (index: number) => void;
  onOpen: (index: number, viaKeyboard: boolean) => void;
  onDragRows: (row: MessageRow) => number[];
}

function observeWithFallback(instance: Virtualizer<HTMLDivElement, Element>, cb: (rect: { width: number; height: number }) => void) {
  return observeElementRect(instance, (rect) => cb(rect.height > 0 ? rect : FALLBACK_VIEWPORT));
}

/**
 * The message list: a virtualised multi-select listbox. Only the rows on screen are in the DOM; the
 * windows of rows they need are fetched as you scroll (useMessageRows).
 */
export function MessageList({
  rows,
  showRecipients = false,
  selected,
  cursor,
  openUid,
  focusCursor,
  onClickRow,
  onCursor,
  onFocusRow,
  onOpen,
  onDragRows,
}: MessageListProps) {
  useTranslation();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [overscan, setOverscan] = useState(FIRST_OVERSCAN);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => (timer = setTimeout(() => setOverscan(OVERSCAN), 0)));
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, []);
  const virtualizer = useVirtualizer({
    count: rows.total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan,
    observeElementRect: observeWithFallback,
    initialRect: FALLBACK_VIEWPORT,
  });
  const items = virtualizer.getVirtualItems();
  const start = items[0]?.index ?? 0;
  const end = items[items.length - 1]?.index ?? 0;
  const { setRange } = rows;
  useEffect(() => setRange(start, end), [setRange, start, end]);

  // Keyboard moves: bring the cursor row into view, then focus it (once its window has loaded).
  const pendingFocus = useRef<number | null>(null);
  useEffect(() => {
    if (focusCursor < 0 || cursor < 0) return;
    pendingFocus.current = cursor;
    virtualizer.scrollToIndex(cursor, { align: 'auto' });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when a keyboard move asks for it
  }, [focusCursor]);
  useEffect(() => {
    const index = pendingFocus.current;
    if (index === null) return;
    // The user went elsewhere meanwhile (search box, a dialog …): do not pull focus back.
    const active = document.activeElement;
    if (active && active !== document.body && !scrollRef.current?.contains(active)) {
      pendingFocus.current = null;
      return;
    }
    const frame = requestAnimationFrame(() => {
      const row = rows.rowAt(index);
      const el = row ? document.getElementById(optionId(row.uid)) : null;
      if (el) {
        el.focus({ preventScroll: true });
        if (document.activeElement === el) pendingFocus.current = null;
      }
    });
    return () => cancelAnimationFrame(frame);
  });

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const last = rows.total - 1;
    const current = cursor >= 0 ? cursor : -1;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight || FALLBACK_VIEWPORT.height) / ROW_HEIGHT) - 1);
    const go = (index: number) => onCursor(Math.max(0, Math.min(last, index)), event.shiftKey);
    switch (event.key) {
      case 'ArrowDown':
        go(current + 1);
        break;
      case 'ArrowUp':
        go(current < 0 ? 0 : current - 1);
        break;
      case 'Home':
        go(0);
        break;
      case 'End':
        go(last);
        break;
      case 'PageDown':
        go(current + page);
        break;
      case 'PageUp':
        go(current - page);
        break;
      case 'Enter':
      case ' ':
        if (rows.total > 0) onOpen(current >= 0 ? current : 0, true);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  const onClick = (event: MouseEvent, index: number, row: MessageRow) => {
    onClickRow({ index, row, shift: event.shiftKey, toggle: event.ctrlKey || event.metaKey });
  };

  const onDragStart = (event: DragEvent, row: MessageRow) => {
    const uids = onDragRows(row);
    event.dataTransfer.setData(DRAG_TYPE, JSON.stringify({ uids }));
    event.dataTransfer.setData('text/plain', `${uids.length} message(s)`);
    event.dataTransfer.effectAllowed = 'move';
  };

  return (
    <div className="list-body" ref={scrollRef} aria-busy={rows.isFetching}>
      <div
        role="listbox"
        aria-label={t('Messages')}
        aria-multiselectable="true"
        className="message-list"
        onKeyDown={onKeyDown}
        style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
      >
        {items.map((item) => {
          const m = rows.rowAt(item.index);
          const style = { position: 'absolute' as const, top: 0, left: 0, right: 0, height: item.size, transform: `translateY(${item.start}px)` };
          const tabIndex = item.index === (cursor >= 0 ? cursor : 0) ? 0 : -1;
          if (!m) {
            return (
              <div
                key={`loading-${item.index}`}
                role="option"
                aria-selected={false}
                aria-disabled="true"
                aria-label={t('Loading…')}
                aria-posinset={item.index + 1}
                aria-setsize={rows.total}
                tabIndex={tabIndex}
                className="message-row is-loading"
                style={style}
              >
                <span className="row-skeleton" aria-hidden="true" />
              </div>
            );
          }
          const isSelected = selected.has(m.uid);
          const threadSize = m.threadSize ?? 1;
          return (
            <div
              key={`${m.mailbox ?? ''}:${m.uid}`}
              id={optionId(m.uid)}
              role="option"
              aria-selected={isSelected}
              aria-label={optionLabel(m, showRecipients)}
              aria-posinset={item.index + 1}
              aria-setsize={rows.total}
              tabIndex={tabIndex}
              draggable
              onDragStart={(e) => onDragStart(e, m)}
              className={`message-row${m.seen ? '' : ' is-unread'}${isSelected ? ' is-selected' : ''}${m.uid === openUid ? ' is-open' : ''}`}
              style={style}
              onClick={(e) => onClick(e, item.index, m)}
              onFocus={() => {
                if (item.index !== cursor) onFocusRow(item.index);
              }}
            >
              <span className="row-marks" aria-hidden="true">
                {!m.seen && <span className="unread-dot" />}
              </span>
              <span className="row-main">
                <span className="row-top">
                  <span className="row-from">{correspondent(m, showRecipients)}</span>
                  {threadSize > 1 && (
                    <span className="row-thread" aria-hidden="true">
                      {formatNumber(threadSize)}
                    </span>
                  )}
                  <span className="row-icons" aria-hidden="true">
                    {m.hasAttachments && <Icon name="paperclip" className="mark-attachment" />}
                    {m.flagged && <Icon name="star" className="mark-flag" />}
                  </span>
                  <time className="row-date" dateTime={m.date}>
                    {formatListDate(m.date)}
                  </time>
                </span>
                <span className="row-subject">{subjectOrPlaceholder(m.subject)}</span>
                <span className="row-bottom">
                  <span className="row-preview">{m.preview ?? ''}</span>
                  {m.keywords?.map((k) => (
                    <span key={k} className="tag">
                      {k}
                    </span>
                  ))}
                  <span className="row-size">{formatSize(m.size)}</span>
                </span>
              </span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
