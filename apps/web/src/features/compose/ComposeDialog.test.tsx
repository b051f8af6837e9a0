import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../../app/App.js';
import { apiError, json, mailbox, mockApi, renderApp } from '../../test/api-mock.js';
import type { Handler, RecordedRequest } from '../../test/api-mock.js';
import { RECOVERY_PREFIX, writeRecovery } from './recovery.js';

const IDENTITIES = {
  identities: [
    { id: 'id-alice', name: 'Alice', email: 'alice@example.test', replyTo: null, signatureHtml: '<p>Alice Example</p>', isDefault: true },
    { id: 'id-work', name: 'Alice (work)', email: 'alice@work.test', replyTo: null, signatureHtml: '<p>Alice, Work Inc.</p>', isDefault: false },
  ],
};

function setup(routes: Record<string, Handler> = {}, format: 'text' | 'html' = 'text') {
  return mockApi({
    'GET /api/session': json({ user: { email: 'alice@example.test' } }),
    'GET /api/preferences': json({ composeFormat: format, undoSendDelayMs: 10_000 }),
    'GET /api/mailboxes': json({ mailboxes: [mailbox('INBOX', { name: 'INBOX' })] }),
    'GET /api/mailboxes/INBOX/messages': json({ mailbox: 'INBOX', total: 0, page: 1, pageSize: 50, messages: [] }),
    'GET /api/identities': json(IDENTITIES),
    'GET /api/compose/limits': json({ maxMessageBytes: 25 * 1024 * 1024, smtpUtf8: true, maxUndoDelayMs: 60_000 }),
    'GET /api/contacts': json({ contacts: [] }),
    'PUT /api/drafts': json({ mailbox: 'Drafts', uid: 7 }),
    ...routes,
  });
}

async function openCompose(user = userEvent.setup()) {
  await user.click(await screen.findByRole('button', { name: 'Compose' }));
  await screen.findByRole('combobox', { name: 'To' }, { timeout: 15_000 });
  const dialog = screen.getByRole('dialog', { name: 'New message' });
  return {
    user,
    dialog,
    to: () => within(dialog).getByRole('combobox', { name: 'To' }) as HTMLInputElement,
    field: (name: string) => within(dialog).getByRole('textbox', { name }) as HTMLInputElement,
  };
}

const chipsOf = (dialog: HTMLElement, field = 'To') =>
  within(within(within(dialog).getByRole('combobox', { name: field }).closest('.recipient-field') as HTMLElement).getByRole('list', { name: 'Recipients' })).queryAllByRole('listitem');
const posts = (requests: RecordedRequest[], path: string, method = 'POST') => requests.filter((r) => r.method === method && r.path === path);

beforeEach(() => localStorage.clear());
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  localStorage.clear();
});

