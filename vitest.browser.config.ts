import { defineConfig } from 'vitest/config';

/** `npm run test:browser`: the dashboard in Debian's Chromium, driven by playwright-core (test/browser/*.browser.ts). */
export default defineConfig({
  test: {
    include: ['test/**/*.browser.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: { NODE_NO_WARNINGS: '1', AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1', POWERTOOLS_LOG_LEVEL: 'CRITICAL' },
  },
});
