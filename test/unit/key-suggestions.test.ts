import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/errors.js';
import { parseStudySpec } from '../../shared/study/spec.js';

/** A misspelt field of a study spec names the field it most likely meant. */
function issuesOf(spec: object) {
  try {
    parseStudySpec(spec);
  } catch (e) {
    if (e instanceof InvalidInputError) return e.issues;
    throw e;
  }
  throw new Error('the spec parsed');
}

const spec = {
  name: 'typos',
  objective: { metric: 'acc', goal: 'maximize' },
  parameters: { lr: { type: 'float', min: 0.001, max: 0.1 } },
  strategy: { sampler: 'random', scheduler: { type: 'fifo', max: 1 } },
  limits: { maxTrials: 4 },
  trial: { command: ['node', 'train.js'] },
};

describe('did you mean', () => {
  it('suggests the known key at every depth: top level, nested objects, parameters of any type', () => {
    // Act
    const issues = issuesOf({
      ...spec,
      objectve: spec.objective,
      parameters: { lr: { type: 'float', min: 0.001, max: 0.1, scael: 'log' } },
      strategy: { ...spec.strategy, schedular: spec.strategy.scheduler },
      trial: { ...spec.trial, timout: '10m' },
    });

    // Assess
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: '', message: 'Unrecognized key: "objectve" (did you mean "objective"?)' },
        { path: 'parameters.lr', message: 'Unrecognized key: "scael" (did you mean "scale"?)' },
        { path: 'strategy', message: 'Unrecognized key: "schedular" (did you mean "scheduler"?)' },
        { path: 'trial', message: 'Unrecognized key: "timout" (did you mean "timeout"?)' },
      ]),
    );
  });

  it('says nothing more of a key that resembles none, and names each unknown key apart', () => {
    // Act
    const issues = issuesOf({ ...spec, limits: { maxTrials: 4, banana: 1, maxTrail: 3 } });

    // Assess
    expect(issues).toEqual([
      { path: 'limits', message: 'Unrecognized key: "banana"' },
      { path: 'limits', message: 'Unrecognized key: "maxTrail" (did you mean "maxTrials"?)' },
    ]);
  });
});
