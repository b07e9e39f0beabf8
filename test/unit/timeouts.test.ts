import '../../runtime/polyfills.js';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/errors.js';
import { parseStudySpec } from '../../shared/study/spec.js';

const spec = (trial: object = {}) =>
  parseStudySpec({
    name: 'timeouts',
    objective: { metric: 'acc', goal: 'maximize' },
    parameters: { x: { type: 'float', min: 0, max: 1 } },
    limits: { maxTrials: 30 },
    trial: { command: ['train'], ...trial },
  });

function issuesOf(body: () => unknown) {
  try {
    body();
  } catch (e) {
    if (e instanceof InvalidInputError) return e.issues;
    throw e;
  }
  return [];
}

describe('trial.timeout bounds (the state timeouts cover every spec inside them: test/infra/definitions.test.ts)', () => {
  it('refuses less than 60 s (it was silently raised to 60 s) and more than 14 days, naming the field and the rule', () => {
    expect(issuesOf(() => spec({ timeout: '30s' }))).toEqual([
      { path: 'trial.timeout', message: 'must be at least 60s, the shortest attempt timeout AWS Batch takes' },
    ]);
    expect(issuesOf(() => spec({ timeout: '15d' }))).toEqual([{ path: 'trial.timeout', message: 'must be at most 14d' }]);
    expect(spec({ timeout: '60s' }).trial.timeout).toBe(60);
    expect(spec({ timeout: '14d' }).trial.timeout).toBe(14 * 86_400);
  });
});

describe('the embedded runtime timer', () => {
  it('waits a timeout of a year instead of firing at once (Node fires delays over 2^31 - 1 ms after 1 ms)', async () => {
    // Act
    let fired = false;
    const timer = setTimeout(() => (fired = true), 365 * 86_400 * 1000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    clearTimeout(timer);

    // Assess
    expect(fired).toBe(false);
  });
});
