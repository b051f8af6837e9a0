import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../../app/App.js';
import { detail, json, mailbox, mockApi, renderApp, summary } from '../../test/api-mock.js';
import { windowHandler } from '../../test/list-mock.js';
import { ROW_HEIGHT } from './MessageList.js';

afterEach(() => vi.unstubAllGlobals());

const TOTAL = 100_000;

function setup(extra: Parameters<typeof mockApi>[0] = {}) {
  return mockApi({
    'GET /api/session': json({ user: { email: 'alice@example.test' } }),
    'GET /api/preferences': json({ markReadDelayMs: 0, conversationView: false, theme: 'system', language: 'en', remoteContentSenders: [] }),
    'PATCH /api/preferences': (req) => ({ status: 200, body: { markReadDelayMs: 0, conversationView: false, theme: 'system', language: 'en', remoteContentSenders: [], ...(req.body as object) } }),
    'GET /api/quota': json({ usedBytes: 5 * 1024 * 1024, limitBytes: 100 * 1024 * 1024 }),
    'GET /api/mailboxes': json({
      mailboxes: [
        mailbox('Trash', { specialUse: '\\Trash', total: 3 }),
        mailbox('INBOX', { name: 'INBOX', unseen: 12, total: TOTAL }),
        mailbox('Sent', { specialUse: '\\Sent' }),
        mailbox('Projects'),
        mailbox('Projects/2026', { unseen: 1 }),
      ],
    }),
    'GET /api/mailboxes/INBOX/messages': windowHandler(TOTAL, (i) => {
      const uid = TOTAL - i;
      return summary(uid, { seen: uid !== TOTAL, flagged: uid === TOTAL - 1, hasAttachments: uid === TOTAL - 2, keywords: uid === TOTAL - 3 ? ['work'] : [] });
    }),
    'GET /api/mailboxes/Sent/messages': windowHandler(0),
    'POST /api/mailboxes/INBOX/messages/actions': json({ undo: { mailbox: 'Trash', uids: [901, 902], destination: 'INBOX' } }),
    'POST /api/mailboxes/Trash/messages/actions': json({}),
    [`GET /api/mailboxes/INBOX/messages/${TOTAL - 1}`]: json(detail(TOTAL - 1, { subject: `Subject ${TOTAL - 1}`, flagged: true })),
    ...extra,
  });
}

const list = () => screen.findByRole('listbox', { name: 'Messages' });
const windowRequests = (requests: { method: string; path: string }[]) =>
  requests.filter((r) => r.method === 'GET' && /\/messages\?/.test(r.path)).map((r) => r.path);

describe('folder pane', () => {
  it('lists folders in order with unread counts, collapses children and shows the quota', { timeout: 30_000 }, async () => {
    const { requests } = setup({ 'POST /api/mailboxes/Trash/empty': () => ({ status: 204 }) });
    renderApp(<App />);
    const user = userEvent.setup();
    const nav = await screen.findByRole('navigation', { name: 'Folders' });
    const folderButtons = () => within(nav).getAllByRole('button').filter((b) => b.classList.contains('folder'));
    await waitFor(() => expect(folderButtons().length).toBe(5));
    expect(folderButtons().map((b) => b.getAttribute('aria-label'))).toEqual(['Inbox, 12 unread', 'Sent', 'Trash', 'Projects', '2026, 1 unread']);
    expect(folderButtons()[0]?.getAttribute('aria-current')).toBe('page');

    const toggle = within(nav).getByRole('button', { name: 'Collapse Projects' });
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    await user.click(toggle);
    expect(within(nav).queryByRole('button', { name: /^2026/ })).toBeNull();
    await user.click(within(nav).getByRole('button', { name: 'Expand Projects' }));
    expect(within(nav).getByRole('button', { name: /^2026/ })).toBeTruthy();

    const meter = await screen.findByRole('meter', { name: 'Storage used' });
    expect(meter.getAttribute('aria-valuenow')).toBe('5');
    expect(meter.getAttribute('aria-valuetext')).toBe('5.0 MB of 100 MB used');

    vi.stubGlobal('confirm', () => true);
    await user.click(within(nav).getByRole('button', { name: 'Empty Trash' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'POST' && r.path === '/api/mailboxes/Trash/empty')).toBe(true));
  });
});

