import { defineConfig } from 'vitest/config';

// Unit tests run in parallel; integration tests share one Elasticsearch and one
// PostgreSQL (and the fixed connector indices), so their files run one at a time,
// and the e2e suite waits for them (groupOrder) rather than competing for 2 cores.
// Hermetic: a developer's .env must not change what the tests test (the
// loaders of the service, setup and seed honour USE_DOTENV).
const env = { USE_DOTENV: 'false' };

export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/failure-list.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          env,
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          env,
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          globalSetup: ['test/integration/global-setup.ts'],
          setupFiles: ['test/integration/remove-fakes.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          sequence: { groupOrder: 2 },
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          env,
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 1_200_000,
        },
      },
    ],
  },
});
