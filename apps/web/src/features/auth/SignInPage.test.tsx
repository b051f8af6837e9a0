import { describe, expect, it, afterEach, vi } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../../app/App.js';
import { apiError, json, mailbox, mockApi, renderApp, summary } from '../../test/api-mock.js';

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = 'mr_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
});

/** Renders the app and signs in as alice through the form. */
async function signInThroughTheForm() {
  renderApp(<App />);
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Email'), 'alice@example.test');
  await user.type(screen.getByLabelText('Password'), 'secret');
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
  return user;
}

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
    const user = await signInThroughTheForm();

    const signOut = await screen.findByRole('button', { name: 'Sign out' });
    expect(await screen.findByRole('button', { name: /^Inbox/ })).toBeTruthy();
    expect(requests.find((r) => r.method === 'POST')?.headers['x-csrf-token']).toBe('token-123');

    await user.click(signOut);
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(requests.find((r) => r.method === 'DELETE')?.headers['x-csrf-token']).toBe('token-123');
  });

  it('asks for the first page all at once after signing in, and shows INBOX rows before their previews', async () => {
    let signedIn = false;
    let releaseFull: () => void = () => undefined;
    const fullHeld = new Promise<void>((resolve) => (releaseFull = resolve));
    const window = (previews: boolean) => ({
      mailbox: 'INBOX',
      total: 2,
      offset: 0,
      limit: 100,
      sort: 'date',
      order: 'desc',
      messages: [2, 1].map((uid) => summary(uid, { preview: previews ? `Preview of ${uid}` : '' })),
    });
    const { requests } = mockApi({
      'GET /api/session': () =>
        signedIn ? { status: 200, body: { user: { email: 'alice@example.test' } } } : { status: 401, body: { error: { code: 'unauthorized', message: 'no' } } },
      'POST /api/session': () => {
        signedIn = true;
        return { status: 200, body: { user: { email: 'alice@example.test' }, preferences: { conversationView: false } } };
      },
      'GET /api/mailboxes': json({ mailboxes: [mailbox('INBOX', { name: 'INBOX', specialUse: '\\Inbox', total: 2 })] }),
      'GET /api/mailboxes/INBOX/messages?offset=0&limit=100&sort=date&order=desc&previews=0': () => ({ status: 200, body: window(false) }),
      // the full window (with previews) is held back until the rows without them are on screen
      'GET /api/mailboxes/INBOX/messages?offset=0&limit=100&sort=date&order=desc': async () => {
        await fullHeld;
        return { status: 200, body: window(true) };
      },
    });
    await signInThroughTheForm();

    expect(await screen.findByRole('option', { name: /Subject 2/ })).toBeTruthy();
    expect(screen.queryByText('Preview of 2')).toBeNull();
    // what the first page needs went out right after the sign-in answer (which brought the
    // preferences), INBOX's two windows first, the folder list next to them
    const after = requests.slice(requests.findIndex((r) => r.method === 'POST') + 1).map((r) => `${r.method} ${r.path}`);
    expect(after.slice(0, 2)).toEqual([
      'GET /api/mailboxes/INBOX/messages?offset=0&limit=100&sort=date&order=desc&previews=0',
      'GET /api/mailboxes/INBOX/messages?offset=0&limit=100&sort=date&order=desc',
    ]);
    expect(after).toContain('GET /api/mailboxes');
    expect(after).not.toContain('GET /api/preferences');
    releaseFull();
    expect(await screen.findByText('Preview of 2')).toBeTruthy();
    // the full window replaced the first one; no other window was asked for
    expect(requests.filter((r) => r.path.includes('/messages?')).length).toBe(2);
  });

  it('shows the first window the sign-in answer brings (INBOX unchanged) without asking for it', async () => {
    let signedIn = false;
    const inbox = { mailbox: 'INBOX', total: 2, offset: 0, limit: 100, sort: 'date', order: 'desc', messages: [2, 1].map((uid) => summary(uid, { preview: `Preview of ${uid}` })) };
    const { requests } = mockApi({
      'GET /api/session': () =>
        signedIn ? { status: 200, body: { user: { email: 'alice@example.test' } } } : { status: 401, body: { error: { code: 'unauthorized', message: 'no' } } },
      'POST /api/session': () => {
        signedIn = true;
        return { status: 200, body: { user: { email: 'alice@example.test' }, preferences: { conversationView: false }, inbox } };
      },
      'GET /api/mailboxes': json({ mailboxes: [mailbox('INBOX', { name: 'INBOX', specialUse: '\\Inbox', total: 2 })] }),
      'GET /api/mailboxes/INBOX/messages': json({ mailbox: 'INBOX', total: 0, offset: 0, limit: 100, messages: [] }),
    });
    await signInThroughTheForm();

    expect(await screen.findByRole('option', { name: /Subject 2/ })).toBeTruthy();
    expect(screen.getByText('Preview of 2')).toBeTruthy();
    expect(await screen.findByRole('button', { name: /^Inbox/ })).toBeTruthy();
    expect(requests.filter((r) => r.path.includes('/messages?'))).toEqual([]);
  });
});
