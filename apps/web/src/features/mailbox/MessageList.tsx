import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { MessageSummary } from '@mailroom/shared';
import { addressName, formatFullDate, formatListDate } from '../../lib/format.js';
import { Icon } from '../../components/Icon/Icon.js';

interface MessageListProps {
  messages: readonly MessageSummary[];
  /** Show recipients instead of senders (Sent, Drafts). */
  showRecipients?: boolean;
  selectedUid: number | null;
  openUid: number | null;
  onSelect: (uid: number) => void;
  onOpen: (uid: number, viaKeyboard: boolean) => void;
}

function correspondent(m: MessageSummary, showRecipients: boolean): string {
  const list = showRecipients ? m.to : m.from;
  const names = list.map(addressName).filter(Boolean);
  if (names.length === 0) return showRecipients ? '(no recipients)' : '(unknown sender)';
  return (showRecipients ? 'To: ' : '') + names.join(', ');
}

export function subjectOrPlaceholder(subject: string): string {
  return subject.trim() || '(no subject)';
}

function optionLabel(m: MessageSummary, showRecipients: boolean): string {
  const parts = [
    ...(m.seen ? [] : ['Unread']),
    correspondent(m, showRecipients),
    subjectOrPlaceholder(m.subject),
    formatFullDate(m.date),
    ...(m.flagged ? ['Flagged'] : []),
    ...(m.hasAttachments ? ['Has attachments'] : []),
  ];
  return parts.join(', ');
}

export function optionId(uid: number): string {
  return `message-option-${uid}`;
}

/** The message list: a single-select listbox; arrows move the selection, Enter opens. */
export function MessageList({ messages, showRecipients = false, selectedUid, openUid, onSelect, onOpen }: MessageListProps) {
  const listRef = useRef<HTMLDivElement>(null);
  const focusOnSelect = useRef(false);

  const selectedIndex = messages.findIndex((m) => m.uid === selectedUid);
  const tabStop = selectedIndex >= 0 ? selectedIndex : 0;

  useEffect(() => {
    if (!focusOnSelect.current || selectedUid === null) return;
    focusOnSelect.current = false;
    const el = listRef.current?.querySelector<HTMLElement>(`#${optionId(selectedUid)}`);
    el?.focus();
    el?.scrollIntoView?.({ block: 'nearest' });
  }, [selectedUid]);

  const move = (index: number) => {
    const target = messages[Math.max(0, Math.min(messages.length - 1, index))];
    if (!target) return;
    focusOnSelect.current = true;
    if (target.uid === selectedUid) {
      listRef.current?.querySelector<HTMLElement>(`#${optionId(target.uid)}`)?.focus();
      focusOnSelect.current = false;
    }
    onSelect(target.uid);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const current = selectedIndex >= 0 ? selectedIndex : -1;
    switch (event.key) {
      case 'ArrowDown':
        move(current + 1);
        break;
      case 'ArrowUp':
        move(current < 0 ? 0 : current - 1);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(messages.length - 1);
        break;
      case 'PageDown':
        move(current + 10);
        break;
      case 'PageUp':
        move(current - 10);
        break;
      case 'Enter':
      case ' ': {
        const target = messages[current >= 0 ? current : 0];
        if (target) {
          if (target.uid !== selectedUid) onSelect(target.uid);
          onOpen(target.uid, true);
        }
        break;
      }
      default:
        return;
    }
    event.preventDefault();
  };

  return (
    <div role="listbox" aria-label="Messages" className="message-list" ref={listRef} onKeyDown={onKeyDown}>
      {messages.map((m, index) => {
        const selected = m.uid === selectedUid;
        return (
          <div
            key={m.uid}
            id={optionId(m.uid)}
            role="option"
            aria-selected={selected}
            aria-label={optionLabel(m, showRecipients)}
            tabIndex={index === tabStop ? 0 : -1}
            className={`message-row${m.seen ? '' : ' is-unread'}${selected ? ' is-selected' : ''}${m.uid === openUid ? ' is-open' : ''}`}
            onClick={() => {
              onSelect(m.uid);
              onOpen(m.uid, false);
            }}
            onFocus={() => {
              if (!selected) onSelect(m.uid);
            }}
          >
            <span className="row-marks" aria-hidden="true">
              {!m.seen && <span className="unread-dot" />}
            </span>
            <span className="row-main">
              <span className="row-top">
                <span className="row-from">{correspondent(m, showRecipients)}</span>
                <span className="row-icons" aria-hidden="true">
                  {m.hasAttachments && <Icon name="paperclip" className="mark-attachment" />}
                  {m.flagged && <Icon name="star" className="mark-flag" />}
                </span>
                <time className="row-date" dateTime={m.date}>
                  {formatListDate(m.date)}
                </time>
              </span>
              <span className="row-subject">{subjectOrPlaceholder(m.subject)}</span>
            </span>
          </div>
        );
      })}
    </div>
  );
}
