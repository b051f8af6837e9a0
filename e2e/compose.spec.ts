import { expect, test, type APIRequestContext, type Locator, type Page, type PlaywrightWorkerArgs } from '@playwright/test';

// Compose end to end (issue #6) against the demo stack: rich text, reply/reply all/forward,
// recipient chips, attachments with progress, drafts, local recovery, identities and signatures,
// undo send, send later and errors. Mail is checked where it lands (the recipient's mailbox source
// through the API).

const unique = (label: string) => `${label} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function signIn(page: Page, email = 'alice@demo.test') {
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

interface Api {
  call(method: string, path: string, data?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: () => Promise<any>; text: () => Promise<string> }>;
}

async function csrfOf(request: APIRequestContext): Promise<string> {
  return (await request.storageState()).cookies.find((c) => c.name === 'mr_csrf')?.value ?? '';
}

function apiOf(request: APIRequestContext): Api {
  return {
    async call(method, path, data, headers = {}) {
      const res = await request.fetch(path, {
        method,
        headers: { 'x-csrf-token': await csrfOf(request), ...headers },
        ...(data === undefined ? {} : Buffer.isBuffer(data) ? { data } : { data: data as object }),
      });
      return { status: res.status(), json: () => res.json(), text: () => res.text() };
    },
  };
}

/** A signed-in API session of its own (bob, or alice besides the page). */
async function apiSession(playwright: PlaywrightWorkerArgs['playwright'], baseURL: string, email: string) {
  const request = await playwright.request.newContext({ baseURL });
  await request.get('/api/session');
  const res = await request.post('/api/session', { headers: { 'x-csrf-token': await csrfOf(request) }, data: { email, password: 'demo' } });
  expect(res.ok(), await res.text()).toBeTruthy();
  return { request, api: apiOf(request) };
}

const pageApi = (page: Page) => apiOf(page.request);

async function setPreferences(page: Page, prefs: Record<string, unknown>) {
  const res = await pageApi(page).call('PATCH', '/api/preferences', prefs);
  expect(res.status).toBe(200);
}

async function folderPath(api: Api, specialUse: string): Promise<string> {
  const res = await api.call('GET', '/api/mailboxes');
  const { mailboxes } = (await res.json()) as { mailboxes: Array<{ path: string; specialUse: string | null }> };
  const found = mailboxes.find((m) => m.specialUse?.toLowerCase() === specialUse.toLowerCase());
  if (!found) throw new Error(`no ${specialUse} folder`);
  return found.path;
}

interface Row {
  uid: number;
  subject: string;
}

async function findMessage(api: Api, mailbox: string, subject: string, timeout = 30_000): Promise<Row> {
  let row: Row | undefined;
  await expect
    .poll(
      async () => {
        const res = await api.call('GET', `/api/mailboxes/${encodeURIComponent(mailbox)}/messages?limit=100`);
        const body = (await res.json()) as { messages: Row[] };
        row = body.messages.find((m) => m.subject.includes(subject));
        return Boolean(row);
      },
      { timeout, intervals: [500, 1000] },
    )
    .toBe(true);
  return row!;
}

async function countMessages(api: Api, mailbox: string, subject: string): Promise<number> {
  const res = await api.call('GET', `/api/mailboxes/${encodeURIComponent(mailbox)}/messages?limit=100`);
  const body = (await res.json()) as { messages: Row[] };
  return body.messages.filter((m) => m.subject.includes(subject)).length;
}

async function sourceOf(api: Api, mailbox: string, uid: number): Promise<string> {
  return (await api.call('GET', `/api/mailboxes/${encodeURIComponent(mailbox)}/messages/${uid}/source`)).text();
}

/** Sends through the API (fixture mail). */
async function sendVia(api: Api, body: Record<string, unknown>) {
  const res = await api.call('POST', '/api/messages/send', { undoDelayMs: 0, ...body });
  expect(res.status, await res.text()).toBe(202);
}

async function upload(api: Api, filename: string, content: string, type = 'text/plain'): Promise<string> {
  const res = await api.call('POST', '/api/uploads', Buffer.from(content), { 'content-type': type, 'x-file-name': encodeURIComponent(filename) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const composeDialog = (page: Page) => page.getByRole('dialog', { name: 'New message' });

async function openCompose(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Compose' }).click();
  const dialog = composeDialog(page);
  await expect(dialog.getByRole('combobox', { name: 'To' })).toBeVisible();
  return dialog;
}

async function addRecipient(dialog: Locator, address: string, field = 'To') {
  const input = dialog.getByRole('combobox', { name: field });
  await input.fill(address);
  await input.press('Enter');
}

const chips = (dialog: Locator, field = 'To') =>
  dialog.locator('.recipient-field', { has: dialog.page().getByRole('combobox', { name: field, exact: true }) }).getByRole('list', { name: 'Recipients' }).getByRole('listitem');

async function openInbox(page: Page, subject: string) {
  const list = page.getByRole('listbox', { name: 'Messages' });
  const option = list.getByRole('option', { name: new RegExp(subject) });
  await expect(option).toBeVisible({ timeout: 30_000 });
  await option.click();
  const article = page.getByRole('article', { name: 'Message' });
  await expect(article.getByRole('heading', { level: 2 })).toContainText(subject);
  return article;
}

const editor = (dialog: Locator) => dialog.getByRole('textbox', { name: 'Message' });

test.describe.configure({ mode: 'serial' });

test.beforeEach(async ({ page }) => {
  await signIn(page);
  await setPreferences(page, { composeFormat: 'html', undoSendDelayMs: 0 });
  await page.reload();
  await expect(page.getByRole('button', { name: 'Compose' })).toBeVisible();
});

test('rich text (bold + list) goes out as multipart/alternative with a text part', async ({ page, playwright, baseURL }) => {
  const subject = unique('Rich');
  const dialog = await openCompose(page);
  await addRecipient(dialog, 'bob@demo.test');
  await dialog.getByRole('textbox', { name: 'Subject' }).fill(subject);
  const body = editor(dialog);
  await body.click();
  await page.keyboard.type('Hello ');
  await page.keyboard.press('Control+b');
  await page.keyboard.type('strongword');
  await page.keyboard.press('Control+b');
  await page.keyboard.press('Enter');
  await dialog.getByRole('button', { name: 'Bulleted list' }).click();
  await page.keyboard.type('first item');
  await page.keyboard.press('Enter');
  await page.keyboard.type('second item');
  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Message sent' })).toBeVisible();
  await expect(dialog).toHaveCount(0);

  const bob = await apiSession(playwright, baseURL!, 'bob@demo.test');
  const row = await findMessage(bob.api, 'INBOX', subject);
  const source = await sourceOf(bob.api, 'INBOX', row.uid);
  expect(source).toMatch(/Content-Type: multipart\/alternative/i);
  expect(source).toMatch(/Content-Type: text\/plain/i);
  expect(source).toMatch(/Content-Type: text\/html/i);
  expect(source).toMatch(/<(strong|b)>strongword<\/(strong|b)>/);
  expect(source).toMatch(/<ul>\s*<li>/);
  expect(source).toContain('second item');
  await bob.request.dispose();
});

test('switching to plain text converts the body, is remembered, and sends text only (Ctrl+Enter)', async ({ page, playwright, baseURL }) => {
  const subject = unique('Plain');
  const dialog = await openCompose(page);
  await addRecipient(dialog, 'bob@demo.test');
  await dialog.getByRole('textbox', { name: 'Subject' }).fill(subject);
  await editor(dialog).click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.type('Intro line');
  await page.keyboard.press('Enter');
  await dialog.getByRole('button', { name: 'Bulleted list' }).click();
  await page.keyboard.type('alpha');
  await dialog.getByRole('button', { name: 'Plain text' }).click();
  const text = dialog.getByRole('textbox', { name: 'Message' });
  await expect(text).toHaveValue(/^Intro line\n\n?- alpha/);
  await expect.poll(async () => ((await (await pageApi(page).call('GET', '/api/preferences')).json()) as { composeFormat: string }).composeFormat).toBe('text');
  await text.press('Control+Enter');
  await expect(page.getByRole('status').filter({ hasText: 'Message sent' })).toBeVisible();
  const bob = await apiSession(playwright, baseURL!, 'bob@demo.test');
  const row = await findMessage(bob.api, 'INBOX', subject);
  const source = await sourceOf(bob.api, 'INBOX', row.uid);
  expect(source).toMatch(/Content-Type: text\/plain/i);
  expect(source).not.toMatch(/multipart\/alternative|text\/html/i);
  expect(source).toContain('- alpha');
  await bob.request.dispose();
});

test('reply keeps the thread with one "Re:", reply all leaves me out', async ({ page, playwright, baseURL }) => {
  const topic = unique('Topic');
  const bob = await apiSession(playwright, baseURL!, 'bob@demo.test');
  await sendVia(bob.api, { to: ['alice@demo.test'], cc: ['bob@demo.test'], subject: topic, text: 'Shall we meet?' });
  const alice = pageApi(page);
  const original = await findMessage(alice, 'INBOX', topic);
  const originalDetail = (await (await alice.call('GET', `/api/mailboxes/INBOX/messages/${original.uid}`)).json()) as { messageId: string };

  // reply all: bob in To, me nowhere
  const article = await openInbox(page, topic);
  await article.getByRole('button', { name: 'Reply all' }).click();
  let dialog = composeDialog(page);
  await expect(dialog.getByRole('textbox', { name: 'Subject' })).toHaveValue(`Re: ${topic}`);
  await expect(chips(dialog)).toHaveText(['bob@demo.test'].map((a) => new RegExp(`^(Bob|bob|${a})`, 'i')));
  await expect(dialog.getByText('alice@demo.test', { exact: true })).toHaveCount(0);
  page.once('dialog', (d) => void d.accept());
  await dialog.getByRole('button', { name: 'Discard' }).click();
  await expect(dialog).toHaveCount(0);

  // reply
  await article.getByRole('button', { name: 'Reply', exact: true }).click();
  dialog = composeDialog(page);
  await expect(dialog.getByRole('textbox', { name: 'Subject' })).toHaveValue(`Re: ${topic}`);
  await editor(dialog).click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.type('Yes, at noon.');
  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Message sent' })).toBeVisible();

  const reply = await findMessage(bob.api, 'INBOX', `Re: ${topic}`);
  expect(reply.subject).toBe(`Re: ${topic}`);
  const source = await sourceOf(bob.api, 'INBOX', reply.uid);
  expect(source).toContain(`In-Reply-To: ${originalDetail.messageId}`);
  expect(source).toMatch(new RegExp(`References:[^\\n]*${originalDetail.messageId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

  // replying to the reply (from Sent) keeps a single "Re:"
  const sent = await folderPath(alice, '\\Sent');
  const sentCopy = await findMessage(alice, sent, `Re: ${topic}`);
  const prefill = await alice.call('POST', '/api/compose/prefill', { mode: 'reply', mailbox: sent, uid: sentCopy.uid });
  expect(((await prefill.json()) as { state: { subject: string } }).state.subject).toBe(`Re: ${topic}`);
  await bob.request.dispose();
});

