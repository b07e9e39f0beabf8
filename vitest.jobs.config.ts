import { defineConfig } from 'vitest/config';

/**
 * `npm run test:jobs`: the Python/PyTorch training jobs (jobs/) as rung trials on the embedded
 * runtime. Needs python3 with torch, so it is kept out of `npm test` (whose include is
 * test/**\/*.test.ts; these files are *.jobs.ts).
 */
export default defineConfig({
  test: {
    include: ['test/jobs/**/*.jobs.ts'],
    // Whole studies of real PyTorch processes on 2 cores.
    testTimeout: 240_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { NODE_NO_WARNINGS: '1', AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1', POWERTOOLS_LOG_LEVEL: 'CRITICAL' },
  },
});
