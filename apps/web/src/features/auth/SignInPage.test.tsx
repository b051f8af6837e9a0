import { describe, expect, it, afterEach, vi } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../../app/App.js';
import { apiError, json, mailbox, mockApi, renderApp } from '../../test/api-mock.js';

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = 'mr_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
});

describe('sign-in', () => {
  it('shows the server message when the login fails and stays signed out', async () => {
    const { requests } = mockApi({
      'GET /api/session': apiError(401, 'unauthorized', 'Not signed in'),
      'POST /api/session': apiError(401, 'invalid_credentials', 'Wrong email or password'),
    });
    renderApp(<App />);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Email'), 'alice@example.test');
    await user.type(screen.getByLabelText('Password'), 'nope');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect((await screen.findByRole('alert')).textContent).toContain('Wrong email or password');
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
    // What was typed is still there.
    expect((screen.getByLabelText('Email') as HTMLInputElement).value).toBe('alice@example.test');
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ email: 'alice@example.test', password: 'nope' });
  });

  it('asks for both fields before calling the server', async () => {
    const { requests } = mockApi({ 'GET /api/session': apiError(401, 'unauthorized', 'Not signed in') });
    renderApp(<App />);
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Enter your email and password.');
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('signs in, shows the mailbox, sends the CSRF token and signs out', async () => {
    document.cookie = 'mr_csrf=token-123';
    let signedIn = false;
    const { requests } = mockApi({
      'GET /api/session': () =>
        signedIn ? { status: 200, body: { user: { email: 'alice@example.test' } } } : { status: 401, body: { error: { code: 'unauthorized', message: 'no' } } },
      'POST /api/session': () => {
        signedIn = true;
        return { status: 200, body: { user: { email: 'alice@example.test' } } };
      },
      'DELETE /api/session': () => {
        signedIn = false;
        return { status: 204 };
      },
      'GET /api/mailboxes': json({ mailboxes: [mailbox('INBOX', { name: 'INBOX', specialUse: '\\Inbox' })] }),
      'GET /api/mailboxes/INBOX/messages': json({ mailbox: 'INBOX', total: 0, page: 1, pageSize: 50, messages: [] }),
    });
    renderApp(<App />);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Email'), 'alice@example.test');
    await user.type(screen.getByLabelText('Password'), 'secret');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    const signOut = await screen.findByRole('button', { name: 'Sign out' });
    expect(await screen.findByRole('button', { name: /^Inbox/ })).toBeTruthy();
    expect(requests.find((r) => r.method === 'POST')?.headers['x-csrf-token']).toBe('token-123');

    await user.click(signOut);
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(requests.find((r) => r.method === 'DELETE')?.headers['x-csrf-token']).toBe('token-123');
  });
});
