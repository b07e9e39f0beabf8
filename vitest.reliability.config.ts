import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import ReliabilityReporter from './test/reliability/support/reporter.js';

// Counts from every test file land here; the reporter sums them into the closing line.
const countsDir = path.join(os.tmpdir(), `rung-reliability-${process.pid}`);
rmSync(countsDir, { recursive: true, force: true });
mkdirSync(countsDir, { recursive: true });

/**
 * `npm run test:reliability`: exactly-once writes, interleavings, fault injection, fuzzed input.
 * Files are named `*.reliability.ts` so that the default config (`*.test.ts`) never runs them.
 */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.reliability.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', new ReliabilityReporter(countsDir)],
    env: {
      NODE_NO_WARNINGS: '1',
      AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
      POWERTOOLS_LOG_LEVEL: 'CRITICAL',
      RUNG_RELIABILITY_DIR: countsDir,
    },
  },
});
