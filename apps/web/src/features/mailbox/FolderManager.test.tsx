import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../../app/App.js';
import { json, mailbox, mockApi, renderApp } from '../../test/api-mock.js';
import { windowHandler } from '../../test/list-mock.js';

afterEach(() => vi.unstubAllGlobals());

describe('folder management', () => {
  it('creates, renames/moves, deletes folders and manages subscriptions', { timeout: 30_000 }, async () => {
    const folders = [
      mailbox('INBOX', { name: 'INBOX' }),
      mailbox('Trash', { specialUse: '\\Trash' }),
      mailbox('Projects'),
      mailbox('Old', { subscribed: false }),
    ];
    const { requests } = mockApi({
      'GET /api/session': json({ user: { email: 'alice@example.test' } }),
      'GET /api/preferences': json({ markReadDelayMs: 0, conversationView: false, theme: 'system', language: 'en', remoteContentSenders: [] }),
      'GET /api/quota': json({ usedBytes: 2048, limitBytes: null }),
      'GET /api/mailboxes': json({ mailboxes: folders.filter((f) => f.subscribed) }),
      'GET /api/mailboxes?all=1': json({ mailboxes: folders }),
      'GET /api/mailboxes/INBOX/messages': windowHandler(0),
      'POST /api/mailboxes': () => ({ status: 201, body: mailbox('Projects/2027') }),
      'PATCH /api/mailboxes/Projects': () => ({ status: 200, body: mailbox('Work') }),
      'PATCH /api/mailboxes/Old': () => ({ status: 200, body: mailbox('Old') }),
      'DELETE /api/mailboxes/Projects': () => ({ status: 204 }),
    });
    vi.stubGlobal('confirm', () => true);
    renderApp(<App />);
    const user = userEvent.setup();
    // Quota without a limit: just the usage.
    expect(await screen.findByText('2.0 KB used')).toBeTruthy();
    const nav = await screen.findByRole('navigation', { name: 'Folders' });
    expect(within(nav).queryByRole('button', { name: 'Old' })).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Manage folders' }));
    const dialog = await screen.findByRole('dialog', { name: 'Manage folders' });
    await within(dialog).findByRole('checkbox', { name: 'Show Old in the folder list' });
    // Special folders cannot be renamed or deleted.
    expect(within(dialog).queryByRole('button', { name: 'Delete folder Trash' })).toBeNull();

    await user.type(within(dialog).getByLabelText('New folder'), '2027');
    await user.selectOptions(within(dialog).getByLabelText('Inside'), 'Projects');
    await user.click(within(dialog).getByRole('button', { name: 'Create folder' }));

    await user.click(within(dialog).getByRole('checkbox', { name: 'Show Old in the folder list' }));

    await user.click(within(dialog).getByRole('button', { name: 'Rename or move Projects' }));
    const path = within(dialog).getByLabelText('New path for Projects');
    await user.clear(path);
    await user.type(path, 'Work{Enter}');

    await user.click(within(dialog).getByRole('button', { name: 'Delete folder Projects' }));

    const writes = () => requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body ?? null)}`);
    await waitFor(() =>
      expect(writes()).toEqual([
        'POST /api/mailboxes {"path":"Projects/2027"}',
        'PATCH /api/mailboxes/Old {"subscribed":true}',
        'PATCH /api/mailboxes/Projects {"path":"Work"}',
        'DELETE /api/mailboxes/Projects null',
      ]),
    );
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog', { name: 'Manage folders' })).toBeNull();
  });
});
