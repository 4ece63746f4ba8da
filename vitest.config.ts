import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One throwaway PostgreSQL + migrated template per run; each test file clones its own database.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // 2 cores: two forked workers. Integration files mostly wait on PostgreSQL and HTTP, so two
    // files at a time keep both cores busy without starving the PostgreSQL server.
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
  },
});
