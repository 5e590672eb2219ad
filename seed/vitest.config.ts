import { defineConfig } from 'vitest/config';

// Each test file creates and drops its own database, so files may run in parallel.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Hermetic: a developer's .env must not change what the tests test.
    env: { USE_DOTENV: 'false' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
