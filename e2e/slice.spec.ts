import { expect, test, type Page } from '@playwright/test';

// The first slice end to end, against the demo stack the config starts: sign in, read the seeded
// inbox, open a plain and an HTML message, send to bob, bob reads it, a wrong password fails.

async function signIn(page: Page, email: string, password = 'demo') {
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const messages = (page: Page) => page.getByRole('listbox', { name: 'Messages' });

test('a wrong password gets a clear error and no session', async ({ page }) => {
  await signIn(page, 'alice@demo.test', 'not-the-password');
  await expect(page.getByRole('alert')).toContainText(/wrong email or password/i);
  await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
  const session = await page.request.get('/api/session');
  expect(session.status()).toBe(401);
});

test('alice reads her inbox, a plain and an HTML message, and sends to bob; bob receives it', async ({ page, browser }) => {
  await signIn(page, 'alice@demo.test');
  await expect(page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: /^Inbox/ })).toBeVisible();
  const list = messages(page);
  await expect(list.getByRole('option').first()).toBeVisible();
  expect(await list.getByRole('option').count()).toBeGreaterThanOrEqual(20);

  // plain text
  await list.getByRole('option', { name: /Welcome to Mailroom/ }).click();
  const article = page.getByRole('article', { name: 'Message' });
  await expect(article.getByRole('heading', { level: 2 })).toHaveText('Welcome to Mailroom');
  await expect(article).toContainText('team@demo.test');

  // HTML, in a sandboxed iframe without scripts, remote content blocked until asked
  await list.getByRole('option', { name: /Mailroom Weekly/ }).click();
  await expect(article.getByRole('heading', { level: 2 })).toContainText('Mailroom Weekly');
  const frame = article.locator('iframe[title="Message content"]');
  await expect(frame).toBeVisible();
  const sandbox = await frame.getAttribute('sandbox');
  expect(sandbox).not.toBeNull();
  expect(sandbox).not.toContain('allow-scripts');
  expect(sandbox).not.toContain('allow-same-origin');
  const srcdoc = (await frame.getAttribute('srcdoc')) ?? '';
  expect(srcdoc).toContain("default-src 'none'");
  expect(srcdoc).not.toMatch(/<img[^>]+\ssrc="https?:/i);
  await expect(page.getByRole('button', { name: 'Load remote content' })).toBeVisible();

  // send to bob
  const subject = `E2E hello ${Date.now()}`;
  await page.getByRole('button', { name: 'Compose' }).click();
  const dialog = page.getByRole('dialog', { name: 'New message' });
  await dialog.getByLabel('To').fill('bob@demo.test');
  await dialog.getByLabel('Subject').fill(subject);
  await dialog.getByLabel('Message').fill('Hello Bob,\nthis came through the whole stack.\nAlice');
  await dialog.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Message sent' })).toBeVisible();
  await expect(dialog).toHaveCount(0);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();

  // bob, in a separate browser context
  const bobContext = await browser.newContext();
  const bob = await bobContext.newPage();
  await signIn(bob, 'bob@demo.test');
  const option = messages(bob).getByRole('option', { name: new RegExp(subject) });
  await expect(option).toBeVisible();
  await option.click();
  // compose writes HTML by default: the body is in the sandboxed frame (the text part has it too)
  const body = bob.getByRole('article', { name: 'Message' }).locator('iframe[title="Message content"]');
  await expect(body).toHaveAttribute('srcdoc', /this came through the whole stack/);
  await bobContext.close();
});
