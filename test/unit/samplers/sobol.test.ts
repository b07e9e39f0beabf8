import { describe, expect, it } from 'vitest';
import { sobolPoint, sobolShift, sobolMaxDims } from '../../../shared/samplers/sobol.js';

describe('Sobol sequence', () => {
  it('starts with the textbook points', () => {
    // Act
    const pts = [0, 1, 2, 3, 4].map((i) => sobolPoint(i, 3));
    // Assess
    expect(pts).toEqual([
      [0, 0, 0],
      [0.5, 0.5, 0.5],
      [0.75, 0.25, 0.25],
      [0.25, 0.75, 0.75],
      [0.375, 0.375, 0.625],
    ]);
  });

  it('puts exactly one of the first 2^m points in each of 2^m equal intervals, in every dimension', () => {
    // Prepare
    const m = 6;
    const n = 2 ** m;
    // Act
    const pts = Array.from({ length: n }, (_, i) => sobolPoint(i, sobolMaxDims, sobolShift(42, sobolMaxDims)));
    // Assess: the digital shift keeps the stratification.
    for (let j = 0; j < sobolMaxDims; j++) {
      const cells = new Set(pts.map((p) => Math.floor(p[j] * n)));
      expect(cells.size).toBe(n);
    }
  });

  it('fills every elementary 2-D box of the first two dimensions once (a (0, m, 2)-net)', () => {
    // Prepare
    const n = 16;
    const pts = Array.from({ length: n }, (_, i) => sobolPoint(i, 2));
    // Act / Assess: boxes of 1 x 1/16, 1/2 x 1/8, 1/4 x 1/4, 1/8 x 1/2, 1/16 x 1 each hold one point.
    for (let a = 0; a <= 4; a++) {
      const cells = new Set(pts.map((p) => `${Math.floor(p[0] * 2 ** a)},${Math.floor(p[1] * 2 ** (4 - a))}`));
      expect(cells.size).toBe(n);
    }
  });

  it('has lower discrepancy than its worst axis-aligned box would allow for random points', () => {
    // Prepare: star discrepancy estimate over anchored boxes [0, x) x [0, y) on a grid.
    const n = 256;
    const pts = Array.from({ length: n }, (_, i) => sobolPoint(i, 5).slice(3, 5));
    // Act
    let worst = 0;
    for (let x = 1; x <= 16; x++) {
      for (let y = 1; y <= 16; y++) {
        const inside = pts.filter((p) => p[0] < x / 16 && p[1] < y / 16).length;
        worst = Math.max(worst, Math.abs(inside / n - (x * y) / 256));
      }
    }
    // Assess: random points have discrepancy ~ 1/sqrt(n) = 0.06; Sobol's is of order log(n)^2 / n.
    expect(worst).toBeLessThan(0.02);
  });
});
