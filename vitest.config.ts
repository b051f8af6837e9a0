import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// One vitest run covers every workspace: node tests for the server packages,
// jsdom for the React app (files under apps/web).
export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['development'] },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/server/src/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        extends: true,
        test: {
          name: 'web',
          environment: 'jsdom',
          include: ['apps/web/src/**/*.test.{ts,tsx}'],
          setupFiles: ['apps/web/src/test-setup.ts'],
          // jsdom UI tests are CPU-bound; on a busy 2-core machine the 5 s default is too tight.
          testTimeout: 30_000,
        },
      },
    ],
  },
});
