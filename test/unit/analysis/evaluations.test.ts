import { describe, expect, it } from 'vitest';
import { learningCurves, promotions, timeline } from '../../../shared/analysis/curves.js';
import { bestSoFar, evaluations, importanceRows, rankTrials } from '../../../shared/analysis/evaluations.js';
import { parseStudySpec } from '../../../shared/study/spec.js';
import { makeMeasurement, makeTrial } from '../../support/factories.js';

// Successive halving 1 -> 3 -> 9 (eta 3) over 3 trials: rungs [3 trials at 1, 1 trial at 3, 1 at 9].
const study = {
  spec: parseStudySpec({
    name: 'sh',
    objective: { metric: 'acc', goal: 'maximize' },
    parameters: { x: { type: 'float', min: 0, max: 1 } },
    strategy: { scheduler: { type: 'successive_halving', min: 1, max: 9, eta: 3 } },
    limits: { maxTrials: 3 },
    trial: { command: ['t'] },
  }),
};
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

const trials = [
  makeTrial({
    trialId: '0',
    state: 'COMPLETE',
    rung: 2,
    resource: 9,
    rungValues: [0.5, 0.7, 0.9],
    value: 0.9,
    params: { x: 0.9 },
    startedAt: at(0),
    endedAt: at(30),
  }),
  makeTrial({
    trialId: '1',
    state: 'PRUNED',
    rung: 0,
    resource: 1,
    rungValues: [0.2],
    value: 0.2,
    params: { x: 0.2 },
    startedAt: at(0),
    endedAt: at(5),
  }),
  makeTrial({ trialId: '2', state: 'RUNNING', rung: 0, resource: 0, rungValues: [], params: { x: 0.4 }, startedAt: at(6) }),
];
const measurements = {
  '0': [1, 2, 3, 9].map((step) => makeMeasurement({ trialId: '0', step, metrics: { acc: step / 10 }, at: at(step * 3) })),
  '1': [makeMeasurement({ trialId: '1', step: 1, metrics: { acc: 0.2 }, at: at(2) })],
};

describe('study analysis for the dashboard and the report', () => {
  it('lists each rung result at its resource, in the order it was measured', () => {
    const evals = evaluations(study, trials, measurements);
    expect(evals.map((e) => [e.trialId, e.resource, e.value, e.at])).toEqual([
      ['1', 1, 0.2, at(2)],
      ['0', 1, 0.5, at(3)],
      ['0', 3, 0.7, at(9)],
      ['0', 9, 0.9, at(27)],
    ]);
  });

  it('draws best-so-far only from values at the largest resource', () => {
    const evals = evaluations(study, trials, measurements);
    const best = bestSoFar('maximize', evals);
    expect(best.resource).toBe(9);
    expect(best.points).toEqual([{ at: at(27), index: 3, value: 0.9, trialId: '0' }]);
    expect(bestSoFar('minimize', [])).toEqual({ points: [] });
  });

  it('ranks trials furthest-trained first and picks one fidelity for importance', () => {
    expect(rankTrials('maximize', trials).map((t) => t.trialId)).toEqual(['0', '1']);
    const evals = evaluations(study, trials, measurements);
    // No resource has 8 values: the one with the most (resource 1: two trials).
    expect(importanceRows(evals, trials)).toEqual({
      resource: 1,
      rows: [
        { params: { x: 0.2 }, value: 0.2 },
        { params: { x: 0.9 }, value: 0.5 },
      ],
    });
    expect(importanceRows(evals, trials, 1).resource).toBe(9);
  });

  it('marks promotions where a trial went on past a rung, and draws curves from the measurements', () => {
    expect(promotions(study, trials)).toEqual([
      { trialId: '0', rung: 0, resource: 1, value: 0.5 },
      { trialId: '0', rung: 1, resource: 3, value: 0.7 },
    ]);
    const curves = learningCurves(study, trials, measurements);
    expect(curves.find((c) => c.trialId === '0')!.points).toEqual([
      [1, 0.1],
      [2, 0.2],
      [3, 0.3],
      [9, 0.9],
    ]);
    expect(curves.find((c) => c.trialId === '2')!.points).toEqual([]);
  });

  it('places jobs on a timeline, a running one open until now', () => {
    const now = Date.parse(at(40));
    const segments = timeline(trials, now);
    expect(segments.map((s) => [s.trialId, s.end - s.start, s.open])).toEqual([
      ['0', 30_000, false],
      ['1', 5_000, false],
      ['2', 34_000, true],
    ]);
    const withJobs = timeline(
      [
        makeTrial({
          trialId: '5',
          state: 'PAUSED',
          jobs: [
            { rung: 0, startedAt: at(1), endedAt: at(2) },
            { rung: 1, startedAt: at(4), endedAt: at(8) },
          ],
        }),
      ],
      now,
    );
    expect(withJobs.map((s) => s.end - s.start)).toEqual([1000, 4000]);
  });
});
