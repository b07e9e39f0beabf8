import { describe, expect, it } from 'vitest';
import { paretoOf, referencePoint } from '../../../shared/analysis/pareto.js';
import { hypervolume } from '../../../shared/objectives/hypervolume.js';
import { hypervolume2d } from '../../../shared/objectives/pareto.js';
import { createRng } from '../../../shared/rng.js';
import { parseStudySpec } from '../../../shared/study/spec.js';
import type { Trial } from '../../../shared/study/types.js';
import { makeTrial, minimalSpecInput } from '../../support/factories.js';

describe('hypervolume', () => {
  it('matches hand-computed volumes in 2, 3 and 4 dimensions', () => {
    // Act
    const staircase = hypervolume(
      [
        [3, 1],
        [2, 2],
        [1, 3],
      ],
      [0, 0],
    );
    // Boxes 2x2x1 and 1x1x2 overlap in a unit cube: 4 + 2 - 1; (1,1,1) is dominated and adds nothing.
    const boxes = hypervolume(
      [
        [2, 2, 1],
        [1, 1, 2],
        [1, 1, 1],
      ],
      [0, 0, 0],
    );
    // A unit hypercube and a 2x1x1x0.5 box that overlap in 1x1x1x0.5.
    const four = hypervolume(
      [
        [1, 1, 1, 1],
        [2, 1, 1, 0.5],
      ],
      [0, 0, 0, 0],
    );
    // Assess: 3*1 + 2*(2-1) + 1*(3-2).
    expect(staircase).toBeCloseTo(6, 12);
    expect(boxes).toBeCloseTo(5, 12);
    expect(four).toBeCloseTo(1.5, 12);
  });

  it('counts only what dominates the reference', () => {
    // Act
    const clipped = hypervolume(
      [
        [3, 1],
        [5, -1],
      ],
      [1, 0],
    );
    // Assess: (5, -1) is below the reference in the second objective.
    expect(clipped).toBeCloseTo(2, 12);
  });

  it('agrees with the 2-D sweep, and in 3-D with a degenerate third objective, on random sets', () => {
    // Prepare
    const rng = createRng(7);
    for (let round = 0; round < 20; round++) {
      const points = Array.from({ length: 1 + Math.floor(rng.next() * 12) }, () => [rng.next(), rng.next()]);
      // Act
      const general = hypervolume(points, [0, 0]);
      const lifted = hypervolume(
        points.map(([a, b]) => [a, b, 1]),
        [0, 0, 0.5],
      );
      // Assess: a constant third objective 0.5 above its reference scales the area by 0.5.
      expect(general).toBeCloseTo(hypervolume2d(points, [0, 0]), 12);
      expect(lifted).toBeCloseTo(0.5 * general, 12);
    }
  });
});

describe('the Pareto report of a study', () => {
  const { objective: _single, ...base } = structuredClone(minimalSpecInput);
  const spec = parseStudySpec({
    ...base,
    objectives: [
      { metric: 'acc', goal: 'maximize' },
      { metric: 'params', goal: 'minimize' },
    ],
    strategy: { sampler: 'nsga2', scheduler: { type: 'successive_halving', min: 1, max: 9, eta: 3 } },
  });
  const done = (number: number, acc: number, params: number, more: Partial<Trial> = {}) =>
    makeTrial({ number, state: 'COMPLETE', resource: 9, value: acc, metrics: { acc, params }, params: { lr: number / 100 }, ...more });

  it('splits feasible trials trained furthest into front and dominated, lists every violator, and gives the hypervolume', () => {
    // Prepare
    const trials = [
      done(0, 0.9, 1000),
      done(1, 0.8, 100),
      done(2, 0.7, 500), // dominated by trial 1
      done(3, 0.95, 50, { state: 'INFEASIBLE', feasible: false }),
      done(4, 0.99, 10, { state: 'PRUNED', resource: 1 }), // 1 epoch: not comparable
      done(5, 0.99, 10, { state: 'PAUSED', resource: 3 }),
      makeTrial({ number: 6, state: 'FAILED' }),
      done(7, 0.6, 20, { state: 'PRUNED', resource: 1, feasible: false }), // a violator, whatever its budget
    ];
    // Act
    const report = paretoOf(spec, trials);
    // Assess
    expect(report.objectives).toEqual([
      { metric: 'acc', goal: 'maximize' },
      { metric: 'params', goal: 'minimize' },
    ]);
    expect(report.front).toEqual([
      { trialId: '0', number: 0, params: { lr: 0 }, values: { acc: 0.9, params: 1000 } },
      { trialId: '1', number: 1, params: { lr: 0.01 }, values: { acc: 0.8, params: 100 } },
    ]);
    expect(report.dominated.map((p) => p.trialId)).toEqual(['2']);
    expect(report.infeasible.map((p) => p.trialId)).toEqual(['3', '7']);
    // The feasible trials' worst values pushed out by 10% of their range: 0.7 - 0.02, 1000 + 90.
    expect(report.reference.acc).toBeCloseTo(0.68, 12);
    expect(report.reference.params).toBeCloseTo(1090, 12);
    // Rectangles 0.22 x 90 and 0.12 x 990 overlapping in 0.12 x 90.
    expect(report.hypervolume).toBeCloseTo(19.8 + 118.8 - 10.8, 9);
  });

  it("uses an objective's own reference when the spec gives one", () => {
    // Prepare
    const withReference = { ...spec, objectives: [spec.objectives![0], { ...spec.objectives![1], reference: 2000 }] };
    // Act
    const report = paretoOf(withReference, [done(0, 0.9, 1000), done(1, 0.8, 100)]);
    // Assess: (0.9 - 0.79) x (2000 - 1000) + (0.8 - 0.79) x (1000 - 100).
    expect(report.reference).toEqual({ acc: expect.closeTo(0.79, 12), params: 2000 });
    expect(report.hypervolume).toBeCloseTo(0.11 * 1000 + 0.01 * 900, 9);
  });

  it('shows the best trial, ties included, and no hypervolume for one objective', () => {
    // Prepare
    const single = parseStudySpec(structuredClone(minimalSpecInput));
    const trials = [0.5, 0.9, 0.9, 0.7].map((acc, number) => makeTrial({ number, state: 'COMPLETE', resource: 1, value: acc }));
    // Act
    const report = paretoOf(single, trials);
    // Assess
    expect(report.front.map((p) => [p.trialId, p.values.acc])).toEqual([
      ['1', 0.9],
      ['2', 0.9],
    ]);
    expect(report.dominated.map((p) => p.trialId)).toEqual(['0', '3']);
    expect(report).not.toHaveProperty('hypervolume');
  });

  it('is empty before any trial finished', () => {
    // Act
    const report = paretoOf(spec, [makeTrial({ state: 'RUNNING' })]);
    // Assess
    expect(report).toEqual({ objectives: report.objectives, reference: {}, front: [], dominated: [], infeasible: [] });
  });

  it('pushes a reference out by 10% of the value when all values are equal, and by 1 when they are 0', () => {
    // Act
    const reference = referencePoint(spec, [
      { acc: 0.5, params: 0 },
      { acc: 0.5, params: 0 },
    ]);
    // Assess
    expect(reference.acc).toBeCloseTo(0.45, 12);
    expect(reference.params).toBeCloseTo(1, 12);
  });
});
