import { useState, type DragEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { formatNumber, formatSize } from '../../lib/format.js';
import type { Folder } from '../../lib/api-types.js';
import { FolderIcon, Icon } from '../../components/Icon/Icon.js';
import { folderDisplayName, isInbox, orderFolders } from './folders.js';
import { quotaQuery } from './mailbox.queries.js';
import { DRAG_TYPE } from './MessageList.js';
import type { CancelSendResponse } from '@mailroom/shared';
import { ScheduledButton } from '../outbox/ScheduledButton.js';

const COLLAPSED_KEY = 'mailroom.collapsedFolders';

function loadCollapsed(): Set<string> {
  try {
    const raw = JSON.parse(localStorage.getItem(COLLAPSED_KEY) ?? '[]') as unknown;
    return new Set(Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : []);
  } catch {
    return new Set();
  }
}

interface FolderPaneProps {
  mailboxes: readonly Folder[];
  current: string | null;
  onSelect: (path: string) => void;
  /** Messages dropped on a folder (drag and drop from the list). */
  onDropMessages: (destination: string, uids: number[]) => void;
  onEmpty: (path: string) => void;
  onManage: () => void;
  /** A scheduled or failed send was cancelled from the "Scheduled" list: reopen it in compose. */
  onEditScheduled?: (response: CancelSendResponse) => void;
}

function isEmptiable(m: Folder): boolean {
  const s = m.specialUse?.toLowerCase();
  return s === '\\trash' || s === '\\junk';
}

export function FolderPane({ mailboxes, current, onSelect, onDropMessages, onEmpty, onManage, onEditScheduled }: FolderPaneProps) {
  const { t } = useTranslation();
  const [collapsed, setCollapsed] = useState(loadCollapsed);
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const entries = orderFolders(mailboxes);

  const toggle = (path: string) => {
    setCollapsed((old) => {
      const next = new Set(old);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      try {
        localStorage.setItem(COLLAPSED_KEY, JSON.stringify([...next]));
      } catch {
        // not remembered, still applied
      }
      return next;
    });
  };

  const visible: Array<{ entry: (typeof entries)[number]; hasChildren: boolean }> = [];
  let hideDeeperThan = Infinity;
  entries.forEach((entry, i) => {
    if (entry.depth > hideDeeperThan) return;
    hideDeeperThan = Infinity;
    const hasChildren = (entries[i + 1]?.depth ?? -1) > entry.depth;
    visible.push({ entry, hasChildren });
    if (hasChildren && collapsed.has(entry.mailbox.path)) hideDeeperThan = entry.depth;
  });

  const onDragOver = (event: DragEvent, path: string) => {
    if (!event.dataTransfer.types.includes(DRAG_TYPE) || path === current) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    setDropTarget(path);
  };
  const onDrop = (event: DragEvent, path: string) => {
    setDropTarget(null);
    const raw = event.dataTransfer.getData(DRAG_TYPE);
    if (!raw) return;
    event.preventDefault();
    try {
      const { uids } = JSON.parse(raw) as { uids?: unknown };
      if (Array.isArray(uids)) onDropMessages(path, uids.filter((u): u is number => Number.isInteger(u)));
    } catch {
      // not ours
    }
  };

  return (
    <>
      <nav aria-label={t('Folders')} className="folders">
        <ul>
          {visible.map(({ entry: { mailbox, depth }, hasChildren }) => {
            const name = folderDisplayName(mailbox);
            const label =
              mailbox.unseen > 0 ? `${name}, ${t('{{count}} unread', { count: mailbox.unseen, formattedCount: formatNumber(mailbox.unseen) })}` : name;
            const isCurrent = mailbox.path === current;
            const isCollapsed = collapsed.has(mailbox.path);
            return (
              <li key={mailbox.path} className="folder-item">
                <button
                  type="button"
                  className={`folder${isCurrent ? ' is-current' : ''}${mailbox.unseen > 0 ? ' has-unread' : ''}${dropTarget === mailbox.path ? ' is-drop-target' : ''}`}
                  style={{ paddingInlineStart: `${28 + depth * 16}px` }}
                  aria-label={label}
                  aria-current={isCurrent ? 'page' : undefined}
                  title={mailbox.path}
                  onClick={() => onSelect(mailbox.path)}
                  onDragOver={(e) => onDragOver(e, mailbox.path)}
                  onDragLeave={() => setDropTarget(null)}
                  onDrop={(e) => onDrop(e, mailbox.path)}
                >
                  <FolderIcon specialUse={isInbox(mailbox) ? '\\Inbox' : mailbox.specialUse} />
                  <span className="folder-name">{name}</span>
                  {mailbox.unseen > 0 && (
                    <span className="badge" aria-hidden="true">
                      {mailbox.unseen > 9999 ? '9999+' : formatNumber(mailbox.unseen)}
                    </span>
                  )}
                </button>
                {hasChildren && (
                  <button
                    type="button"
                    className="folder-toggle"
                    style={{ insetInlineStart: `${4 + depth * 16}px` }}
                    aria-expanded={!isCollapsed}
                    aria-label={isCollapsed ? t('Expand {{name}}', { name }) : t('Collapse {{name}}', { name })}
                    onClick={() => toggle(mailbox.path)}
                  >
                    <Icon name={isCollapsed ? 'chevronRight' : 'chevronDown'} />
                  </button>
                )}
                {isEmptiable(mailbox) && mailbox.total > 0 && (
                  <button
                    type="button"
                    className="folder-empty btn-icon"
                    aria-label={t('Empty {{name}}', { name })}
                    title={t('Empty {{name}}', { name })}
                    onClick={() => onEmpty(mailbox.path)}
                  >
                    <Icon name="trash" />
                  </button>
                )}
              </li>
            );
          })}
          <ScheduledButton onEdit={onEditScheduled} />
        </ul>
      </nav>
      <div className="folder-footer">
        <button type="button" className="btn btn-small btn-ghost" onClick={onManage}>
          <Icon name="settings" />
          <span>{t('Manage folders')}</span>
        </button>
        <QuotaMeter />
      </div>
    </>
  );
}

export function QuotaMeter() {
  const { t } = useTranslation();
  const quota = useQuery(quotaQuery());
  const used = quota.data?.usedBytes;
  const limit = quota.data?.limitBytes;
  if (used == null) return null;
  if (limit == null || limit <= 0) {
    return <p className="quota">{t('{{used}} used', { used: formatSize(used) })}</p>;
  }
  const percent = Math.min(100, Math.round((used / limit) * 100));
  const text = t('{{used}} of {{limit}} used', { used: formatSize(used), limit: formatSize(limit) });
  return (
    <div className="quota">
      <div
        role="meter"
        aria-label={t('Storage used')}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={text}
        className={`quota-bar${percent >= 90 ? ' is-full' : ''}`}
      >
        <span style={{ width: `${percent}%` }} />
      </div>
      <p>{text}</p>
    </div>
  );
}
