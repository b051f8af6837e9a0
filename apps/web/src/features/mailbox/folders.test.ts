import { describe, expect, it } from 'vitest';
import { defaultFolder, folderDisplayName, orderFolders } from './folders.js';
import { mailbox } from '../../test/api-mock.js';

describe('orderFolders', () => {
  it('puts special-use folders first in a fixed order, then the rest alphabetically with children under parents', () => {
    const list = [
      mailbox('Zeta'),
      mailbox('Trash', { specialUse: '\\Trash' }),
      mailbox('Projects/2026'),
      mailbox('Archive', { specialUse: '\\Archive' }),
      mailbox('alpha'),
      mailbox('Sent Messages', { specialUse: '\\Sent' }),
      mailbox('Projects'),
      mailbox('INBOX', { name: 'INBOX' }),
      mailbox('Junk', { specialUse: '\\Junk' }),
      mailbox('Projects/2025'),
      mailbox('Drafts', { specialUse: '\\Drafts' }),
    ];
    const ordered = orderFolders(list).map((e) => `${'  '.repeat(e.depth)}${folderDisplayName(e.mailbox)}`);
    expect(ordered).toEqual([
      'Inbox',
      'Drafts',
      'Sent Messages',
      'Archive',
      'Junk',
      'Trash',
      'alpha',
      'Projects',
      '  2025',
      '  2026',
      'Zeta',
    ]);
  });

  it('shows children of a missing parent at top level and picks INBOX as the default folder', () => {
    const list = [mailbox('Lost/Child'), mailbox('INBOX', { name: 'INBOX' })];
    expect(orderFolders(list).map((e) => [e.mailbox.path, e.depth])).toEqual([
      ['INBOX', 0],
      ['Lost/Child', 0],
    ]);
    expect(defaultFolder(list)).toBe('INBOX');
  });
});
