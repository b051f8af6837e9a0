import type { Mailbox } from '@mailroom/shared';
import { folderDisplayName, orderFolders } from './folders.js';
import { FolderIcon } from '../../components/Icon/Icon.js';

interface FolderPaneProps {
  mailboxes: readonly Mailbox[];
  current: string | null;
  onSelect: (path: string) => void;
}

export function FolderPane({ mailboxes, current, onSelect }: FolderPaneProps) {
  const entries = orderFolders(mailboxes);
  return (
    <nav aria-label="Folders" className="folders">
      <ul>
        {entries.map(({ mailbox, depth }) => {
          const name = folderDisplayName(mailbox);
          const label = mailbox.unseen > 0 ? `${name}, ${mailbox.unseen} unread` : name;
          const isCurrent = mailbox.path === current;
          return (
            <li key={mailbox.path}>
              <button
                type="button"
                className={`folder${isCurrent ? ' is-current' : ''}${mailbox.unseen > 0 ? ' has-unread' : ''}`}
                style={{ paddingInlineStart: `${12 + depth * 16}px` }}
                aria-label={label}
                aria-current={isCurrent ? 'page' : undefined}
                title={mailbox.path}
                onClick={() => onSelect(mailbox.path)}
              >
                <FolderIcon specialUse={mailbox.path.toUpperCase() === 'INBOX' ? '\\Inbox' : mailbox.specialUse} />
                <span className="folder-name">{name}</span>
                {mailbox.unseen > 0 && (
                  <span className="badge" aria-hidden="true">
                    {mailbox.unseen > 9999 ? '9999+' : mailbox.unseen}
                  </span>
                )}
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
