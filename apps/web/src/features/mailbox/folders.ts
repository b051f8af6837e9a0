// Folder ordering and naming for the folder pane.
import type { Mailbox } from '@mailroom/shared';
import { t } from '../../lib/i18n.js';

const SPECIAL_ORDER = ['\\Inbox', '\\Drafts', '\\Sent', '\\Archive', '\\Junk', '\\Trash'];

export function isInbox(m: Pick<Mailbox, 'path' | 'specialUse'>): boolean {
  return m.path.toUpperCase() === 'INBOX' || m.specialUse === '\\Inbox';
}

/** Name shown to the user: INBOX is "Inbox", everything else its last path component. */
export function folderDisplayName(m: Pick<Mailbox, 'path' | 'name' | 'specialUse'>): string {
  if (m.path.toUpperCase() === 'INBOX') return t('Inbox');
  return m.name || m.path;
}

function specialRank(m: Mailbox): number {
  if (isInbox(m)) return 0;
  const i = m.specialUse ? SPECIAL_ORDER.findIndex((s) => s.toLowerCase() === m.specialUse?.toLowerCase()) : -1;
  return i < 0 ? SPECIAL_ORDER.length : i;
}

export interface FolderEntry {
  mailbox: Mailbox;
  depth: number;
}

function parentPath(m: Mailbox): string | null {
  if (!m.delimiter) return null;
  const at = m.path.lastIndexOf(m.delimiter);
  return at > 0 ? m.path.slice(0, at) : null;
}

let collator: Intl.Collator | undefined;
/** Made on first use: building a collator costs ms (ICU data), and the first screen's one folder needs none. */
function folderCollator(): Intl.Collator {
  return (collator ??= new Intl.Collator(undefined, { sensitivity: 'base', numeric: true }));
}

/**
 * Orders folders for display: special-use folders first (Inbox, Drafts, Sent, Archive, Junk, Trash),
 * then the rest alphabetically; children follow their parent, indented by depth.
 */
export function orderFolders(mailboxes: readonly Mailbox[]): FolderEntry[] {
  const byPath = new Map(mailboxes.map((m) => [m.path, m]));
  const children = new Map<string | null, Mailbox[]>();
  for (const m of mailboxes) {
    // A child whose parent is missing from the list is shown at top level.
    let parent = parentPath(m);
    while (parent !== null && !byPath.has(parent)) {
      const at = m.delimiter ? parent.lastIndexOf(m.delimiter) : -1;
      parent = at > 0 ? parent.slice(0, at) : null;
    }
    const list = children.get(parent) ?? [];
    list.push(m);
    children.set(parent, list);
  }
  const compare = (a: Mailbox, b: Mailbox) =>
    specialRank(a) - specialRank(b) || folderCollator().compare(folderDisplayName(a), folderDisplayName(b)) || a.path.localeCompare(b.path);

  const out: FolderEntry[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, depth: number) => {
    for (const m of (children.get(parent) ?? []).sort(compare)) {
      if (seen.has(m.path)) continue;
      seen.add(m.path);
      out.push({ mailbox: m, depth });
      walk(m.path, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** The folder to open after signing in. */
export function defaultFolder(mailboxes: readonly Mailbox[]): string | null {
  return (mailboxes.find(isInbox) ?? orderFolders(mailboxes)[0]?.mailbox)?.path ?? null;
}
