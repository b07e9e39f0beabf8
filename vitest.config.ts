import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Jobs in integration tests are real child processes; synth and dynalite need a few seconds on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { NODE_NO_WARNINGS: '1', AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1', POWERTOOLS_LOG_LEVEL: 'CRITICAL' },
  },
});
