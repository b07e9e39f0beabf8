import { describe, expect, it } from 'vitest';
import { planBrackets } from '../../shared/schedulers/brackets.js';
import { creationIssues, maxBrackets } from '../../shared/study/creation-issues.js';
import { parseStudySpec } from '../../shared/study/spec.js';

/** Every bracket travels in the StudyMachine's state and history: a plan of thousands would break both on AWS. */
const spec = (maxTrials: number, scheduler: object = { type: 'hyperband', min: 1, max: 3, eta: 3 }) =>
  parseStudySpec({
    name: 'many-brackets',
    objective: { metric: 'acc', goal: 'maximize' },
    parameters: { x: { type: 'float', min: 0, max: 1 } },
    strategy: { scheduler },
    limits: { maxTrials, parallelism: 4 },
    trial: { command: ['train'] },
  });

describe('the number of brackets a study plans', () => {
  it('refuses Hyperband min 1, max 3 with maxTrials 10,000 (4,000 brackets), naming the field and the rule', () => {
    // Prepare
    const s = spec(10_000);
    expect(planBrackets(s.strategy.scheduler, 10_000)).toHaveLength(4000);

    // Act
    const issues = creationIssues(s);

    // Assess
    expect(issues).toEqual([
      {
        path: 'limits.maxTrials',
        message: expect.stringMatching(/^the scheduler would plan 4000 brackets, more than the 1000 a study's workflow runs/),
      },
    ]);
  });

  it(`accepts a plan of ${maxBrackets} brackets and refuses one more`, () => {
    // Prepare: Hyperband 1..3 makes brackets of 3 and 2 trials (2.5 per bracket on average).
    const count = (maxTrials: number) => planBrackets(spec(maxTrials).strategy.scheduler, maxTrials).length;
    const fits = [...Array(3000).keys()]
      .map((i) => i + 1)
      .filter((n) => count(n) <= maxBrackets)
      .pop()!;

    // Act + Assess
    expect(count(fits)).toBe(maxBrackets);
    expect(creationIssues(spec(fits))).toEqual([]);
    expect(creationIssues(spec(fits + 1)).map((i) => i.path)).toEqual(['limits.maxTrials']);
  });

  it('leaves ASHA alone: its lanes are not brackets', () => {
    expect(creationIssues(spec(10_000, { type: 'asha', min: 1, max: 3 }))).toEqual([]);
  });
});
