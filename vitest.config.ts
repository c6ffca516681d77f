import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/ignore-local-settings.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    allowOnly: !process.env.CI,
    pool: 'forks',
    // Most slow tests wait on timers, child processes and sockets rather than the CPU, so even a
    // 2-core machine runs two files at once (vitest's default there would be one).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
})
