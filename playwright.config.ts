import { defineConfig, devices } from '@playwright/test';

// End-to-end tests in Debian's Chromium (Playwright's own browser download is not used), once per
// mail backend, each project against its own webmail on its own ports (so it never collides with
// a demo you are running):
//  - embedded:          the demo stack (`cli.js demo`: embedded mail server + webmail);
//  - dovecot-postfix:   `cli.js webmail` in front of Debian's Dovecot + Postfix on loopback;
//  - embedded-minimal:  `cli.js webmail` in front of the embedded server without SORT, THREAD,
//                       ESEARCH, QRESYNC, LIST-STATUS and IDLE.
// The last two are started by e2e/serve-backend.ts (@mailroom/testkit), which stops the mail
// servers again when Playwright stops it.
const PORT = Number(process.env.E2E_PORT ?? 18080);
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const BACKENDS = [
  { name: 'embedded', port: PORT },
  { name: 'dovecot-postfix', port: PORT + 10 },
  { name: 'embedded-minimal', port: PORT + 20 },
] as const;

const chromium = {
  ...devices['Desktop Chrome'],
  launchOptions: {
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  },
};

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
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: BACKENDS.map((b) => ({ name: b.name, use: { ...chromium, baseURL: `http://127.0.0.1:${b.port}` } })),
  webServer: [
    {
      name: 'embedded',
      command: 'node --enable-source-maps apps/server/dist/cli.js demo',
      url: `http://127.0.0.1:${PORT}/api/health`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
      // the demo removes its temporary data on SIGTERM
      gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
      env: {
        PORT: String(PORT),
        IMAP_PORT: String(PORT + 1),
        SMTP_PORT: String(PORT + 2),
        SUBMISSION_PORT: String(PORT + 3),
        POP3_PORT: String(PORT + 4),
        IMAPS_PORT: String(PORT + 5),
        SUBMISSIONS_PORT: String(PORT + 6),
        LOG_LEVEL: 'warn',
      },
    },
    ...BACKENDS.filter((b) => b.name !== 'embedded').map((b) => ({
      name: b.name,
      command: `node --import tsx e2e/serve-backend.ts ${b.name}`,
      url: `http://127.0.0.1:${b.port}/api/health`,
      timeout: 180_000,
      reuseExistingServer: false,
      stdout: 'pipe' as const,
      stderr: 'pipe' as const,
      gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 15_000 },
      env: { PORT: String(b.port), LOG_LEVEL: 'warn', E2E_PER_USER: '60' },
    })),
  ],
});