test('forward carries the attachment over without uploading it again', async ({ page, playwright, baseURL }) => {
  const subject = unique('Report');
  const bob = await apiSession(playwright, baseURL!, 'bob@demo.test');
  const id = await upload(bob.api, 'numbers.csv', 'a,b\n1,2\n', 'text/csv');
  await sendVia(bob.api, { to: ['alice@demo.test'], subject, text: 'The numbers.', attachments: [id] });
  const article = await openInbox(page, subject);
  let uploads = 0;
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/api/uploads')) uploads++;
  });
  await article.getByRole('button', { name: 'Forward', exact: true }).click();
  const dialog = composeDialog(page);
  await expect(dialog.getByRole('textbox', { name: 'Subject' })).toHaveValue(`Fwd: ${subject}`);
  await expect(dialog.getByRole('region', { name: 'Attachments' })).toContainText('numbers.csv');
  await addRecipient(dialog, 'bob@demo.test');
  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Message sent' })).toBeVisible();
  expect(uploads).toBe(0);
  const fwd = await findMessage(bob.api, 'INBOX', `Fwd: ${subject}`);
  const source = await sourceOf(bob.api, 'INBOX', fwd.uid);
  expect(source).toMatch(/filename="?numbers\.csv/);
  await bob.request.dispose();
});

