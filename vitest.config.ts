import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: two test files at a time, each native job on one libtorch thread.
    maxWorkers: 2,
    env: { LAYEROUT_TEST_THREADS: '1' },
  },
});
