import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Each file runs in its own process: tfjs keeps global backend state.
    pool: 'forks',
    setupFiles: ['test/setup/node-file-access.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores on the reference machine; more workers only thrash.
    maxWorkers: 2,
  },
});
