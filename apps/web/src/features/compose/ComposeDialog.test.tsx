import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../../app/App.js';
import { apiError, json, mailbox, mockApi, renderApp } from '../../test/api-mock.js';
import type { Handler } from '../../test/api-mock.js';
import { parseRecipients } from './compose.queries.js';

afterEach(() => vi.unstubAllGlobals());

function setup(send: Handler) {
  return mockApi({
    'GET /api/session': json({ user: { email: 'alice@example.test' } }),
    'GET /api/mailboxes': json({ mailboxes: [mailbox('INBOX', { name: 'INBOX' })] }),
    'GET /api/mailboxes/INBOX/messages': json({ mailbox: 'INBOX', total: 0, page: 1, pageSize: 50, messages: [] }),
    'POST /api/messages/send': send,
  });
}

async function openCompose() {
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name: 'Compose' }));
  const dialog = screen.getByRole('dialog', { name: 'New message' });
  return { user, dialog, field: (name: string) => within(dialog).getByRole('textbox', { name }) as HTMLInputElement };
}

describe('compose', () => {
  it('asks for a recipient and rejects invalid addresses without sending', async () => {
    const { requests } = setup(json({ messageId: '<x@y>', savedToSent: true }, 202));
    renderApp(<App />);
    const { user, dialog, field } = await openCompose();
    expect(document.activeElement).toBe(field('To'));

    await user.type(field('Subject'), 'Hello');
    await user.click(within(dialog).getByRole('button', { name: 'Send' }));
    expect(within(dialog).getByRole('alert').textContent).toContain('Add at least one recipient.');

    await user.type(field('To'), 'bob@example.org, not-an-address');
    await user.click(within(dialog).getByRole('button', { name: 'Send' }));
    expect(within(dialog).getByRole('alert').textContent).toContain('"not-an-address" is not a valid email address.');
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(field('Subject').value).toBe('Hello');
  });

  it('keeps everything typed and shows the error when sending fails', async () => {
    setup(apiError(422, 'recipient_refused', 'The server refused bob@example.org'));
    renderApp(<App />);
    const { user, dialog, field } = await openCompose();
    await user.type(field('To'), 'bob@example.org');
    await user.type(field('Cc'), 'carol@example.org');
    await user.type(field('Subject'), 'Lunch');
    await user.type(field('Message'), 'See you at noon.');
    await user.click(within(dialog).getByRole('button', { name: 'Send' }));

    expect((await within(dialog).findByRole('alert')).textContent).toContain('The server refused bob@example.org');
    expect(screen.getByRole('dialog', { name: 'New message' })).toBe(dialog);
    expect(field('To').value).toBe('bob@example.org');
    expect(field('Cc').value).toBe('carol@example.org');
    expect(field('Subject').value).toBe('Lunch');
    expect(field('Message').value).toBe('See you at noon.');
    expect(screen.getByRole('status').textContent).toBe('');
  });

  it('sends, closes the dialog and announces "Message sent"', async () => {
    document.cookie = 'mr_csrf=csrf-abc';
    const { requests } = setup(json({ messageId: '<x@y>', savedToSent: true }, 202));
    renderApp(<App />);
    const { user, dialog, field } = await openCompose();
    await user.type(field('To'), 'Bob <bob@example.org>; dave@example.org');
    await user.type(field('Subject'), 'Hi');
    await user.type(field('Message'), 'Hello Bob');
    await user.click(within(dialog).getByRole('button', { name: 'Send' }));

    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Message sent'));
    expect(screen.queryByRole('dialog', { name: 'New message' })).toBeNull();
    const post = requests.find((r) => r.method === 'POST' && r.path === '/api/messages/send');
    expect(post?.body).toEqual({ to: ['bob@example.org', 'dave@example.org'], cc: [], subject: 'Hi', text: 'Hello Bob' });
    expect(post?.headers['x-csrf-token']).toBe('csrf-abc');
    document.cookie = 'mr_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
  });

  it('discards', async () => {
    setup(json({}));
    renderApp(<App />);
    const { user, dialog } = await openCompose();
    await user.click(within(dialog).getByRole('button', { name: 'Discard' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

describe('parseRecipients', () => {
  it('accepts commas, semicolons and display names', () => {
    expect(parseRecipients(' a@x.org ,B <b@y.org>; ')).toEqual({ ok: true, addresses: ['a@x.org', 'b@y.org'] });
    expect(parseRecipients('')).toEqual({ ok: true, addresses: [] });
    expect(parseRecipients('a@x.org, bad')).toEqual({ ok: false, invalid: 'bad' });
  });
});
