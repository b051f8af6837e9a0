import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from './App.js';
import { detail, json, mailbox, mockApi, renderApp, summary } from '../test/api-mock.js';
import { windowHandler } from '../test/list-mock.js';
import { setLanguage } from '../lib/i18n.js';

class FakeEventSource {
  static last: FakeEventSource | null = null;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, Array<(e: MessageEvent) => void>>();
  constructor(public url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  emit(type: string, data: unknown) {
    for (const fn of this.listeners.get(type) ?? []) fn(new MessageEvent(type, { data: JSON.stringify(data) }));
  }
  close() {}
}

const PREFS = { markReadDelayMs: 0, conversationView: false, theme: 'system', language: 'en', remoteContentSenders: [] as string[] };

beforeEach(() => {
  vi.stubGlobal('EventSource', FakeEventSource);
});
afterEach(() => {
  vi.unstubAllGlobals();
  window.location.hash = '';
  delete document.documentElement.dataset.theme;
  localStorage.clear();
  setLanguage('en');
});

function setup(total = 30, extra: Parameters<typeof mockApi>[0] = {}) {
  let count = total;
  const api = mockApi({
    'GET /api/session': json({ user: { email: 'alice@example.test' } }),
    'GET /api/preferences': json(PREFS),
    'PATCH /api/preferences': (req) => ({ status: 200, body: { ...PREFS, ...(req.body as object) } }),
    'GET /api/quota': json({ usedBytes: null, limitBytes: null }),
    'GET /api/mailboxes': () => ({ status: 200, body: { mailboxes: [mailbox('INBOX', { name: 'INBOX', total: count }), mailbox('Archive', { specialUse: '\\Archive' })] } }),
    'GET /api/mailboxes/INBOX/messages': (req) => windowHandler(count, (i) => summary(count - i))(req),
    'POST /api/mailboxes/INBOX/messages/actions': json({ undo: { mailbox: 'Trash', uids: [1], destination: 'INBOX' } }),
    'GET /api/identities': json({ identities: [] }),
    'POST /api/compose/prefill': (req) => {
      const { mode, uid } = req.body as { mode: string; uid: number };
      const cc = mode === 'replyAll' ? [{ name: 'Carol', address: 'carol@example.org' }] : [];
      return { status: 200, body: { state: { to: [], cc, subject: `${mode === 'forward' ? 'Fwd' : 'Re'}: Subject ${uid}`, format: 'text', text: '' }, attachments: [] } };
    },
    ...Object.fromEntries(
      Array.from({ length: total + 1 }, (_, i) => [`GET /api/mailboxes/INBOX/messages/${i + 1}`, json(detail(i + 1, { subject: `Subject ${i + 1}`, to: [{ name: 'Alice', address: 'alice@example.test' }, { name: 'Carol', address: 'carol@example.org' }] }))]),
    ),
    ...extra,
  });
  return { ...api, addMessage: () => count++ };
}

const listbox = () => screen.findByRole('listbox', { name: 'Messages' });

describe('keyboard shortcuts', () => {
  it('j/k move, o opens, u goes back, r/a/f reply, c composes, # deletes, e archives, s flags, / searches, ? helps', { timeout: 30_000 }, async () => {
    const { requests } = setup();
    renderApp(<App />);
    const user = userEvent.setup();
    const list = await listbox();
    await within(list).findAllByRole('option');
    await user.keyboard('j');
    await waitFor(() => expect(within(list).getAllByRole('option')[0]?.getAttribute('aria-selected')).toBe('true'));
    await user.keyboard('j');
    await waitFor(() => expect(within(list).getAllByRole('option')[1]?.getAttribute('aria-selected')).toBe('true'));
    await user.keyboard('k');
    await waitFor(() => expect(within(list).getAllByRole('option')[0]?.getAttribute('aria-selected')).toBe('true'));
    await user.keyboard('o');
    const article = await screen.findByRole('article', { name: 'Message' });
    expect(within(article).getByRole('heading', { level: 2 }).textContent).toBe('Subject 30');
    await user.keyboard('j');
    await waitFor(() => expect(within(screen.getByRole('article', { name: 'Message' })).getByRole('heading', { level: 2 }).textContent).toBe('Subject 29'));

    vi.stubGlobal('confirm', () => true);
    await user.keyboard('a');
    let subject = (await screen.findByRole('textbox', { name: 'Subject' }, { timeout: 15_000 })) as HTMLInputElement;
    let dialog = screen.getByRole('dialog', { name: 'New message' });
    expect(within(within(within(dialog).getByRole('combobox', { name: 'Cc' }).closest('.recipient-field') as HTMLElement).getByRole('list', { name: 'Recipients' })).getAllByRole('listitem').map((c) => c.textContent)).toEqual(['Carol']);
    // Typing in the compose window does not trigger shortcuts.
    await user.type(subject, 'jk#e');
    expect(subject.value).toBe('Re: Subject 29jk#e');
    await user.click(within(dialog).getByRole('button', { name: 'Discard' }));
    await user.keyboard('f');
    subject = (await screen.findByRole('textbox', { name: 'Subject' })) as HTMLInputElement;
    dialog = screen.getByRole('dialog', { name: 'New message' });
    expect(subject.value).toBe('Fwd: Subject 29');
    await user.click(within(dialog).getByRole('button', { name: 'Discard' }));
    await user.keyboard('r');
    subject = (await screen.findByRole('textbox', { name: 'Subject' })) as HTMLInputElement;
    dialog = screen.getByRole('dialog', { name: 'New message' });
    expect(subject.value).toBe('Re: Subject 29');
    await user.click(within(dialog).getByRole('button', { name: 'Discard' }));
    expect(requests.filter((r) => r.path === '/api/compose/prefill').map((r) => r.body)).toEqual([
      { mode: 'replyAll', mailbox: 'INBOX', uid: 29 },
      { mode: 'forward', mailbox: 'INBOX', uid: 29 },
      { mode: 'reply', mailbox: 'INBOX', uid: 29 },
    ]);
    await user.keyboard('s');
    await user.keyboard('e');
    await waitFor(() => expect(screen.queryByRole('article', { name: 'Message' })).toBeNull());
    await user.keyboard('j');
    await user.keyboard('#');
    const bodies = () => requests.filter((r) => r.path === '/api/mailboxes/INBOX/messages/actions').map((r) => r.body as { action: string });
    await waitFor(() => expect(bodies().map((b) => b.action)).toEqual(['flag', 'archive', 'delete']));

    await user.keyboard('u');
    await user.keyboard('c');
    await screen.findByRole('combobox', { name: 'To' });
    dialog = screen.getByRole('dialog', { name: 'New message' });
    expect((within(dialog).getByRole('combobox', { name: 'To' }) as HTMLInputElement).value).toBe('');
    await user.click(within(dialog).getByRole('button', { name: 'Discard' }));

    await user.keyboard('/');
    expect(document.activeElement).toBe(screen.getByRole('searchbox', { name: 'Search mail' }));
    await user.keyboard('?');
    expect(screen.queryByRole('dialog', { name: 'Keyboard shortcuts' })).toBeNull();
    (document.activeElement as HTMLElement).blur();
    await user.keyboard('?');
    const help = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    for (const key of ['j', 'k', 'o', 'Enter', 'u', 'r', 'a', 'f', 'c', '#', 'e', 's', '/', '?']) {
      expect(within(help).getByText(key, { selector: 'kbd' })).toBeTruthy();
    }
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog', { name: 'Keyboard shortcuts' })).toBeNull();
  });
});

describe('live updates in the app', () => {
  it('shows new mail without reloading and notifies when allowed', async () => {
    const notifications: string[] = [];
    class FakeNotification {
      static permission = 'granted';
      constructor(title: string) {
        notifications.push(title);
      }
    }
    vi.stubGlobal('Notification', FakeNotification);
    const api = setup(5);
    renderApp(<App />);
    const list = await listbox();
    await waitFor(() => expect(within(list).getAllByRole('option')).toHaveLength(5));
    api.addMessage();
    act(() => FakeEventSource.last?.emit('mailbox', { type: 'exists', path: 'INBOX', count: 6 }));
    await waitFor(() => expect(within(list).getAllByRole('option')).toHaveLength(6));
    expect(within(list).getAllByRole('option')[0]?.getAttribute('aria-label')).toContain('Subject 6');
    expect(notifications).toEqual(['New mail']);
  });
});

describe('settings', () => {
  it('switches theme and language, remembers them, and asks for notifications only on request', { timeout: 30_000 }, async () => {
    const requestPermission = vi.fn(async () => 'granted');
    vi.stubGlobal('Notification', { permission: 'default', requestPermission });
    const { requests } = setup(3);
    renderApp(<App />);
    const user = userEvent.setup();
    await listbox();
    expect(requestPermission).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    const dialog = await screen.findByRole('dialog', { name: 'Settings' });
    await user.selectOptions(within(dialog).getByLabelText('Theme'), 'dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(localStorage.getItem('mailroom.theme')).toBe('dark');
    await user.selectOptions(within(dialog).getByLabelText('Mark messages as read'), '3000');
    await user.click(within(dialog).getByRole('button', { name: 'Enable desktop notifications' }));
    expect(requestPermission).toHaveBeenCalledTimes(1);
    expect(await within(dialog).findByText('Notifications for new mail are on.')).toBeTruthy();
    await user.selectOptions(within(dialog).getByLabelText('Language'), 'de');
    expect(await screen.findByRole('dialog', { name: 'Einstellungen' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Abmelden' })).toBeTruthy();
    expect(screen.getByRole('listbox', { name: 'Nachrichten' })).toBeTruthy();
    expect(localStorage.getItem('mailroom.language')).toBe('de');
    const patches = requests.filter((r) => r.method === 'PATCH' && r.path === '/api/preferences').map((r) => r.body);
    expect(patches).toEqual([{ theme: 'dark' }, { markReadDelayMs: 3000 }, { language: 'de' }]);
  });
});

describe('own window', () => {
  it('shows one message at #/message/<mailbox>/<uid>', async () => {
    setup(3);
    window.location.hash = '#/message/INBOX/2';
    renderApp(<App />);
    const article = await screen.findByRole('article', { name: 'Message' });
    expect(within(article).getByRole('heading', { level: 2 }).textContent).toBe('Subject 2');
    expect(screen.queryByRole('listbox', { name: 'Messages' })).toBeNull();
    await userEvent.setup().click(within(article).getByRole('button', { name: 'More actions' }));
    expect(within(article).getByRole('button', { name: 'View source' })).toBeTruthy();
    expect(within(article).queryByRole('link', { name: 'Open in new window' })).toBeNull();
  });
});
