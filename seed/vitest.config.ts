import { defineConfig } from 'vitest/config';

// Each test file creates and drops its own database, so files may run in parallel.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
