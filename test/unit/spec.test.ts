import { describe, expect, it } from 'vitest';
import { parseStudySpec } from '../../shared/study/spec.js';
import { minimalSpecInput, specIssues } from '../support/factories.js';

const withParams = (parameters: unknown) => ({ ...structuredClone(minimalSpecInput), parameters });

describe('study spec', () => {
  it('fills in defaults a user may leave out', () => {
    // Act
    const spec = parseStudySpec(structuredClone(minimalSpecInput));
    // Assess
    expect(spec.strategy).toEqual({ sampler: 'tpe', scheduler: { type: 'fifo', resource: 'epoch', max: 1 }, execution: 'workflow' });
    expect(spec.limits.parallelism).toBe(1);
    expect(spec.trial).toMatchObject({ gpus: 1, spot: true, retries: 2, environment: {} });
    expect(spec.parameters.lr).toMatchObject({ scale: 'log' });
  });

  it("starts ASHA's first rung near 1/16 of max unless told", () => {
    const spec = parseStudySpec({ ...structuredClone(minimalSpecInput), strategy: { scheduler: { type: 'asha', max: 52 } } });
    expect(spec.strategy.scheduler).toEqual({ type: 'asha', resource: 'epoch', min: 3, max: 52, eta: 3 });
  });

  it('turns durations into seconds', () => {
    const spec = parseStudySpec({ ...structuredClone(minimalSpecInput), limits: { maxTrials: 1, maxWallClock: '12h' } });
    expect(spec.limits.maxWallClock).toBe(12 * 3600);
  });

  it.each([
    ['min above max', { lr: { type: 'float', min: 2, max: 1 } }, 'parameters.lr.min', /must not exceed max/],
    ['log scale with min <= 0', { lr: { type: 'float', min: 0, max: 1, scale: 'log' } }, 'parameters.lr.min', /log scale needs min > 0/],
    ['an empty categorical', { opt: { type: 'categorical', values: [] } }, 'parameters.opt.values', /at least one value/],
    ['duplicate choices', { opt: { type: 'categorical', values: ['a', 'a'] } }, 'parameters.opt.values', /unique/],
    ['ordinal out of order', { bs: { type: 'ordinal', values: [64, 32] } }, 'parameters.bs.values', /strictly increasing/],
    ['a non-integer int bound', { n: { type: 'int', min: 1.5, max: 4 } }, 'parameters.n.min', /integer/],
    [
      'a condition on a missing parent',
      { m: { type: 'float', min: 0, max: 1, when: { opt: 'sgd' } } },
      'parameters.m.when.opt',
      /missing parameter "opt"/,
    ],
    [
      'a condition on a value the parent lacks',
      { opt: { type: 'categorical', values: ['sgd'] }, m: { type: 'float', min: 0, max: 1, when: { opt: 'adam' } } },
      'parameters.m.when.opt',
      /not a value of "opt"/,
    ],
    [
      'a cycle of conditions',
      { a: { type: 'categorical', values: [1], when: { b: 1 } }, b: { type: 'categorical', values: [1], when: { a: 1 } } },
      'parameters.a.when',
      /cycle: a -> b -> a/,
    ],
    ['an unknown parameter type', { x: { type: 'complex', min: 0, max: 1 } }, 'parameters.x.type', /./],
    ['a misspelt field', { lr: { type: 'float', min: 0, max: 1, scael: 'log' } }, 'parameters.lr', /scael/],
  ])('rejects %s, naming the field', (_, parameters, path, rule) => {
    // Act
    const issues = specIssues(withParams(parameters));
    // Assess
    const hit = issues.find((i) => i.path === path);
    expect(hit, JSON.stringify(issues)).toBeDefined();
    expect(hit!.message).toMatch(rule);
  });

  it('rejects no parameters at all', () => {
    expect(specIssues(withParams({}))).toContainEqual({ path: 'parameters', message: 'must define at least one parameter' });
  });

  it('reports every problem at once', () => {
    const issues = specIssues({
      name: '',
      objective: { metric: 'acc', goal: 'up' },
      parameters: { lr: { type: 'float', min: 1, max: 0 } },
      limits: { maxTrials: 0 },
      trial: { command: [] },
    });
    expect([...new Set(issues.map((i) => i.path))].sort()).toEqual([
      'limits.maxTrials',
      'name',
      'objective.goal',
      'parameters.lr.min',
      'trial.command',
    ]);
  });

  it('rejects schedulers that cannot halve', () => {
    const base = structuredClone(minimalSpecInput);
    const tooNarrow = { ...base, strategy: { scheduler: { type: 'hyperband', min: 1, max: 2, eta: 3 } } };
    expect(specIssues(tooNarrow)).toContainEqual({
      path: 'strategy.scheduler.max',
      message: 'max / min must be at least eta (3) to have two rungs',
    });
    const inverted = { ...base, strategy: { scheduler: { type: 'successive_halving', min: 9, max: 3 } } };
    expect(specIssues(inverted)).toContainEqual({ path: 'strategy.scheduler.min', message: 'min must be below max' });
  });

  it('keeps RUNG_* environment variables for the job contract', () => {
    const spec = { ...structuredClone(minimalSpecInput), trial: { command: ['x'], environment: { RUNG_PARAMS: 'x' } } };
    expect(specIssues(spec)).toContainEqual({ path: 'trial.environment', message: 'RUNG_* variables are reserved for the job contract' });
  });
});
