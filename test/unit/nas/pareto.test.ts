import { describe, expect, it } from 'vitest';
import { crowdingDistance, dominates, hypervolume2d, nonDominatedSort, paretoFront } from '../../../shared/objectives/pareto.js';

describe('Pareto tools', () => {
  it('computes the exact 2-D hypervolume of known fronts', () => {
    // Prepare / Act / Assess: one point is a rectangle; two overlapping rectangles; dominated and
    // out-of-reference points add nothing.
    expect(hypervolume2d([[2, 3]], [0, 0])).toBe(6);
    expect(
      hypervolume2d(
        [
          [3, 1],
          [1, 3],
        ],
        [0, 0],
      ),
    ).toBe(5);
    expect(
      hypervolume2d(
        [
          [3, 1],
          [1, 3],
          [1, 1],
          [-1, 5],
        ],
        [0, 0],
      ),
    ).toBe(5);
    expect(
      hypervolume2d(
        [
          [1, 2],
          [2, 1],
          [1.5, 1.5],
        ],
        [0, 0],
      ),
    ).toBeCloseTo(3.25);
    expect(hypervolume2d([], [0, 0])).toBe(0);
    expect(hypervolume2d([[4, 4]], [1, 2])).toBe(6);
  });

  it('sorts points into non-dominated fronts', () => {
    // Prepare
    const pts = [
      [1, 5],
      [2, 4],
      [1, 4],
      [3, 1],
      [0, 0],
      [2, 4],
    ];
    // Act
    const fronts = nonDominatedSort(pts);
    // Assess
    expect(fronts[0].sort()).toEqual([0, 1, 3, 5]);
    expect(fronts[1]).toEqual([2]);
    expect(fronts[2]).toEqual([4]);
    expect(paretoFront(pts).sort()).toEqual([0, 1, 3, 5]);
    expect(dominates([2, 4], [1, 4])).toBe(true);
    expect(dominates([2, 4], [2, 4])).toBe(false);
  });

  it('gives the ends of a front infinite crowding distance', () => {
    // Act
    const d = crowdingDistance([
      [0, 3],
      [1, 2],
      [3, 0],
    ]);
    // Assess
    expect(d[0]).toBe(Infinity);
    expect(d[2]).toBe(Infinity);
    expect(d[1]).toBeCloseTo(1 + 1);
  });
});
