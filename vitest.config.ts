import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fails the run if a test leaves a temporary folder behind (test/temp-folders.ts).
    globalSetup: ['test/temp-folders.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: two test files at a time, each native job on one libtorch thread.
    maxWorkers: 2,
    env: { LAYEROUT_TEST_THREADS: '1' },
  },
});