describe('message list', () => {
  it('selects all 100,000 messages of a big folder, not only the loaded rows', async () => {
    const all = Array.from({ length: TOTAL }, (_, i) => TOTAL - i);
    const { requests } = setup({ 'GET /api/mailboxes/INBOX/uids': json({ uids: all }) });
    renderApp(<App />);
    const listbox = await list();
    await within(listbox).findAllByRole('option');
    const user = userEvent.setup();
    await user.click(screen.getByRole('checkbox', { name: 'Select all' }));
    expect(await screen.findByText('100,000 selected')).toBeTruthy();
    expect(requests.some((r) => r.path === '/api/mailboxes/INBOX/uids?sort=date&order=desc')).toBe(true);
  });

  it('renders only the rows on screen of a 100,000-message folder and loads windows while scrolling', async () => {
    const { requests } = setup();
    renderApp(<App />);
    const listbox = await list();
    const options = await within(listbox).findAllByRole('option');
    expect(options.length).toBeGreaterThan(10);
    expect(options.length).toBeLessThan(60);
    const first = options[0]!;
    const label = first.getAttribute('aria-label') ?? '';
    expect(label).toContain('Unread');
    expect(label).toContain(`Sender ${TOTAL}`);
    expect(label).toContain(`Subject ${TOTAL}`);
    expect(first.className).toContain('is-unread');
    expect(first.getAttribute('aria-setsize')).toBe(String(TOTAL));
    expect(options[1]?.getAttribute('aria-label')).toContain('Flagged');
    expect(options[2]?.getAttribute('aria-label')).toContain('Has attachments');
    expect(options[3]?.getAttribute('aria-label')).toContain('Tags: work');
    expect(within(options[3]!).getByText('work')).toBeTruthy();
    expect(within(first).getByText(`Preview of ${TOTAL}`)).toBeTruthy();
    expect(screen.getByText('100,000 messages')).toBeTruthy();
    expect(windowRequests(requests)).toEqual(['/api/mailboxes/INBOX/messages?offset=0&limit=100&sort=date&order=desc']);
    // No page buttons.
    expect(screen.queryByRole('button', { name: /^(older|newer)$/i })).toBeNull();

    const body = listbox.parentElement!;
    Object.defineProperty(body, 'scrollTop', { configurable: true, value: ROW_HEIGHT * 50_000 });
    fireEvent.scroll(body);
    await waitFor(() => expect(windowRequests(requests)).toContain('/api/mailboxes/INBOX/messages?offset=50000&limit=100&sort=date&order=desc'));
    const far = await within(listbox).findByRole('option', { name: new RegExp(`Subject ${TOTAL - 50_000},`) });
    expect(far.getAttribute('aria-posinset')).toBe('50001');
    expect(within(listbox).getAllByRole('option').length).toBeLessThan(60);
  });

  it('sorts, searches and switches to conversations (remembered as a preference)', { timeout: 30_000 }, async () => {
    const { requests } = setup();
    renderApp(<App />);
    const user = userEvent.setup();
    await within(await list()).findAllByRole('option');
    await user.selectOptions(screen.getByLabelText('Sort by'), 'from');
    await waitFor(() => expect(windowRequests(requests)).toContain('/api/mailboxes/INBOX/messages?offset=0&limit=100&sort=from&order=desc'));
    await user.click(screen.getByRole('button', { name: 'Descending order' }));
    await waitFor(() => expect(windowRequests(requests)).toContain('/api/mailboxes/INBOX/messages?offset=0&limit=100&sort=from&order=asc'));
    await user.click(screen.getByRole('checkbox', { name: 'Conversations' }));
    await waitFor(() => expect(windowRequests(requests)).toContain('/api/mailboxes/INBOX/messages?offset=0&limit=100&sort=from&order=asc&threads=1'));
    expect(requests.find((r) => r.method === 'PATCH' && r.path === '/api/preferences')?.body).toEqual({ conversationView: true });
    await user.type(screen.getByRole('searchbox', { name: 'Search mail' }), 'invoice{Enter}');
    await waitFor(() => expect(windowRequests(requests)).toContain('/api/mailboxes/INBOX/messages?offset=0&limit=100&sort=from&order=asc&q=invoice&threads=1'));
  });

  it('selects with click, ctrl-click, shift-click and select all, and deletes with undo', async () => {
    const { requests } = setup();
    renderApp(<App />);
    const user = userEvent.setup();
    const listbox = await list();
    const options = await within(listbox).findAllByRole('option');
    await user.keyboard('{Control>}');
    await user.click(options[0]!);
    await user.click(options[2]!);
    await user.keyboard('{/Control}');
    expect(options[0]?.getAttribute('aria-selected')).toBe('true');
    expect(options[1]?.getAttribute('aria-selected')).toBe('false');
    expect(options[2]?.getAttribute('aria-selected')).toBe('true');
    expect(screen.getByText('2 selected')).toBeTruthy();
    // Ctrl-click selects without opening.
    expect(screen.queryByRole('article', { name: 'Message' })).toBeNull();

    await user.keyboard('{Shift>}');
    await user.click(options[5]!);
    await user.keyboard('{/Shift}');
    expect(screen.getByText('4 selected')).toBeTruthy();

    // With a partial selection the checkbox clears it; then it selects every loaded row.
    await user.click(screen.getByRole('checkbox', { name: 'Select all' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select all' }));
    expect(screen.getByText('100 selected')).toBeTruthy();
    await user.click(screen.getByRole('checkbox', { name: 'Select all' }));
    expect(within(await list()).getAllByRole('option').every((o) => o.getAttribute('aria-selected') === 'false')).toBe(true);

    await user.keyboard('{Control>}');
    await user.click(options[0]!);
    await user.click(options[1]!);
    await user.keyboard('{/Control}');
    await user.click(screen.getByRole('button', { name: 'Delete selected' }));
    const post = requests.find((r) => r.method === 'POST' && r.path === '/api/mailboxes/INBOX/messages/actions');
    expect(post?.body).toEqual({ uids: [TOTAL, TOTAL - 1], action: 'delete' });
    expect(await screen.findByText('Moved to Trash')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Undo' }));
    await waitFor(() =>
      expect(requests.find((r) => r.path === '/api/mailboxes/Trash/messages/actions')?.body).toEqual({ uids: [901, 902], action: 'move', destination: 'INBOX' }),
    );
  }, 30_000);

  it('moves with the menu and by drag and drop onto a folder, marks read and flags in bulk', { timeout: 30_000 }, async () => {
    const { requests } = setup();
    renderApp(<App />);
    const user = userEvent.setup();
    const options = await within(await list()).findAllByRole('option');
    await user.keyboard('{Control>}');
    await user.click(options[0]!);
    await user.keyboard('{/Control}');
    await user.click(screen.getByRole('button', { name: 'Flag selected' }));
    await user.click(screen.getByRole('button', { name: 'Mark selected as read' }));
    await user.selectOptions(screen.getByLabelText('Move to'), 'Projects/2026');
    const bodies = () => requests.filter((r) => r.path === '/api/mailboxes/INBOX/messages/actions').map((r) => r.body);
    await waitFor(() =>
      expect(bodies()).toEqual([
        { uids: [TOTAL], action: 'flag' },
        { uids: [TOTAL], action: 'read' },
        { uids: [TOTAL], action: 'move', destination: 'Projects/2026' },
      ]),
    );

    const row = within(await list()).getAllByRole('option')[3]!;
    const data = new Map<string, string>();
    const dataTransfer = {
      setData: (k: string, v: string) => data.set(k, v),
      getData: (k: string) => data.get(k) ?? '',
      get types() {
        return [...data.keys()];
      },
      effectAllowed: '',
      dropEffect: '',
    };
    const uid = Number(/Subject (\d+)/.exec(row.getAttribute('aria-label') ?? '')?.[1]);
    fireEvent.dragStart(row, { dataTransfer });
    const target = screen.getByRole('button', { name: 'Projects' });
    fireEvent.dragOver(target, { dataTransfer });
    fireEvent.drop(target, { dataTransfer });
    await waitFor(() => expect(bodies()).toContainEqual({ uids: [uid], action: 'move', destination: 'Projects' }));
  });

  it('moves with the arrow keys and opens with Enter; switches folders', async () => {
    const { requests } = setup();
    renderApp(<App />);
    const user = userEvent.setup();
    const listbox = await list();
    const options = await within(listbox).findAllByRole('option');
    options[0]!.focus();
    await user.keyboard('{ArrowDown}');
    await waitFor(() => expect(within(listbox).getAllByRole('option')[1]?.getAttribute('aria-selected')).toBe('true'));
    await waitFor(() => expect(document.activeElement).toBe(within(listbox).getAllByRole('option')[1]));
    expect(requests.some((r) => r.path.startsWith(`/api/mailboxes/INBOX/messages/${TOTAL - 1}`))).toBe(false);
    await user.keyboard('{Enter}');
    const article = await screen.findByRole('article', { name: 'Message' });
    expect(within(article).getByRole('heading', { level: 2 }).textContent).toBe(`Subject ${TOTAL - 1}`);
    expect(requests.some((r) => r.path === `/api/mailboxes/INBOX/messages/${TOTAL - 1}?peek=1`)).toBe(true);

    await user.click(screen.getByRole('button', { name: 'Sent' }));
    expect(await screen.findByText('No messages in this folder.')).toBeTruthy();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Sent');
  });

  it('in conversation view shows one row per conversation, the conversation in the reading pane, and acts on all of it', { timeout: 30_000 }, async () => {
    const { requests } = setup({
      'GET /api/preferences': json({ markReadDelayMs: 0, conversationView: true, theme: 'system', language: 'en', remoteContentSenders: [] }),
      'GET /api/mailboxes/INBOX/messages': windowHandler(2, (i) =>
        i === 0 ? summary(50, { subject: 'Plans', threadId: 't1', threadSize: 3 }) : summary(40, { subject: 'Alone', threadId: 't2', threadSize: 1 }),
      ),
      'GET /api/mailboxes/INBOX/threads/t1': json({
        messages: [
          { ...summary(48, { subject: 'Plans' }), mailbox: 'INBOX' },
          { ...summary(7, { subject: 'Re: Plans', from: [{ name: 'Me', address: 'alice@example.test' }] }), mailbox: 'Sent' },
          { ...summary(50, { subject: 'Re: Plans' }), mailbox: 'INBOX' },
        ],
      }),
      'GET /api/mailboxes/INBOX/messages/50': json(detail(50, { subject: 'Re: Plans' })),
      'GET /api/mailboxes/Sent/messages/7': json(detail(7, { subject: 'Re: Plans', mailbox: 'Sent' })),
    });
    renderApp(<App />);
    const user = userEvent.setup();
    const listbox = await list();
    await waitFor(() => expect(within(listbox).getAllByRole('option')).toHaveLength(2));
    expect(screen.getByRole('checkbox', { name: 'Conversations' })).toHaveProperty('checked', true);
    expect(windowRequests(requests)[0]).toContain('threads=1');
    const row = within(listbox).getAllByRole('option')[0]!;
    expect(row.getAttribute('aria-label')).toContain('3 messages');
    await user.click(row);
    const conversation = await screen.findByRole('navigation', { name: 'Conversation' });
    const items = within(conversation).getAllByRole('button');
    expect(items).toHaveLength(3);
    // My reply kept in Sent is part of it and opens from there.
    await user.click(items[1]!);
    await waitFor(() => expect(requests.some((r) => r.path === '/api/mailboxes/Sent/messages/7?peek=1')).toBe(true));

    await user.keyboard('{Control>}');
    await user.click(within(listbox).getAllByRole('option')[0]!);
    await user.keyboard('{/Control}');
    await user.keyboard('{Control>}');
    await user.click(within(listbox).getAllByRole('option')[0]!);
    await user.keyboard('{/Control}');
    await user.click(screen.getByRole('button', { name: 'Archive selected' }));
    await waitFor(() =>
      expect(requests.find((r) => r.path === '/api/mailboxes/INBOX/messages/actions')?.body).toEqual({ uids: [50, 48], action: 'archive' }),
    );
  });
});
