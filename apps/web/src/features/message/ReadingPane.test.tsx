import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../../app/App.js';
import { detail, json, mailbox, mockApi, renderApp, summary } from '../../test/api-mock.js';
import type { MessageDetail } from '@mailroom/shared';

afterEach(() => vi.unstubAllGlobals());

const PREFS = { markReadDelayMs: 0, conversationView: false, theme: 'system', language: 'en', remoteContentSenders: [] as string[] };

function setup(message: MessageDetail, extra: Parameters<typeof mockApi>[0] = {}, prefs: object = PREFS) {
  return mockApi({
    'GET /api/session': json({ user: { email: 'alice@example.test' } }),
    'GET /api/mailboxes': json({ mailboxes: [mailbox('INBOX', { name: 'INBOX', unseen: 1 })] }),
    'GET /api/mailboxes/INBOX/messages': json({ mailbox: 'INBOX', total: 1, offset: 0, limit: 100, sort: 'date', order: 'desc', messages: [summary(message.uid, { seen: message.seen, subject: message.subject })] }),
    [`GET /api/mailboxes/INBOX/messages/${message.uid}`]: json(message),
    'GET /api/preferences': json(prefs),
    'PATCH /api/preferences': (req) => ({ status: 200, body: { ...prefs, ...(req.body as object) } }),
    ...extra,
    [`PATCH /api/mailboxes/INBOX/messages/${message.uid}`]: () => ({ status: 204 }),
  });
}

async function openFirst() {
  const user = userEvent.setup();
  await user.click(await within(await screen.findByRole('listbox', { name: 'Messages' })).findByRole('option'));
  const article = await screen.findByRole('article', { name: 'Message' });
  return { user, article };
}

