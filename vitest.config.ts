import { defineConfig } from 'vitest/config';

// Four projects, one per kind of test (see README "Tests"):
//  unit         pure code, no services; *.test.ts beside the code
//  integration  one service's I/O against the real Kafka / ClickHouse; *.integration.test.ts
//  system       several services together through the real stack; tests/**/*.system.test.ts
//  browser      real headless Chromium against the running dashboard; *.browser.test.ts
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['services/*/src/**/*.test.ts', 'schemas/**/*.test.ts', 'dashboards/web/src/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', '**/*.system.test.ts', '**/*.browser.test.ts', '**/node_modules/**'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['services/*/src/**/*.integration.test.ts', 'tests/**/*.integration.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'system',
          include: ['tests/**/*.system.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['tests/**/*.browser.test.ts', 'dashboards/web/**/*.browser.test.ts'],
          globalSetup: ['tests/browser/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
