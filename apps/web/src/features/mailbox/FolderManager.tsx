import { useId, useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog/Dialog.js';
import type { Folder } from '../../lib/api-types.js';
import { folderDisplayName, isInbox, orderFolders } from './folders.js';
import { allMailboxesQuery } from './mailbox.queries.js';
import { useFolderChange } from './useMailboxes.js';

function FolderRow({ folder, depth }: { folder: Folder; depth: number }) {
  const { t } = useTranslation();
  const change = useFolderChange();
  const [renaming, setRenaming] = useState(false);
  const [to, setTo] = useState(folder.path);
  const name = folderDisplayName(folder);
  const protectedFolder = isInbox(folder) || folder.specialUse !== null;
  const id = useId();

  const onRename = (event: FormEvent) => {
    event.preventDefault();
    const target = to.trim();
    if (!target || target === folder.path) return setRenaming(false);
    change.mutate({ kind: 'rename', path: folder.path, to: target }, { onSuccess: () => setRenaming(false) });
  };

  return (
    <li className="manage-row" style={{ paddingInlineStart: `${depth * 16}px` }}>
      <label className="toggle">
        <input
          type="checkbox"
          checked={folder.subscribed}
          disabled={isInbox(folder)}
          aria-label={t('Show {{name}} in the folder list', { name })}
          onChange={(e) => change.mutate({ kind: 'subscribe', path: folder.path, subscribed: e.target.checked })}
        />
        <span>{name}</span>
      </label>
      {renaming ? (
        <form onSubmit={onRename} className="manage-rename">
          <label htmlFor={id} className="visually-hidden">
            {t('New path for {{name}}', { name })}
          </label>
          <input id={id} value={to} onChange={(e) => setTo(e.target.value)} />
          <button type="submit" className="btn btn-small">
            {t('Save')}
          </button>
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setRenaming(false)}>
            {t('Cancel')}
          </button>
        </form>
      ) : (
        !protectedFolder && (
          <span className="manage-actions">
            <button type="button" className="btn btn-small" aria-label={t('Rename or move {{name}}', { name })} onClick={() => setRenaming(true)}>
              {t('Rename or move')}
            </button>
            <button
              type="button"
              className="btn btn-small"
              aria-label={t('Delete folder {{name}}', { name })}
              onClick={() => {
                if (window.confirm(t('Delete the folder "{{name}}" and every message in it?', { name }))) {
                  change.mutate({ kind: 'delete', path: folder.path });
                }
              }}
            >
              {t('Delete')}
            </button>
          </span>
        )
      )}
      {change.isError && (
        <p role="alert" className="inline-error">
          {change.error.message}
        </p>
      )}
    </li>
  );
}

/** Create, rename, move, delete folders and choose which ones are shown (subscriptions). */
export default function FolderManager({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const all = useQuery(allMailboxesQuery());
  const create = useFolderChange();
  const [name, setName] = useState('');
  const [parent, setParent] = useState('');
  const ids = { name: useId(), parent: useId() };
  const folders = all.data?.mailboxes ?? [];
  const delimiter = folders.find((f) => f.delimiter)?.delimiter ?? '/';

  const onCreate = (event: FormEvent) => {
    event.preventDefault();
    const leaf = name.trim();
    if (!leaf) return;
    create.mutate({ kind: 'create', path: parent ? `${parent}${delimiter}${leaf}` : leaf }, { onSuccess: () => setName('') });
  };

  return (
    <Dialog label={t('Manage folders')} onClose={onClose} className="folder-manager">
      <form onSubmit={onCreate} className="manage-create">
        <div className="field">
          <label htmlFor={ids.name}>{t('New folder')}</label>
          <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.parent}>{t('Inside')}</label>
          <select id={ids.parent} value={parent} onChange={(e) => setParent(e.target.value)}>
            <option value="">{t('(top level)')}</option>
            {orderFolders(folders).map(({ mailbox, depth }) => (
              <option key={mailbox.path} value={mailbox.path}>
                {'\u00a0'.repeat(depth * 2)}
                {folderDisplayName(mailbox)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn btn-primary" disabled={!name.trim() || create.isPending}>
          {t('Create folder')}
        </button>
        {create.isError && (
          <p role="alert" className="inline-error">
            {create.error.message}
          </p>
        )}
      </form>
      {all.isPending && <p>{t('Loading folders…')}</p>}
      {all.isError && (
        <p role="alert" className="inline-error">
          {all.error.message}
        </p>
      )}
      <ul className="manage-list">
        {orderFolders(folders).map(({ mailbox, depth }) => (
          <FolderRow key={mailbox.path} folder={mailbox} depth={depth} />
        ))}
      </ul>
    </Dialog>
  );
}