describe('recipients', () => {
  it('makes chips on comma, semicolon, Enter and blur; Backspace removes the last; the remove button too', async () => {
    setup();
    renderApp(<App />);
    const { user, dialog, to } = await openCompose();
    await user.type(to(), 'bob@example.org,');
    await user.type(to(), 'Carol <carol@example.org>;');
    await user.type(to(), 'dave@example.org{Enter}');
    expect(chipsOf(dialog).map((c) => c.textContent)).toEqual(['bob@example.org', 'Carol', 'dave@example.org']);
    expect(to().value).toBe('');
    await user.type(to(), 'erin@example.org');
    await user.click(within(dialog).getByRole('textbox', { name: 'Subject' }));
    await waitFor(() => expect(chipsOf(dialog)).toHaveLength(4));
    await user.click(to());
    await user.keyboard('{Backspace}');
    expect(chipsOf(dialog)).toHaveLength(3);
    await user.click(within(dialog).getByRole('button', { name: 'Remove carol@example.org' }));
    expect(chipsOf(dialog).map((c) => c.textContent)).toEqual(['bob@example.org', 'dave@example.org']);
  });

  it('pasting several makes several chips; an invalid one is marked and blocks sending', async () => {
    const { requests } = setup({ 'POST /api/messages/send': json({}, 202) });
    renderApp(<App />);
    const { user, dialog, to } = await openCompose();
    await user.click(to());
    await user.paste('a@x.org, Bob <b@y.org>; c@z.org, not-an-address, josé@exämple.de');
    const chips = chipsOf(dialog);
    expect(chips.map((c) => c.textContent?.replace('(invalid)', ''))).toEqual(['a@x.org', 'Bob', 'c@z.org', 'not-an-address', 'josé@exämple.de']);
    expect(chips[3]?.className).toContain('is-invalid');
    expect(chips[4]?.className).not.toContain('is-invalid');
    expect(within(dialog).getByText('Not a valid email address: not-an-address')).toBeTruthy();
    expect(to().getAttribute('aria-invalid')).toBe('true');

    await user.click(within(dialog).getByRole('button', { name: 'Send' }));
    expect(within(dialog).getByRole('alert').textContent).toContain('invalid addresses before sending: not-an-address');
    expect(posts(requests, '/api/messages/send')).toHaveLength(0);

    await user.click(within(dialog).getByRole('button', { name: 'Remove not-an-address' }));
    expect(to().getAttribute('aria-invalid')).toBeNull();
  });

  it('asks for a recipient before sending', async () => {
    const { requests } = setup();
    renderApp(<App />);
    const { user, dialog } = await openCompose();
    await user.click(within(dialog).getByRole('button', { name: 'Send' }));
    expect(within(dialog).getByRole('alert').textContent).toContain('Add at least one recipient.');
    expect(posts(requests, '/api/messages/send')).toHaveLength(0);
  });

  it('suggests contacts in a listbox: arrows move aria-activedescendant, Enter picks', async () => {
    setup({
      'GET /api/contacts': (req) => ({
        status: 200,
        body: {
          contacts: req.path.includes('q=bo')
            ? [
                { name: 'Bob Builder', address: 'bob@example.org', timesContacted: 3, lastContacted: null, saved: true },
                { name: '', address: 'bobby@example.org', timesContacted: 1, lastContacted: null, saved: false },
              ]
            : [],
        },
      }),
    });
    renderApp(<App />);
    const { user, dialog, to } = await openCompose();
    await user.type(to(), 'bo');
    const listbox = await within(dialog).findByRole('listbox', { name: 'Suggestions' });
    expect(within(listbox).getAllByRole('option')).toHaveLength(2);
    await user.keyboard('{ArrowDown}{ArrowDown}');
    const active = to().getAttribute('aria-activedescendant');
    expect(active).toBe(within(listbox).getAllByRole('option')[1]?.id);
    await user.keyboard('{Enter}');
    expect(chipsOf(dialog).map((c) => c.textContent)).toEqual(['bobby@example.org']);
  });
});

