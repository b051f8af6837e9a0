import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../../app/App.js';
import { detail, json, mailbox, mockApi, renderApp, summary } from '../../test/api-mock.js';
import type { MessageDetail } from '@mailroom/shared';

afterEach(() => vi.unstubAllGlobals());

function setup(message: MessageDetail) {
  return mockApi({
    'GET /api/session': json({ user: { email: 'alice@example.test' } }),
    'GET /api/mailboxes': json({ mailboxes: [mailbox('INBOX', { name: 'INBOX', unseen: 1 })] }),
    'GET /api/mailboxes/INBOX/messages': json({ mailbox: 'INBOX', total: 1, page: 1, pageSize: 50, messages: [summary(message.uid, { seen: false, subject: message.subject })] }),
    [`GET /api/mailboxes/INBOX/messages/${message.uid}`]: json(message),
    [`PATCH /api/mailboxes/INBOX/messages/${message.uid}`]: () => ({ status: 204 }),
  });
}

async function openFirst() {
  const user = userEvent.setup();
  await user.click(await screen.findByRole('option'));
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
    await waitFor(() => expect(screen.getByRole('option').className).not.toContain('is-unread'));

    await user.click(within(article).getByRole('button', { name: 'Mark as unread' }));
    await waitFor(() => expect(screen.getByRole('option').className).toContain('is-unread'));
    expect(within(article).getByRole('button', { name: 'Mark as read' })).toBeTruthy();

    await user.click(within(article).getByRole('button', { name: 'Flag' }));
    await waitFor(() => expect(within(article).getByRole('button', { name: 'Flag' }).getAttribute('aria-pressed')).toBe('true'));
    const patches = requests.filter((r) => r.method === 'PATCH').map((r) => r.body);
    expect(patches).toEqual([{ seen: false }, { flagged: true }]);
  });

  it('replies with recipient, subject and quoted text prefilled', async () => {
    setup(detail(8, { subject: 'Plans', text: 'Line one\nLine two', from: [{ name: 'Bob', address: 'bob@example.org' }] }));
    renderApp(<App />);
    const { user, article } = await openFirst();
    await user.click(within(article).getByRole('button', { name: 'Reply' }));
    const dialog = screen.getByRole('dialog', { name: 'New message' });
    expect((within(dialog).getByRole('textbox', { name: 'To' }) as HTMLInputElement).value).toBe('bob@example.org');
    expect((within(dialog).getByRole('textbox', { name: 'Subject' }) as HTMLInputElement).value).toBe('Re: Plans');
    const text = (within(dialog).getByRole('textbox', { name: 'Message' }) as HTMLTextAreaElement).value;
    expect(text).toContain('Bob <bob@example.org> wrote:');
    expect(text).toContain('> Line one\n> Line two');
  });
});