test('chips: pasting several makes several; an invalid one blocks sending until removed', async ({ page }) => {
  const subject = unique('Chips');
  const dialog = await openCompose(page);
  const to = dialog.getByRole('combobox', { name: 'To' });
  await to.focus();
  await to.evaluate((el, text) => {
    const data = new DataTransfer();
    data.setData('text/plain', text);
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, 'bob@demo.test, Alice <alice@demo.test>; not-an-address');
  await expect(chips(dialog)).toHaveCount(3);
  await expect(dialog.getByText('Not a valid email address: not-an-address')).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Subject' }).fill(subject);
  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(dialog.getByRole('alert')).toContainText('not-an-address');
  await expect(dialog).toBeVisible();
  // Backspace in the empty input removes the last chip (the invalid one)
  await to.focus();
  await page.keyboard.press('Backspace');
  await expect(chips(dialog)).toHaveCount(2);
  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Message sent' })).toBeVisible();
  await findMessage(pageApi(page), 'INBOX', subject);
});

test('attachments upload with a progress bar, can be cancelled, and go out', async ({ page, playwright, baseURL }) => {
  const subject = unique('Files');
  const dialog = await openCompose(page);
  await addRecipient(dialog, 'bob@demo.test');
  await dialog.getByRole('textbox', { name: 'Subject' }).fill(subject);
  await expect(dialog.getByText(/^up to \d/)).toBeVisible();

  // Slow uploads down so that the progress can be seen.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 400_000 });
  const big = Buffer.alloc(2_000_000, 'x');
  await dialog.getByLabel('Attach files').setInputFiles([
    { name: 'Übersicht.txt', mimeType: 'text/plain', buffer: Buffer.from('Grüße aus dem Anhang\n') },
    { name: 'big.bin', mimeType: 'application/octet-stream', buffer: big },
  ]);
  const bar = dialog.getByRole('progressbar', { name: 'Uploading big.bin' });
  await expect(bar).toBeVisible();
  await expect(bar).toHaveAttribute('aria-valuenow', /^\d+$/);
  await dialog.getByRole('button', { name: 'Cancel upload of big.bin' }).click();
  await expect(dialog.getByText('big.bin')).toHaveCount(0);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await expect(dialog.getByRole('button', { name: 'Remove Übersicht.txt' })).toBeVisible();
  await expect(dialog.getByText(/^Total /)).toBeVisible();

  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Message sent' })).toBeVisible();
  const bob = await apiSession(playwright, baseURL!, 'bob@demo.test');
  const row = await findMessage(bob.api, 'INBOX', subject);
  const source = await sourceOf(bob.api, 'INBOX', row.uid);
  expect(source).toMatch(/filename\*?=?[^\n]*(%C3%9Cbersicht|=\?UTF-8\?|Übersicht)/i);
  expect(source).not.toContain('big.bin');
  await bob.request.dispose();
});

test('a draft autosaves and reopens from Drafts exactly, attachment included', async ({ page }) => {
  const subject = unique('Draft');
  const dialog = await openCompose(page);
  await addRecipient(dialog, 'bob@demo.test');
  await dialog.getByRole('button', { name: 'Cc', exact: true }).click();
  await addRecipient(dialog, 'alice@demo.test', 'Cc');
  await dialog.getByRole('textbox', { name: 'Subject' }).fill(subject);
  await editor(dialog).click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.type('Draft body line');
  await dialog.getByLabel('Attach files').setInputFiles([{ name: 'plan.txt', mimeType: 'text/plain', buffer: Buffer.from('the plan\n') }]);
  await expect(dialog.getByRole('button', { name: 'Remove plan.txt' })).toBeVisible();
  await expect(dialog.getByText('Saved', { exact: true })).toBeVisible({ timeout: 15_000 });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);

  const drafts = await folderPath(pageApi(page), '\\Drafts');
  await findMessage(pageApi(page), drafts, subject);
  expect(await countMessages(pageApi(page), drafts, subject)).toBe(1);
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: /^Drafts/ }).click();
  await page.getByRole('listbox', { name: 'Messages' }).getByRole('option', { name: new RegExp(subject) }).click();
  const reopened = composeDialog(page);
  await expect(reopened.getByRole('textbox', { name: 'Subject' })).toHaveValue(subject);
  await expect(chips(reopened)).toHaveCount(1);
  await expect(chips(reopened, 'Cc')).toHaveCount(1);
  await expect(editor(reopened)).toContainText('Draft body line');
  await expect(reopened.getByRole('button', { name: 'Remove plan.txt' })).toBeVisible();
  page.once('dialog', (d) => void d.accept());
  await reopened.getByRole('button', { name: 'Discard' }).click();
  await expect.poll(() => countMessages(pageApi(page), drafts, subject), { timeout: 15_000 }).toBe(0);
});

