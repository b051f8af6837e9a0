import { defineConfig, devices } from '@playwright/test';

// End-to-end tests in Debian's Chromium (Playwright's own browser download is not used) against
// the demo stack, started on its own ports so it never collides with a demo you are running.
const PORT = Number(process.env.E2E_PORT ?? 18080);
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json']],
  outputDir: 'test-results/e2e',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath,
          args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
        },
      },
    },
  ],
  webServer: {
    command: 'node --enable-source-maps apps/server/dist/cli.js demo',
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      PORT: String(PORT),
      IMAP_PORT: String(PORT + 1),
      SMTP_PORT: String(PORT + 2),
      SUBMISSION_PORT: String(PORT + 3),
      LOG_LEVEL: 'warn',
    },
  },
});
