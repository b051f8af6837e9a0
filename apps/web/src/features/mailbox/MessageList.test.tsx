import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../../app/App.js';
import { detail, json, mailbox, mockApi, renderApp, summary } from '../../test/api-mock.js';

afterEach(() => vi.unstubAllGlobals());

const TOTAL = 243;
function page(n: number) {
  const start = TOTAL - (n - 1) * 50;
  const count = Math.min(50, start);
  return {
    mailbox: 'INBOX',
    total: TOTAL,
    page: n,
    pageSize: 50,
    messages: Array.from({ length: count }, (_, i) => {
      const uid = start - i;
      return summary(uid, { seen: uid !== 243, flagged: uid === 242, hasAttachments: uid === 241 });
    }),
  };
}

function setup() {
  return mockApi({
    'GET /api/session': json({ user: { email: 'alice@example.test' } }),
    'GET /api/mailboxes': json({
      mailboxes: [
        mailbox('Trash', { specialUse: '\\Trash' }),
        mailbox('INBOX', { name: 'INBOX', unseen: 12, total: TOTAL }),
        mailbox('Sent', { specialUse: '\\Sent' }),
        mailbox('Projects'),
        mailbox('Projects/2026', { unseen: 1 }),
      ],
    }),
    'GET /api/mailboxes/INBOX/messages?page=1&pageSize=50': json(page(1)),
    'GET /api/mailboxes/INBOX/messages?page=2&pageSize=50': json(page(2)),
    'GET /api/mailboxes/INBOX/messages/242': json(detail(242, { subject: 'Subject 242', flagged: true })),
    'GET /api/mailboxes/Sent/messages?page=1&pageSize=50': json({ mailbox: 'Sent', total: 0, page: 1, pageSize: 50, messages: [] }),
  });
}

describe('mailbox view', () => {
  it('lists folders in order with unread counts and marks the current one', async () => {
    setup();
    renderApp(<App />);
    const nav = await screen.findByRole('navigation', { name: 'Folders' });
    const buttons = await within(nav).findAllByRole('button');
    expect(buttons.map((b) => b.getAttribute('aria-label'))).toEqual(['Inbox, 12 unread', 'Sent', 'Trash', 'Projects', '2026, 1 unread']);
    expect(buttons[0]?.getAttribute('aria-current')).toBe('page');
    expect(buttons[1]?.hasAttribute('aria-current')).toBe(false);
  });

  it('renders the newest messages first with names, marks and a page count', async () => {
    setup();
    renderApp(<App />);
    const list = await screen.findByRole('listbox', { name: 'Messages' });
    const options = await within(list).findAllByRole('option');
    expect(options).toHaveLength(50);
    const first = options[0]!;
    const label = first.getAttribute('aria-label') ?? '';
    expect(label).toContain('Sender 243');
    expect(label).toContain('Subject 243');
    expect(label).toContain('Unread');
    expect(label).toContain('2025');
    expect(first.className).toContain('is-unread');
    expect(options[1]?.getAttribute('aria-label')).toContain('Flagged');
    expect(options[2]?.getAttribute('aria-label')).toContain('Has attachments');
    expect(options[3]?.className).not.toContain('is-unread');
    expect(screen.getByText('1–50 of 243')).toBeTruthy();
  });

  it('moves the selection with the arrow keys and opens with Enter', async () => {
    const { requests } = setup();
    renderApp(<App />);
    const user = userEvent.setup();
    const options = await screen.findAllByRole('option');
    options[0]!.focus();
    await user.keyboard('{ArrowDown}');
    await waitFor(() => expect(options[1]?.getAttribute('aria-selected')).toBe('true'));
    expect(options[0]?.getAttribute('aria-selected')).toBe('false');
    expect(document.activeElement).toBe(options[1]);
    await user.keyboard('{ArrowDown}{ArrowUp}');
    await waitFor(() => expect(options[1]?.getAttribute('aria-selected')).toBe('true'));
    // Selection alone does not open anything.
    expect(requests.some((r) => r.path === '/api/mailboxes/INBOX/messages/242')).toBe(false);

    await user.keyboard('{Enter}');
    const article = await screen.findByRole('article', { name: 'Message' });
    expect(within(article).getByRole('heading', { level: 2 }).textContent).toBe('Subject 242');
    expect(within(article).getByText('sender242@example.org', { exact: false })).toBeTruthy();
  });

  it('pages to older and newer messages', async () => {
    setup();
    renderApp(<App />);
    const user = userEvent.setup();
    await screen.findByText('1–50 of 243');
    expect((screen.getByRole('button', { name: 'Newer' }) as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByRole('button', { name: 'Older' }));
    expect(await screen.findByText('51–100 of 243')).toBeTruthy();
    expect(screen.getAllByRole('option')[0]?.getAttribute('aria-label')).toContain('Subject 193');
    await user.click(screen.getByRole('button', { name: 'Newer' }));
    expect(await screen.findByText('1–50 of 243')).toBeTruthy();
  });

  it('switches folders and shows an empty folder', async () => {
    setup();
    renderApp(<App />);
    const user = userEvent.setup();
    await screen.findAllByRole('option');
    await user.click(screen.getByRole('button', { name: 'Sent' }));
    expect(await screen.findByText('No messages in this folder.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sent' }).getAttribute('aria-current')).toBe('page');
    expect(screen.queryAllByRole('option')).toHaveLength(0);
  });
});