test('local recovery: what was typed survives a page reload', async ({ page }) => {
  const subject = unique('Unsent');
  const dialog = await openCompose(page);
  await addRecipient(dialog, 'bob@demo.test');
  await dialog.getByRole('textbox', { name: 'Subject' }).fill(subject);
  await page.waitForFunction((s) => Object.keys(localStorage).some((k) => k.startsWith('mailroom.compose.') && (localStorage.getItem(k) ?? '').includes(s)), subject);
  await page.reload();
  const offer = page.getByRole('region', { name: 'Recover unsent message?' });
  await expect(offer).toContainText(subject);
  await offer.getByRole('button', { name: 'Restore' }).click();
  const restored = composeDialog(page);
  await expect(restored.getByRole('textbox', { name: 'Subject' })).toHaveValue(subject);
  await expect(chips(restored)).toHaveCount(1);
  page.once('dialog', (d) => void d.accept());
  await restored.getByRole('button', { name: 'Discard' }).click();
  await page.reload();
  await expect(page.getByRole('button', { name: 'Compose' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Recover unsent message?' })).toHaveCount(0);
});

test('the identity signature goes above the quote on reply, and swaps with the identity', async ({ page, playwright, baseURL }) => {
  const api = pageApi(page);
  const marker = unique('Sig');
  const created = await api.call('POST', '/api/identities', { name: 'Alice Signed', email: 'alice@demo.test', signatureHtml: `<p>${marker}</p>`, isDefault: true });
  expect(created.status).toBe(201);
  const subject = unique('Quote me');
  const bob = await apiSession(playwright, baseURL!, 'bob@demo.test');
  await sendVia(bob.api, { to: ['alice@demo.test'], subject, html: '<p>Original words</p>', format: 'html' });
  await page.reload();
  const article = await openInbox(page, subject);
  await article.getByRole('button', { name: 'Reply', exact: true }).click();
  const dialog = composeDialog(page);
  const box = editor(dialog);
  await expect(box.locator('[data-mailroom-signature]')).toContainText(marker);
  await expect(box.locator('blockquote')).toContainText('Original words');
  const signatureFirst = await box.evaluate((el) => {
    const sig = el.querySelector('[data-mailroom-signature]');
    const quote = el.querySelector('blockquote');
    return Boolean(sig && quote && sig.compareDocumentPosition(quote) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  expect(signatureFirst).toBe(true);

  // another identity: its signature replaces the first, still above the quote
  const other = unique('Other');
  const second = await api.call('POST', '/api/identities', { name: 'Alice Other', email: 'alice@demo.test', signatureHtml: `<p>${other}</p>` });
  expect(second.status).toBe(201);
  page.once('dialog', (d) => void d.accept());
  await dialog.getByRole('button', { name: 'Discard' }).click();
  await page.reload();
  const again = await openInbox(page, subject);
  await again.getByRole('button', { name: 'Reply', exact: true }).click();
  const from = dialog.getByRole('combobox', { name: 'From' });
  await expect(box.locator('[data-mailroom-signature]')).toContainText(marker);
  const secondId = ((await second.json()) as { id: string }).id;
  await from.selectOption(secondId);
  await expect(box.locator('[data-mailroom-signature]')).toHaveCount(1);
  await expect(box.locator('[data-mailroom-signature]')).toContainText(other);
  expect(await box.evaluate((el) => el.querySelector('[data-mailroom-signature]')!.compareDocumentPosition(el.querySelector('blockquote')!) & Node.DOCUMENT_POSITION_FOLLOWING)).toBeTruthy();
  page.once('dialog', (d) => void d.accept());
  await dialog.getByRole('button', { name: 'Discard' }).click();
  await api.call('DELETE', `/api/identities/${secondId}`);
  const id = ((await created.json()) as { id: string }).id;
  await api.call('PATCH', `/api/identities/${id}`, { signatureHtml: '' });
  await bob.request.dispose();
});

test('undo send: nothing arrives; send later waits in Scheduled and can be cancelled', async ({ page, playwright, baseURL }) => {
  await setPreferences(page, { undoSendDelayMs: 6_000 });
  await page.reload();
  const subject = unique('Undo me');
  let dialog = await openCompose(page);
  await addRecipient(dialog, 'bob@demo.test');
  await dialog.getByRole('textbox', { name: 'Subject' }).fill(subject);
  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: /Sending… \d+ s/ })).toBeVisible();
  await page.getByRole('button', { name: 'Undo' }).click();
  dialog = composeDialog(page);
  await expect(dialog.getByRole('textbox', { name: 'Subject' })).toHaveValue(subject);
  await expect(chips(dialog)).toHaveCount(1);
  page.once('dialog', (d) => void d.accept());
  await dialog.getByRole('button', { name: 'Discard' }).click();

  // send later
  const later = unique('Later');
  dialog = await openCompose(page);
  await addRecipient(dialog, 'bob@demo.test');
  await dialog.getByRole('textbox', { name: 'Subject' }).fill(later);
  await dialog.getByRole('button', { name: 'Schedule', exact: true }).click();
  await dialog.getByRole('button', { name: 'Tomorrow morning' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: 'Scheduled for' })).toBeVisible();
  const scheduled = page.getByRole('button', { name: /^Scheduled/ });
  await expect(scheduled).toBeVisible({ timeout: 15_000 });
  await scheduled.click();
  const list = page.getByRole('dialog', { name: 'Scheduled and unsent messages' });
  await expect(list).toContainText(later);
  await list.getByRole('button', { name: `Cancel sending ${later}` }).click();
  dialog = composeDialog(page);
  await expect(dialog.getByRole('textbox', { name: 'Subject' })).toHaveValue(later);
  page.once('dialog', (d) => void d.accept());
  await dialog.getByRole('button', { name: 'Discard' }).click();

  // the undone message never arrived (well past its delay)
  await page.waitForTimeout(8_000);
  const bob = await apiSession(playwright, baseURL!, 'bob@demo.test');
  expect(await countMessages(bob.api, 'INBOX', subject)).toBe(0);
  expect(await countMessages(bob.api, 'INBOX', later)).toBe(0);
  await bob.request.dispose();
});

test('a refused recipient keeps the message open with the error', async ({ page }) => {
  const subject = unique('Refused');
  const dialog = await openCompose(page);
  await addRecipient(dialog, 'nobody-here@demo.test');
  await dialog.getByRole('textbox', { name: 'Subject' }).fill(subject);
  await editor(dialog).click();
  await page.keyboard.type('Anyone?');
  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
  const open = composeDialog(page);
  await expect(open.getByRole('alert')).toContainText(/nobody-here@demo\.test|refused|not exist|unknown/i, { timeout: 20_000 });
  await expect(open.getByRole('textbox', { name: 'Subject' })).toHaveValue(subject);
  await expect(editor(open)).toContainText('Anyone?');
});