describe('sending', () => {
  it('keeps everything and shows the error in an alert when the server refuses (422)', async () => {
    setup({ 'POST /api/messages/send': apiError(422, 'recipient_refused', 'The server refused bob@example.org') });
    renderApp(<App />);
    const { user, dialog, to, field } = await openCompose();
    await user.type(to(), 'bob@example.org');
    await user.type(field('Subject'), 'Lunch');
    await user.click(within(dialog).getByRole('button', { name: 'Send' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('The server refused bob@example.org');
    expect(screen.getByRole('dialog', { name: 'New message' })).toBe(dialog);
    expect(chipsOf(dialog).map((c) => c.textContent)).toEqual(['bob@example.org']);
    expect(field('Subject').value).toBe('Lunch');
  });

  it('sends the whole state; with the undo delay a "Sending… Undo" status appears and Undo reopens compose', async () => {
    document.cookie = 'mr_csrf=csrf-abc';
    const sendAt = new Date(Date.now() + 10_000).toISOString();
    const { requests } = setup({
      'POST /api/messages/send': json({ id: 'out-1', status: 'pending', sendAt, subject: 'Hi', to: ['bob@example.org'], messageId: '<m@x>', error: null }, 202),
      'DELETE /api/outbox/out-1': json({
        state: { to: [{ name: '', address: 'bob@example.org' }], cc: [], bcc: [], subject: 'Hi', format: 'text', text: 'Hello Bob', html: '', attachments: [], priority: 'high', readReceipt: false },
        attachments: [],
      }),
    });
    renderApp(<App />);
    const { user, dialog, to, field } = await openCompose();
    await user.type(to(), 'Bob <bob@example.org>');
    await user.type(field('Subject'), 'Hi');
    const body = field('Message');
    expect(body.value).toBe('\n\n-- \nAlice Example');
    await user.click(body);
    body.setSelectionRange(0, 0);
    await user.keyboard('Hello Bob');
    await user.click(within(dialog).getByRole('button', { name: 'Options' }));
    await user.selectOptions(within(dialog).getByRole('combobox', { name: 'Priority' }), 'high');
    await user.click(within(dialog).getByRole('checkbox', { name: 'Request read receipt' }));
    await user.click(within(dialog).getByRole('button', { name: 'Send' }));

    const status = await screen.findByText(/Sending… \d+ s/);
    expect(status.getAttribute('role')).toBe('status');
    expect(screen.queryByRole('dialog', { name: 'New message' })).toBeNull();
    const post = posts(requests, '/api/messages/send')[0];
    expect(post?.headers['x-csrf-token']).toBe('csrf-abc');
    expect(post?.body).toMatchObject({
      to: [{ name: 'Bob', address: 'bob@example.org' }],
      cc: [],
      bcc: [],
      subject: 'Hi',
      format: 'text',
      text: 'Hello Bob\n\n-- \nAlice Example',
      priority: 'high',
      readReceipt: true,
      identityId: 'id-alice',
      attachments: [],
    });
    expect(localStorage.length).toBe(0);

    await user.click(screen.getByRole('button', { name: 'Undo' }));
    const reopened = await screen.findByRole('dialog', { name: 'New message' });
    expect(posts(requests, '/api/outbox/out-1', 'DELETE')).toHaveLength(1);
    expect(within(reopened).getByRole('textbox', { name: 'Subject' })).toHaveProperty('value', 'Hi');
    expect(within(reopened).getByRole('textbox', { name: 'Message' })).toHaveProperty('value', 'Hello Bob');
    expect(chipsOf(reopened).map((c) => c.textContent)).toEqual(['bob@example.org']);
    expect(screen.queryByText(/Sending…/)).toBeNull();
    document.cookie = 'mr_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
  });

  it('reopens compose with the error when the held message fails', async () => {
    const sendAt = new Date(Date.now() + 500).toISOString();
    setup({
      'POST /api/messages/send': json({ id: 'out-2', status: 'pending', sendAt, subject: 'Oops', to: ['bob@example.org'], messageId: '<m@x>', error: null }, 202),
      'GET /api/outbox/out-2': json({ id: 'out-2', status: 'failed', sendAt, subject: 'Oops', to: ['bob@example.org'], messageId: '<m@x>', error: { code: 'recipient_refused', message: 'bob@example.org does not exist' } }),
    });
    renderApp(<App />);
    const { user, dialog, to, field } = await openCompose();
    await user.type(to(), 'bob@example.org');
    await user.type(field('Subject'), 'Oops');
    await user.click(within(dialog).getByRole('button', { name: 'Send' }));
    const reopened = await screen.findByRole('dialog', { name: 'New message' }, { timeout: 4000 });
    expect((await within(reopened).findByRole('alert')).textContent).toContain('bob@example.org does not exist');
    expect(within(reopened).getByRole('textbox', { name: 'Subject' })).toHaveProperty('value', 'Oops');
  });

  it('schedules with "Send later"', async () => {
    const { requests } = setup({
      'POST /api/messages/send': (req) => ({ status: 202, body: { id: 'out-3', status: 'pending', sendAt: (req.body as { sendAt: string }).sendAt, subject: 'Later', to: [], messageId: '<m@x>', error: null } }),
    });
    renderApp(<App />);
    const { user, dialog, to, field } = await openCompose();
    await user.type(to(), 'bob@example.org');
    await user.type(field('Subject'), 'Later');
    await user.click(within(dialog).getByRole('button', { name: 'Schedule' }));
    await user.click(within(dialog).getByRole('button', { name: 'Tomorrow morning' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'New message' })).toBeNull());
    const sendAt = new Date((posts(requests, '/api/messages/send')[0]?.body as { sendAt: string }).sendAt);
    const expected = new Date();
    expected.setDate(expected.getDate() + 1);
    expected.setHours(8, 0, 0, 0);
    expect(sendAt.getTime()).toBe(expected.getTime());
    expect(screen.getByText(/^Scheduled for/)).toBeTruthy();
  });
});

class FakeXhr {
  static all: FakeXhr[] = [];
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown = null;
  status = 0;
  responseText = '';
  aborted = false;
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXhr.all.push(this);
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total });
  }
  respond(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

describe('attachments', () => {
  it('uploads each file with progress, cancels one, refuses one over the limit, shows the total and sends the upload ids', async () => {
    FakeXhr.all = [];
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    document.cookie = 'mr_csrf=csrf-xyz';
    const { requests } = setup({
      'GET /api/compose/limits': json({ maxMessageBytes: 1000, smtpUtf8: true, maxUndoDelayMs: 60_000 }),
      'POST /api/messages/send': json({ id: 'o', status: 'sent', sendAt: new Date().toISOString(), subject: '', to: [], messageId: '<m@x>', error: null }, 202),
    });
    renderApp(<App />);
    const { user, dialog, to } = await openCompose();
    await within(dialog).findByText('up to 1,000 bytes');
    await user.type(to(), 'bob@example.org');
    const input = within(dialog).getByLabelText('Attach files') as HTMLInputElement;
    const files = [
      new File(['a'.repeat(300)], 'Bericht März.pdf', { type: 'application/pdf' }),
      new File(['b'.repeat(200)], 'photo.jpg', { type: 'image/jpeg' }),
      new File(['c'.repeat(5000)], 'huge.zip', { type: 'application/zip' }),
    ];
    await user.upload(input, files);

    expect(within(dialog).getByRole('alert').textContent).toContain('huge.zip is too large');
    expect(FakeXhr.all).toHaveLength(2);
    const [first, second] = FakeXhr.all as [FakeXhr, FakeXhr];
    expect(first.method).toBe('POST');
    expect(first.url).toBe('/api/uploads');
    expect(first.headers['x-file-name']).toBe(encodeURIComponent('Bericht März.pdf'));
    expect(first.headers['content-type']).toBe('application/pdf');
    expect(first.headers['x-csrf-token']).toBe('csrf-xyz');
    expect(first.body).toBe(files[0]);

    const bars = within(dialog).getAllByRole('progressbar');
    expect(bars).toHaveLength(2);
    act(() => first.progress(150, 300));
    expect(within(dialog).getByRole('progressbar', { name: 'Uploading Bericht März.pdf' }).getAttribute('aria-valuenow')).toBe('50');

    await user.click(within(dialog).getByRole('button', { name: 'Cancel upload of photo.jpg' }));
    expect(second.aborted).toBe(true);
    expect(within(dialog).queryByText('photo.jpg')).toBeNull();

    await user.click(within(dialog).getByRole('button', { name: 'Send' }));
    expect(within(dialog).getAllByRole('alert').map((a) => a.textContent).join(' ')).toContain('Wait until the attachments are uploaded.');

    act(() => first.respond(201, { id: 'upload-aaaaaaaaaa', filename: 'Bericht März.pdf', contentType: 'application/pdf', size: 300, url: '/api/uploads/upload-aaaaaaaaaa' }));
    await waitFor(() => expect(within(dialog).queryByRole('progressbar')).toBeNull());
    expect(within(dialog).getByText('Total 300 bytes of 1,000 bytes')).toBeTruthy();

    await user.click(within(dialog).getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(posts(requests, '/api/messages/send')).toHaveLength(1));
    expect(posts(requests, '/api/messages/send')[0]?.body).toMatchObject({ attachments: ['upload-aaaaaaaaaa'] });
    document.cookie = 'mr_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
  });

  it('takes files dropped onto the dialog, many at once', async () => {
    FakeXhr.all = [];
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    setup();
    renderApp(<App />);
    const { dialog } = await openCompose();
    const files = [new File(['1'], 'one.txt', { type: 'text/plain' }), new File(['22'], 'two.txt', { type: 'text/plain' })];
    const dataTransfer = { types: ['Files'], files, dropEffect: 'none' };
    fireEvent.dragOver(dialog, { dataTransfer });
    expect(dialog.className).toContain('is-dragging');
    fireEvent.drop(dialog, { dataTransfer });
    expect(dialog.className).not.toContain('is-dragging');
    expect(FakeXhr.all.map((x) => x.headers['x-file-name'])).toEqual(['one.txt', 'two.txt']);
    expect(within(dialog).getAllByRole('progressbar')).toHaveLength(2);
  });

  it('shows attachments carried over by prefill without uploading them again; removing one deletes nothing on the server', async () => {
    FakeXhr.all = [];
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    writeRecovery({
      sessionId: 'fwd',
      savedAt: Date.now(),
      state: { subject: 'Fwd: report', format: 'text', text: 'see attached', attachments: ['carried-aaaaaaaa'] },
      attachments: [{ id: 'carried-aaaaaaaa', filename: 'report.pdf', contentType: 'application/pdf', size: 2048, url: '/api/uploads/carried-aaaaaaaa' }],
    });
    const { requests } = setup();
    renderApp(<App />);
    const user = userEvent.setup();
    await user.click(within(await screen.findByRole('region', { name: 'Recover unsent message?' })).getByRole('button', { name: 'Restore' }));
    const dialog = await screen.findByRole('dialog', { name: 'New message' });
    expect(await within(dialog).findByText('report.pdf')).toBeTruthy();
    expect(within(dialog).queryByRole('progressbar')).toBeNull();
    expect(FakeXhr.all).toHaveLength(0);
    await user.click(within(dialog).getByRole('button', { name: 'Remove report.pdf' }));
    expect(within(dialog).queryByText('report.pdf')).toBeNull();
    expect(requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });
});

describe('reply', () => {
  it('opens compose prefilled by the server with the signature above the quote; Re: subject, threading kept on send', async () => {
    const message = {
      uid: 5, mailbox: 'INBOX', subject: 'Plans', from: [{ name: 'Bob', address: 'bob@example.org' }], to: [{ name: 'Alice', address: 'alice@example.test' }],
      cc: [], replyTo: [], date: '2025-01-01T12:00:00.000Z', flags: [], seen: true, flagged: false, hasAttachments: false, size: 100,
      preview: 'Lunch?', keywords: [], messageId: '<p@x>', text: 'Lunch?', html: null, attachments: [],
    };
    const { requests } = setup({
      'GET /api/mailboxes/INBOX/messages': json({ mailbox: 'INBOX', total: 1, page: 1, pageSize: 50, messages: [message] }),
      'GET /api/mailboxes/INBOX/messages/5': json(message),
      'POST /api/compose/prefill': json({
        state: {
          to: [{ name: 'Bob', address: 'bob@example.org' }], cc: [], bcc: [], subject: 'Re: Plans', format: 'text',
          text: '\n\nOn Wed, Jan 1, 2025, Bob wrote:\n> Lunch?', html: '<p>On Wed, Jan 1, 2025, Bob wrote:</p><blockquote><p>Lunch?</p></blockquote>',
          attachments: [], inReplyTo: '<p@x>', references: ['<p@x>'], priority: 'normal', readReceipt: false,
          source: { mailbox: 'INBOX', uid: 5, kind: 'reply' },
        },
        attachments: [],
      }),
      'POST /api/messages/send': json({ id: 'o', status: 'sent', sendAt: new Date().toISOString(), subject: 'Re: Plans', to: [], messageId: '<m@x>', error: null }, 202),
    });
    renderApp(<App />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('option', { name: /Plans/ }));
    await user.click(await screen.findByRole('button', { name: 'Reply' }));
    const body = (await screen.findByRole('textbox', { name: 'Message' }, { timeout: 15_000 })) as HTMLTextAreaElement;
    const dialog = screen.getByRole('dialog', { name: 'New message' });
    expect(posts(requests, '/api/compose/prefill')[0]?.body).toEqual({ mode: 'reply', mailbox: 'INBOX', uid: 5 });
    expect(body.value).toBe('\n\n-- \nAlice Example\n\nOn Wed, Jan 1, 2025, Bob wrote:\n> Lunch?');
    expect(within(dialog).getByRole('textbox', { name: 'Subject' })).toHaveProperty('value', 'Re: Plans');
    await user.click(within(dialog).getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(posts(requests, '/api/messages/send')).toHaveLength(1));
    expect(posts(requests, '/api/messages/send')[0]?.body).toMatchObject({ inReplyTo: '<p@x>', references: ['<p@x>'], source: { mailbox: 'INBOX', uid: 5, kind: 'reply' }, to: [{ name: 'Bob', address: 'bob@example.org' }] });
    expect(await screen.findByText('Message sent')).toBeTruthy();
  });
});

describe('identities and format', () => {
  it('swaps the signature when the identity changes and converts when switching to rich text and back', async () => {
    const { requests } = setup();
    renderApp(<App />);
    const { user, dialog, field } = await openCompose();
    const from = within(dialog).getByRole('combobox', { name: 'From' });
    expect(field('Message').value).toBe('\n\n-- \nAlice Example');
    await user.selectOptions(from, 'id-work');
    expect(field('Message').value).toBe('\n\n-- \nAlice, Work Inc.');
    await user.click(within(dialog).getByRole('button', { name: 'Rich text' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'PATCH' && r.path === '/api/preferences' && (r.body as { composeFormat?: string }).composeFormat === 'html')).toBe(true));
  });
});

describe('drafts', () => {
  it('autosaves 3 s after the last change, keeps the returned uid, and writes a local copy', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { requests } = setup({ 'PUT /api/drafts': json({ mailbox: 'Drafts', uid: 41 }) });
    renderApp(<App />);
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime.bind(vi) });
    const { field } = await openCompose(user);
    await user.type(field('Subject'), 'Plans');
    await act(async () => {
      vi.advanceTimersByTime(1_000);
    });
    expect(posts(requests, '/api/drafts', 'PUT')).toHaveLength(0);
    expect(Object.keys(localStorage).some((k) => k.startsWith(RECOVERY_PREFIX))).toBe(true);
    await act(async () => {
      vi.advanceTimersByTime(2_500);
    });
    await waitFor(() => expect(posts(requests, '/api/drafts', 'PUT')).toHaveLength(1));
    expect(posts(requests, '/api/drafts', 'PUT')[0]?.body).toMatchObject({ subject: 'Plans' });
    expect(await screen.findByText('Saved')).toBeTruthy();

    await user.type(field('Subject'), ' for Friday');
    await act(async () => {
      vi.advanceTimersByTime(3_500);
    });
    await waitFor(() => expect(posts(requests, '/api/drafts', 'PUT')).toHaveLength(2));
    expect(posts(requests, '/api/drafts', 'PUT')[1]?.body).toMatchObject({ subject: 'Plans for Friday', draftUid: 41 });
  });

  it('saves on close and discards (deleting the draft) after confirming', async () => {
    const { requests } = setup({ 'DELETE /api/drafts/7': () => ({ status: 204 }) });
    renderApp(<App />);
    const first = await openCompose();
    await first.user.type(first.field('Subject'), 'Keep me');
    await first.user.click(within(first.dialog).getByRole('button', { name: 'Save draft' }));
    expect(screen.queryByRole('dialog', { name: 'New message' })).toBeNull();
    await waitFor(() => expect(posts(requests, '/api/drafts', 'PUT')).toHaveLength(1));
    expect(await screen.findByText('Draft saved')).toBeTruthy();
    await waitFor(() => expect(Object.keys(localStorage).filter((k) => k.startsWith(RECOVERY_PREFIX))).toHaveLength(0));

    vi.stubGlobal('confirm', vi.fn(() => true));
    const second = await openCompose(first.user);
    await second.user.type(second.field('Subject'), 'Throw away');
    await act(async () => {
      await new Promise((r) => setTimeout(r, 3_300));
    });
    await waitFor(() => expect(posts(requests, '/api/drafts', 'PUT')).toHaveLength(2));
    await second.user.click(within(second.dialog).getByRole('button', { name: 'Discard' }));
    expect(window.confirm).toHaveBeenCalled();
    await waitFor(() => expect(posts(requests, '/api/drafts/7', 'DELETE')).toHaveLength(1));
    expect(screen.queryByRole('dialog', { name: 'New message' })).toBeNull();
    expect(Object.keys(localStorage).filter((k) => k.startsWith(RECOVERY_PREFIX))).toHaveLength(0);
  });
});

