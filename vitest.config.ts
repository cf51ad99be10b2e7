import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{platform,ring,engine,journal,replay,runtime,protocol,gateway,cluster,client,loadgen,bin,web,testkit,bench}/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    // Integration tests start real worker threads, LMDB environments and sockets; the machines
    // have 2 cores, so files run in at most two forks and each test gets a generous bound.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