describe('reading pane', () => {
  it('shows headers, a linkified plain text body and attachments', async () => {
    setup(
      detail(5, {
        subject: 'Report',
        cc: [{ name: 'Carol', address: 'carol@example.org' }],
        text: 'See https://example.org/report and <b>not html</b>',
        attachments: [
          { id: 'a1', filename: 'report.pdf', contentType: 'application/pdf', size: 204800, contentId: null, inline: false, url: '/api/mailboxes/INBOX/messages/5/attachments/a1' },
        ],
      }),
    );
    renderApp(<App />);
    const { article } = await openFirst();
    expect(within(article).getByRole('heading', { level: 2 }).textContent).toBe('Report');
    expect(within(article).getByText('Carol <carol@example.org>')).toBeTruthy();
    const link = within(article).getByRole('link', { name: 'https://example.org/report' });
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(within(article).getByText(/<b>not html<\/b>/)).toBeTruthy();
    expect(article.querySelector('b')).toBeNull();
    const download = within(article).getByRole('link', { name: 'Download report.pdf' });
    expect(download.getAttribute('href')).toBe('/api/mailboxes/INBOX/messages/5/attachments/a1');
    expect(within(article).getByText('200 KB · application/pdf')).toBeTruthy();
  });

  it('renders HTML in a sandboxed iframe and loads remote content only on request', async () => {
    setup(detail(6, { subject: 'News', html: '<p>Hi</p><img src="https://tracker.test/p.gif"><script>alert(1)</script>' }));
    renderApp(<App />);
    const { user, article } = await openFirst();
    const frame = within(article).getByTitle('Message content') as HTMLIFrameElement;
    expect(frame.getAttribute('sandbox')).toBe('allow-popups allow-popups-to-escape-sandbox');
    const srcdoc = frame.getAttribute('srcdoc') ?? '';
    expect(srcdoc).toContain('<p>Hi</p>');
    expect(srcdoc).not.toContain('<script');
    expect(srcdoc).not.toMatch(/\ssrc="https:\/\/tracker\.test/);
    expect(srcdoc).toContain("default-src 'none'");
    expect(within(article).getByText('Remote content was blocked to protect your privacy.')).toBeTruthy();

    await user.click(within(article).getByRole('button', { name: 'Load remote content' }));
    const after = (within(article).getByTitle('Message content') as HTMLIFrameElement).getAttribute('srcdoc') ?? '';
    expect(after).toMatch(/\ssrc="https:\/\/tracker\.test\/p\.gif"/);
    expect(within(article).queryByRole('button', { name: 'Load remote content' })).toBeNull();
  });

  it('shows inline cid: images as data: URLs loaded by the app, not repeated as attachments', async () => {
    const { fetchMock } = setup(
      detail(9, {
        subject: 'Logo',
        html: '<p>Our logo:</p><img src="cid:logo@x" alt="logo">',
        attachments: [
          { id: 'i1', filename: 'logo.png', contentType: 'image/png', size: 4, contentId: 'logo@x', inline: true, url: '/api/mailboxes/INBOX/messages/9/attachments/i1' },
        ],
      }),
    );
    const realFetch = fetchMock.getMockImplementation()!;
    fetchMock.mockImplementation(async (input, init) => {
      if (String(input) === '/api/mailboxes/INBOX/messages/9/attachments/i1') {
        return new Response(new Uint8Array([137, 80, 78, 71]), { status: 200, headers: { 'content-type': 'image/png' } });
      }
      return realFetch(input, init);
    });
    renderApp(<App />);
    const { article } = await openFirst();
    await waitFor(() =>
      expect((within(article).getByTitle('Message content') as HTMLIFrameElement).getAttribute('srcdoc')).toContain(
        'src="data:image/png;base64,iVBORw=="',
      ),
    );
    expect(within(article).queryByRole('link', { name: 'Download logo.png' })).toBeNull();
    expect(within(article).queryByRole('button', { name: 'Load remote content' })).toBeNull();
  });

  it('marks as unread and flags with PATCH, and updates the list', async () => {
    const { requests } = setup(detail(7, { subject: 'Flags', seen: true }));
    renderApp(<App />);
    const { user, article } = await openFirst();
    const row = () => within(screen.getByRole('listbox', { name: 'Messages' })).getByRole('option');
    await waitFor(() => expect(row().className).not.toContain('is-unread'));

    await user.click(within(article).getByRole('button', { name: 'Mark as unread' }));
    await waitFor(() => expect(row().className).toContain('is-unread'));
    expect(within(article).getByRole('button', { name: 'Mark as read' })).toBeTruthy();

    await user.click(within(article).getByRole('button', { name: 'Flag' }));
    await waitFor(() => expect(within(article).getByRole('button', { name: 'Flag' }).getAttribute('aria-pressed')).toBe('true'));
    const patches = requests.filter((r) => r.method === 'PATCH').map((r) => r.body);
    expect(patches).toEqual([{ seen: false }, { flagged: true }]);
  });

  it('replies, forwards as attachment and edits as new through the server prefill', async () => {
    const { requests } = setup(detail(8, { subject: 'Plans', text: 'Line one\nLine two', from: [{ name: 'Bob', address: 'bob@example.org' }] }), {
      'GET /api/identities': json({ identities: [] }),
      'POST /api/compose/prefill': (req) => ({
        status: 200,
        body: {
          state: { to: [{ name: 'Bob', address: 'bob@example.org' }], subject: 'Re: Plans', format: 'text', text: '\n\nBob <bob@example.org> wrote:\n> Line one\n> Line two' },
          attachments: [],
          mode: (req.body as { mode: string }).mode,
        },
      }),
    }, { ...PREFS, composeFormat: 'text' });
    renderApp(<App />);
    const { user, article } = await openFirst();
    await user.click(within(article).getByRole('button', { name: 'Reply' }));
    const text = (await screen.findByRole('textbox', { name: 'Message' }, { timeout: 15_000 })) as HTMLTextAreaElement;
    const dialog = screen.getByRole('dialog', { name: 'New message' });
    expect(within(within(within(dialog).getByRole('combobox', { name: 'To' }).closest('.recipient-field') as HTMLElement).getByRole('list', { name: 'Recipients' })).getAllByRole('listitem').map((c) => c.textContent)).toEqual(['Bob']);
    expect((within(dialog).getByRole('textbox', { name: 'Subject' }) as HTMLInputElement).value).toBe('Re: Plans');
    expect(text.value).toContain('> Line one\n> Line two');
    vi.stubGlobal('confirm', () => true);
    await user.click(within(dialog).getByRole('button', { name: 'Discard' }));

    await user.click(within(article).getByRole('button', { name: 'More actions' }));
    await user.click(within(article).getByRole('button', { name: 'Forward as attachment' }));
    await screen.findByRole('textbox', { name: 'Subject' });
    await user.click(within(screen.getByRole('dialog', { name: 'New message' })).getByRole('button', { name: 'Discard' }));
    await user.click(within(article).getByRole('button', { name: 'More actions' }));
    await user.click(within(article).getByRole('button', { name: 'Edit as new' }));
    await screen.findByRole('textbox', { name: 'Subject' });
    expect(requests.filter((r) => r.path === '/api/compose/prefill').map((r) => (r.body as { mode: string }).mode)).toEqual(['reply', 'forwardAttachment', 'editAsNew']);
  });

  it('opens without marking read (peek) and marks read after the configured delay', async () => {
    const { requests } = setup(detail(11, { subject: 'Later', seen: false }), {}, { ...PREFS, markReadDelayMs: 300 });
    renderApp(<App />);
    await openFirst();
    expect(requests.some((r) => r.path === '/api/mailboxes/INBOX/messages/11?peek=1')).toBe(true);
    expect(requests.some((r) => r.method === 'PATCH' && r.path === '/api/mailboxes/INBOX/messages/11')).toBe(false);
    await waitFor(() => expect(requests.find((r) => r.method === 'PATCH' && r.path === '/api/mailboxes/INBOX/messages/11')?.body).toEqual({ seen: true }));
  });

  it('marks read at once with delay 0', async () => {
    const { requests } = setup(detail(12, { subject: 'Now', seen: false }));
    renderApp(<App />);
    await openFirst();
    await waitFor(() => expect(requests.find((r) => r.method === 'PATCH' && r.path === '/api/mailboxes/INBOX/messages/12')?.body).toEqual({ seen: true }));
  });

  it('remembers "Always for this sender" and then loads remote content from that sender', async () => {
    const { requests } = setup(detail(13, { subject: 'Promo', html: '<img src="https://cdn.test/a.png">', from: [{ name: 'Shop', address: 'News@Shop.test' }] }));
    renderApp(<App />);
    const { user, article } = await openFirst();
    await user.click(within(article).getByRole('button', { name: 'Always for this sender' }));
    await waitFor(() => expect(requests.find((r) => r.method === 'PATCH' && r.path === '/api/preferences')?.body).toEqual({ remoteContentSenders: ['news@shop.test'] }));
    await waitFor(() => expect((within(article).getByTitle('Message content') as HTMLIFrameElement).getAttribute('srcdoc')).toMatch(/\ssrc="https:\/\/cdn\.test\/a\.png"/));
  });

  it('shows all headers and the source on demand, a zip link, previews and own-window link', async () => {
    setup(
      detail(14, {
        subject: 'Files',
        attachments: [
          { id: 'a1', filename: 'a.pdf', contentType: 'application/pdf', size: 10, contentId: null, inline: false, url: '/api/mailboxes/INBOX/messages/14/attachments/a1' },
          { id: 'a2', filename: 'b.png', contentType: 'image/png', size: 10, contentId: null, inline: false, url: '/api/mailboxes/INBOX/messages/14/attachments/a2' },
        ],
      }),
      {
        'GET /api/mailboxes/INBOX/messages/14/headers': json({ headers: [{ name: 'X-Mailer', value: 'Test 1.0' }, { name: 'Received', value: 'from mx' }] }),
        'GET /api/mailboxes/INBOX/messages/14/source': () => ({ status: 200, body: 'Subject: Files\r\n\r\nraw body' }),
      },
    );
    renderApp(<App />);
    const { user, article } = await openFirst();
    expect(within(article).getByRole('link', { name: 'Download all as zip' }).getAttribute('href')).toBe('/api/mailboxes/INBOX/messages/14/attachments.zip');
    expect(within(article).getByRole('button', { name: 'Preview a.pdf' })).toBeTruthy();
    expect(within(article).getByRole('button', { name: 'Preview b.png' })).toBeTruthy();
    expect(within(article).queryByRole('button', { name: 'View source' })).toBeNull();
    await user.click(within(article).getByRole('button', { name: 'More actions' }));
    const own = within(article).getByRole('link', { name: 'Open in new window' });
    expect(own.getAttribute('href')).toBe('#/message/INBOX/14');
    expect(own.getAttribute('target')).toBe('_blank');

    await user.click(within(article).getByRole('button', { name: 'Show all headers' }));
    const headers = await screen.findByRole('dialog', { name: 'All headers' });
    expect(await within(headers).findByText('Test 1.0')).toBeTruthy();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog', { name: 'All headers' })).toBeNull();

    await user.click(within(article).getByRole('button', { name: 'More actions' }));
    await user.click(within(article).getByRole('button', { name: 'View source' }));
    const source = await screen.findByRole('dialog', { name: 'Message source' });
    expect((await within(source).findByLabelText('Message source')).textContent).toContain('raw body');
  });

  it('shows a calendar invitation as a summary card', async () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'METHOD:REQUEST',
      'BEGIN:VEVENT',
      'SUMMARY:Quarterly review\\, Q3',
      'DTSTART:20260310T140000Z',
      'DTEND:20260310T150000Z',
      'LOCATION:Room 4',
      'ORGANIZER;CN="Dana Boss":mailto:dana@example.org',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const { fetchMock } = setup(
      detail(15, {
        subject: 'Invitation',
        attachments: [{ id: 'c1', filename: 'invite.ics', contentType: 'text/calendar', size: ics.length, contentId: null, inline: false, url: '/api/mailboxes/INBOX/messages/15/attachments/c1' }],
      }),
    );
    const real = fetchMock.getMockImplementation()!;
    fetchMock.mockImplementation(async (input, init) =>
      String(input) === '/api/mailboxes/INBOX/messages/15/attachments/c1' ? new Response(ics, { status: 200, headers: { 'content-type': 'text/calendar' } }) : real(input, init),
    );
    renderApp(<App />);
    const { article } = await openFirst();
    const card = await within(article).findByRole('region', { name: 'Invitation' });
    expect(within(card).getByRole('heading', { name: 'Quarterly review, Q3' })).toBeTruthy();
    expect(within(card).getByText('Room 4')).toBeTruthy();
    expect(within(card).getByText('Dana Boss <dana@example.org>')).toBeTruthy();
    expect(within(card).getByText(/2026/)).toBeTruthy();
  });

  it('shows tags and adds and removes them', async () => {
    const { requests } = setup(detail(16, { subject: 'Tagged', keywords: ['work'] }), {
      'POST /api/mailboxes/INBOX/messages/actions': json({}),
    });
    renderApp(<App />);
    const { user, article } = await openFirst();
    await user.click(within(article).getByRole('button', { name: 'Remove tag work' }));
    await user.type(within(article).getByRole('textbox', { name: 'Add tag' }), 'urgent stuff{Enter}');
    const bodies = requests.filter((r) => r.path === '/api/mailboxes/INBOX/messages/actions').map((r) => r.body);
    expect(bodies).toEqual([
      { uids: [16], action: 'removeKeyword', keyword: 'work' },
      { uids: [16], action: 'addKeyword', keyword: 'urgent_stuff' },
    ]);
  });

  it('loads remote content at once for a trusted "@domain" and offers junk, archive and delete', async () => {
    const { requests } = setup(
      detail(17, { subject: 'Trusted', html: '<img src="https://cdn.test/b.png">', from: [{ name: 'Shop', address: 'deals@shop.test' }] }),
      { 'POST /api/mailboxes/INBOX/messages/actions': json({}) },
      { ...PREFS, remoteContentSenders: ['@Shop.test'] },
    );
    renderApp(<App />);
    const { user, article } = await openFirst();
    await waitFor(() => expect((within(article).getByTitle('Message content') as HTMLIFrameElement).getAttribute('srcdoc')).toMatch(/\ssrc="https:\/\/cdn\.test\/b\.png"/));
    expect(within(article).queryByRole('button', { name: 'Load remote content' })).toBeNull();
    await user.click(within(article).getByRole('button', { name: 'Junk' }));
    await waitFor(() => expect(requests.find((r) => r.path === '/api/mailboxes/INBOX/messages/actions')?.body).toEqual({ uids: [17], action: 'junk' }));
    await waitFor(() => expect(screen.queryByRole('article', { name: 'Message' })).toBeNull());
  });
});
