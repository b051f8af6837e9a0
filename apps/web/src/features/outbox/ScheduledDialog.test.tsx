import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient } from '@tanstack/react-query';
import type { CancelSendResponse, OutboxItem } from '@mailroom/shared';
import { apiError, json, mockApi, renderApp } from '../../test/api-mock.js';
import { connectLiveUpdates } from '../../lib/events.js';
import ScheduledDialog from './ScheduledDialog.js';
import { ScheduledButton } from './ScheduledButton.js';
import { outboxKeys } from './outbox.queries.js';

const later: OutboxItem = {
  id: 'ob-1',
  status: 'pending',
  sendAt: '2030-05-06T08:00:00.000Z',
  subject: 'Quarterly report',
  to: ['bob@example.org', 'carol@example.org'],
  messageId: '<a@example.org>',
  error: null,
};
const failed: OutboxItem = {
  id: 'ob-2',
  status: 'failed',
  sendAt: '2030-05-01T08:00:00.000Z',
  subject: '',
  to: ['nobody@example.invalid'],
  messageId: '<b@example.org>',
  error: { code: 'recipient_refused', message: 'The server refused nobody@example.invalid' },
};
const done: OutboxItem = { ...later, id: 'ob-3', status: 'sent', subject: 'Already out' };

const returned: CancelSendResponse = {
  state: {
    to: [{ name: '', address: 'bob@example.org' }],
    cc: [],
    bcc: [],
    subject: 'Quarterly report',
    format: 'html',
    html: '<p>Numbers</p>',
    text: '',
    attachments: [],
    priority: 'normal',
    readReceipt: false,
  },
  attachments: [],
};

afterEach(() => vi.unstubAllGlobals());

describe('ScheduledDialog', () => {
  it('lists waiting and failed sends with time, recipients and subject; cancelling hands the message to compose', async () => {
    const { requests } = mockApi({
      'GET /api/outbox': json({ items: [later, failed, done] }),
      'DELETE /api/outbox/ob-1': json(returned),
    });
    const onEdit = vi.fn();
    const onClose = vi.fn();
    const user = userEvent.setup();
    renderApp(<ScheduledDialog onClose={onClose} onEdit={onEdit} />);
    const dialog = screen.getByRole('dialog', { name: 'Scheduled and unsent messages' });
    const items = await within(dialog).findAllByRole('listitem');
    expect(items).toHaveLength(2);
    // Oldest first: the failed one, then the scheduled one; sent items are not listed.
    expect(items[0]!.textContent).toContain('(no subject)');
    expect(items[0]!.textContent).toContain('Not sent: The server refused nobody@example.invalid');
    expect(items[1]!.textContent).toContain('Quarterly report');
    expect(items[1]!.textContent).toContain('To: bob@example.org, carol@example.org');
    expect(items[1]!.querySelector('time')?.getAttribute('dateTime')).toBe(later.sendAt);
    expect(within(dialog).queryByText('Already out')).toBeNull();
    expect(within(items[0]!).getByRole('button', { name: 'Edit unsent message (no subject)' })).toBeTruthy();

    await user.click(within(dialog).getByRole('button', { name: 'Cancel sending Quarterly report' }));
    await waitFor(() => expect(onEdit).toHaveBeenCalledWith(returned));
    expect(onClose).toHaveBeenCalled();
    expect(requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual(['/api/outbox/ob-1']);
  });

  it('says so when it is too late to cancel', async () => {
    mockApi({
      'GET /api/outbox': json({ items: [later] }),
      'DELETE /api/outbox/ob-1': apiError(409, 'conflict', 'Already sent'),
    });
    const onEdit = vi.fn();
    const user = userEvent.setup();
    renderApp(<ScheduledDialog onClose={() => {}} onEdit={onEdit} />);
    await user.click(await screen.findByRole('button', { name: 'Cancel sending Quarterly report' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Too late to cancel: the message was already sent.');
    expect(onEdit).not.toHaveBeenCalled();
  });
});

describe('ScheduledButton', () => {
  it('appears only while something is waiting, with the count, and opens the list', async () => {
    let items: OutboxItem[] = [];
    mockApi({ 'GET /api/outbox': () => ({ status: 200, body: { items } }) });
    const user = userEvent.setup();
    const { client } = renderApp(
      <ul>
        <ScheduledButton />
      </ul>,
    );
    await waitFor(() => expect(client.getQueryState(outboxKeys.all)?.status).toBe('success'));
    expect(screen.queryByRole('button', { name: /Scheduled/ })).toBeNull();

    items = [later, failed];
    await client.invalidateQueries({ queryKey: outboxKeys.all });
    const button = await screen.findByRole('button', { name: 'Scheduled, 2 waiting, 1 failed' });
    expect(button.textContent).toContain('2');
    await user.click(button);
    expect(await screen.findByRole('dialog', { name: 'Scheduled and unsent messages' })).toBeTruthy();
  });

  it('is refreshed by the outbox event of the live update stream', () => {
    const listeners = new Map<string, (e: MessageEvent) => void>();
    class FakeEventSource {
      onerror: (() => void) | null = null;
      addEventListener(type: string, fn: (e: MessageEvent) => void) {
        listeners.set(type, fn);
      }
      close() {}
    }
    vi.stubGlobal('EventSource', FakeEventSource);
    const client = new QueryClient();
    client.setQueryData(outboxKeys.all, { items: [later] });
    const onOutbox = vi.fn();
    const stop = connectLiveUpdates(client, { onOutbox });
    listeners.get('outbox')!(new MessageEvent('outbox', { data: JSON.stringify({ id: 'ob-1', status: 'sent' }) }));
    expect(client.getQueryState(outboxKeys.all)?.isInvalidated).toBe(true);
    expect(onOutbox).toHaveBeenCalledWith({ id: 'ob-1', status: 'sent' });
    listeners.get('outbox')!(new MessageEvent('outbox', { data: 'not json' }));
    expect(onOutbox).toHaveBeenCalledTimes(1);
    stop();
  });
});
