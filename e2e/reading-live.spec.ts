import { expect, test, type Page } from '@playwright/test';
import nodemailer from 'nodemailer';

// Reading features end to end: new mail appears without a reload (IMAP IDLE/polling → SSE → list),
// keyboard navigation, and the theme choice surviving a reload.

async function signIn(page: Page) {
  await page.goto('/');
  await page.getByLabel('Email').fill('alice@demo.test');
  await page.getByLabel('Password').fill('demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

async function deliver(page: Page, projectName: string, baseURL: string | undefined, subject: string) {
  if (projectName === 'embedded') {
    // Over SMTP into the demo stack's MX port (PORT+2), like any other mail from outside.
    const port = Number(new URL(baseURL ?? 'http://127.0.0.1:18080').port) + 2;
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ from: 'Zed <zed@elsewhere.test>', to: 'alice@demo.test', subject, text: 'live!' });
    } finally {
      transport.close();
    }
    return;
  }
  // Other backends: through the webmail's send API (a different request context than the page).
  const csrf = (await page.context().cookies()).find((c) => c.name === 'mr_csrf')?.value ?? '';
  const res = await page.request.post('/api/messages/send', { headers: { 'x-csrf-token': csrf }, data: { to: ['alice@demo.test'], subject, text: 'live!', undoDelayMs: 0 } });
  expect(res.status()).toBe(202);
}

test('new mail shows up in the open inbox without a reload', async ({ page }, testInfo) => {
  await signIn(page);
  const list = page.getByRole('listbox', { name: 'Messages' });
  await expect(list.getByRole('option').first()).toBeVisible();
  const subject = `Live ${Date.now().toString(36)}`;
  const navigations: string[] = [];
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) navigations.push(f.url());
  });
  await deliver(page, testInfo.project.name, testInfo.project.use.baseURL, subject);
  await expect(list.getByRole('option', { name: new RegExp(subject) })).toBeVisible({ timeout: 30_000 });
  expect(navigations).toEqual([]);
});

test('keyboard: j/k/o/u, ? lists the shortcuts; the theme survives a reload', async ({ page }) => {
  await signIn(page);
  const list = page.getByRole('listbox', { name: 'Messages' });
  await expect(list.getByRole('option').first()).toBeVisible();
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await expect(list.getByRole('option').first()).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('o');
  const article = page.getByRole('article', { name: 'Message' });
  await expect(article.getByRole('heading', { level: 2 })).toBeVisible();
  await page.keyboard.press('u');
  await page.keyboard.press('Shift+?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toBeVisible();
  await expect(help.locator('kbd', { hasText: '#' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(help).toHaveCount(0);

  await page.getByRole('button', { name: 'Settings' }).click();
  const settings = page.getByRole('dialog', { name: 'Settings' });
  await settings.getByLabel('Theme').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.reload();
  await expect(page.getByRole('listbox', { name: 'Messages' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(background);
  // Back to the default for the other tests.
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('dialog', { name: 'Settings' }).getByLabel('Theme').selectOption('system');
  await expect(page.locator('html')).not.toHaveAttribute('data-theme', /./);
});
