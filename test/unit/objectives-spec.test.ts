import { describe, expect, it } from 'vitest';
import { observationOf, rungOutcome } from '../../shared/study/objectives.js';
import { parseStudySpec } from '../../shared/study/spec.js';
import { makeTrial, minimalSpecInput, specIssues } from '../support/factories.js';

/** A Pareto study: accuracy up, parameter count down, latency under 20 ms. */
function paretoInput(overrides: Record<string, unknown> = {}) {
  const { objective: _single, ...rest } = structuredClone(minimalSpecInput);
  return {
    ...rest,
    objectives: [
      { metric: 'acc', goal: 'maximize' },
      { metric: 'params', goal: 'minimize', reference: 1e6 },
    ],
    constraints: [{ metric: 'latency_ms', max: 20 }],
    strategy: { sampler: 'nsga2' },
    trial: { command: ['node', 'train.js'], metrics: ['latency_ms'] },
    ...overrides,
  };
}

describe('objectives and constraints in the study spec', () => {
  it('makes the first of objectives the primary objective, so that single-objective readers keep working', () => {
    // Act
    const spec = parseStudySpec(paretoInput());
    // Assess
    expect(spec.objective).toEqual({ metric: 'acc', goal: 'maximize' });
    expect(spec.objectives?.map((o) => o.metric)).toEqual(['acc', 'params']);
    expect(spec.constraints).toEqual([{ metric: 'latency_ms', max: 20 }]);
    expect(spec.trial.metrics).toEqual(['latency_ms']);
  });

  it('parses its own output again (a stored spec carries objective and objectives)', () => {
    // Prepare
    const stored = parseStudySpec(paretoInput());
    // Act
    const again = parseStudySpec(JSON.parse(JSON.stringify(stored)));
    // Assess
    expect(again).toEqual(stored);
  });

  it('leaves a single-objective spec as it was', () => {
    // Act
    const spec = parseStudySpec(structuredClone(minimalSpecInput));
    // Assess
    expect(spec.objective).toEqual({ metric: 'acc', goal: 'maximize' });
    expect(spec).not.toHaveProperty('objectives');
    expect(spec).not.toHaveProperty('constraints');
  });

  it.each([
    ['neither objective nor objectives', (s: any) => delete s.objectives, 'objective', /is required: one objective .* or objectives/],
    [
      'both, and they differ',
      (s: any) => (s.objective = { metric: 'params', goal: 'minimize' }),
      'objectives',
      /give objective or objectives, not both/,
    ],
    ['one entry in objectives', (s: any) => (s.objectives = [{ metric: 'acc', goal: 'maximize' }]), 'objectives', /2 to 4 objectives/],
    [
      'five objectives',
      (s: any) => (s.objectives = ['a', 'b', 'c', 'd', 'e'].map((metric) => ({ metric, goal: 'maximize' }))),
      'objectives',
      /2 to 4/,
    ],
    [
      'the same metric twice',
      (s: any) => (s.objectives[1] = { metric: 'acc', goal: 'minimize' }),
      'objectives.1.metric',
      /"acc" is already an objective/,
    ],
    ['a constraint without a bound', (s: any) => (s.constraints = [{ metric: 'latency_ms' }]), 'constraints.0.max', /needs a bound/],
    [
      'min above max',
      (s: any) => (s.constraints = [{ metric: 'latency_ms', min: 30, max: 20 }]),
      'constraints.0.min',
      /must not exceed max/,
    ],
    [
      'a constraint on a metric no trial reports',
      (s: any) => s.constraints.push({ metric: 'memory_mb', max: 512 }),
      'constraints.1.metric',
      /"memory_mb" is neither an objective nor listed in trial.metrics/,
    ],
    [
      'two constraints on one metric',
      (s: any) => s.constraints.push({ metric: 'latency_ms', min: 1 }),
      'constraints.1.metric',
      /has a constraint already/,
    ],
    ['an empty list of constraints', (s: any) => (s.constraints = []), 'constraints', /at least one constraint/],
    ['a bad metric name in trial.metrics', (s: any) => (s.trial.metrics = ['9lives']), 'trial.metrics.0', /must be a metric name/],
  ])('rejects %s, naming the field', (_name, change, path, message) => {
    // Prepare
    const input = paretoInput();
    change(input);
    // Act
    const issues = specIssues(input);
    // Assess
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('rejects a constraint on an undeclared metric of a single-objective study too', () => {
    // Prepare
    const input = { ...structuredClone(minimalSpecInput), constraints: [{ metric: 'latency_ms', max: 20 }] };
    // Act
    const issues = specIssues(input);
    // Assess
    expect(issues).toEqual([{ path: 'constraints.0.metric', message: expect.stringContaining('add it to trial.metrics') }]);
  });

  it('accepts a constraint on an objective metric without declaring it', () => {
    // Act
    const spec = parseStudySpec({ ...structuredClone(minimalSpecInput), constraints: [{ metric: 'acc', min: 0.5 }] });
    // Assess
    expect(spec.constraints).toEqual([{ metric: 'acc', min: 0.5 }]);
  });

  it('rejects a multi-objective sampler on a single-objective study', () => {
    // Act
    const issues = specIssues({ ...structuredClone(minimalSpecInput), strategy: { sampler: 'parego' } });
    // Assess
    expect(issues).toEqual([{ path: 'strategy.sampler', message: expect.stringContaining('parego searches a Pareto front') }]);
  });
});

describe('judging a rung from the reported metrics', () => {
  const spec = parseStudySpec(
    paretoInput({
      constraints: [
        { metric: 'latency_ms', max: 20 },
        { metric: 'acc', min: 0.5 },
      ],
    }),
  );
  const report = (step: number, metrics: Record<string, number>) => ({ step, metrics });

  it('takes each metric at its latest report up to the rung and measures the violation relative to the bound', () => {
    // Prepare: latency reported once at step 1, acc every step, a report past the rung.
    const measurements = [
      report(1, { acc: 0.4, latency_ms: 25, params: 900 }),
      report(2, { acc: 0.7 }),
      report(3, { acc: 0.9, latency_ms: 10 }),
    ];
    // Act
    const outcome = rungOutcome(spec, measurements, 2, false);
    // Assess: (25 - 20) / 20 = 0.25 over the latency bound; acc 0.7 holds (0.5 - 0.7) / 0.5 = -0.4.
    expect(outcome).toEqual({ metrics: { acc: 0.7, latency_ms: 25, params: 900 }, feasible: false, violation: 0.25 });
  });

  it('calls a rung feasible only when every constraint was measured and holds', () => {
    // Act
    const unknown = rungOutcome(spec, [report(1, { acc: 0.9, params: 10 })], 1, false);
    const feasible = rungOutcome(spec, [report(1, { acc: 0.9, params: 10, latency_ms: 15 })], 1, false);
    // Assess: (15 - 20) / 20 = -0.25 and (0.5 - 0.9) / 0.5 = -0.8.
    expect(unknown).toEqual({ metrics: { acc: 0.9, params: 10 } });
    expect(feasible).toMatchObject({ feasible: true, violation: -0.25 });
  });

  it('fails the final rung of a trial that never reported a constraint metric or an objective, naming it', () => {
    // Act
    const noLatency = rungOutcome(spec, [report(3, { acc: 0.9, params: 10 })], 3, true);
    const noParams = rungOutcome(spec, [report(3, { acc: 0.9, latency_ms: 3 })], 3, true);
    // Assess
    expect(noLatency.missing).toBe('the job never reported the metric "latency_ms" that a constraint needs (constraints.0)');
    expect(noParams.missing).toBe('the job never reported the objective metric "params"');
  });

  it('tracks nothing for a plain single-objective study', () => {
    // Act
    const outcome = rungOutcome(parseStudySpec(structuredClone(minimalSpecInput)), [report(1, { acc: 0.9 })], 1, true);
    // Assess
    expect(outcome).toEqual({});
  });

  it("gives samplers feasibility on every rung and every objective (larger is better) at the trial's latest rung", () => {
    // Prepare
    const trial = makeTrial({
      rungValues: [0.6, 0.8],
      metrics: { acc: 0.8, params: 900, latency_ms: 25 },
      feasible: false,
      violation: 0.25,
    });
    // Act
    const early = observationOf(spec, trial, 0, 0.6, 1);
    const latest = observationOf(spec, trial, 1, 0.8, 3);
    // Assess
    expect(early).toEqual({ params: trial.params, score: 0.6, resource: 1, feasible: false, violation: 0.25 });
    expect(latest).toEqual({
      params: trial.params,
      score: 0.8,
      resource: 3,
      feasible: false,
      violation: 0.25,
      metrics: trial.metrics,
      objectives: [0.8, -900],
    });
  });
});
