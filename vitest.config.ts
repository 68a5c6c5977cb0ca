import { defineConfig } from 'vitest/config';

// Four projects, one per kind of test (see README "Tests"):
//  unit         pure code, no services; *.test.ts beside the code
//  integration  one service's I/O against the real Kafka / ClickHouse; *.integration.test.ts
//  system       several services together through the real stack; tests/**/*.system.test.ts
//  browser      real headless Chromium against the running dashboard; *.browser.test.ts
export default defineConfig({
  test: {
    // A passing run is short enough to read: what passing tests print (progress, figures, the
    // logs of the services they run) is dropped; a failing test prints its own.
    silent: 'passed-only',
    // Tests slower than this are listed under their file: on two busy cores most take more than
    // the default 300 ms, and the list is for seeing where the suite's time goes.
    slowTestThreshold: 5_000,
    projects: [
      {
        test: {
          name: 'unit',
          // Projects run one after another: integration tests stop ClickHouse for a while, and
          // system and browser tests start whole systems; they must not overlap on 2 cores.
          sequence: { groupOrder: 0 },
          include: ['services/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts', 'tests/architecture/**/*.test.ts', 'schemas/**/*.test.ts', 'dashboards/web/src/**/*.test.ts', 'bench/**/*.test.ts', 'infra/**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', '**/*.system.test.ts', '**/*.browser.test.ts', '**/node_modules/**'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['services/*/src/**/*.integration.test.ts', 'tools/*/src/**/*.integration.test.ts', 'tests/**/*.integration.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'system',
          sequence: { groupOrder: 2 },
          include: ['tests/**/*.system.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'browser',
          sequence: { groupOrder: 3 },
          include: ['tests/**/*.browser.test.ts', 'dashboards/web/**/*.browser.test.ts'],
          // One system with the 2021 outage replayed, for every browser test file. vitest starts
          // every project's global setup before the first test of any project, so npm test runs
          // this project in a vitest run of its own (infra/test.sh).
          globalSetup: ['tests/browser/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