describe('local recovery', () => {
  it('offers a message left in this browser at start; Restore reopens it, Discard forgets it', async () => {
    writeRecovery({
      sessionId: 'left-behind',
      savedAt: Date.now(),
      state: { to: [{ name: '', address: 'bob@example.org' }], subject: 'Half written', format: 'text', text: 'Where was I' },
      attachments: [],
    });
    setup();
    renderApp(<App />);
    const user = userEvent.setup();
    const offer = await screen.findByRole('region', { name: 'Recover unsent message?' });
    expect(offer.textContent).toContain('Half written');
    await user.click(within(offer).getByRole('button', { name: 'Restore' }));
    const dialog = await screen.findByRole('dialog', { name: 'New message' });
    expect(within(dialog).getByRole('textbox', { name: 'Subject' })).toHaveProperty('value', 'Half written');
    expect(within(dialog).getByRole('textbox', { name: 'Message' })).toHaveProperty('value', 'Where was I');
    expect(chipsOf(dialog).map((c) => c.textContent)).toEqual(['bob@example.org']);
    expect(screen.queryByRole('region', { name: 'Recover unsent message?' })).toBeNull();
  });

  it('Discard removes the stored copy', async () => {
    writeRecovery({ sessionId: 'old', savedAt: Date.now(), state: { subject: 'Old' }, attachments: [] });
    setup();
    renderApp(<App />);
    const offer = await screen.findByRole('region', { name: 'Recover unsent message?' });
    fireEvent.click(within(offer).getByRole('button', { name: 'Discard' }));
    expect(screen.queryByRole('region', { name: 'Recover unsent message?' })).toBeNull();
    expect(localStorage.getItem(`${RECOVERY_PREFIX}old`)).toBeNull();
  });
});
