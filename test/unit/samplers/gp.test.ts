import { describe, expect, it } from 'vitest';
import { createRng } from '../../../shared/rng.js';
import { logExpectedImprovement } from '../../../shared/samplers/acquisition.js';
import { GaussianProcess, GpFitError } from '../../../shared/samplers/gp.js';
import { fallbackKey, gpSampler } from '../../../shared/samplers/gp-sampler.js';
import { tpeSampler } from '../../../shared/samplers/tpe.js';
import { SearchSpace } from '../../../shared/space/space.js';
import { mixedSpace, observations, request } from './fixtures.js';

const f = (x: number) => Math.sin(6 * x) + 0.5 * x; // maximum near x = 0.27

describe('Gaussian process', () => {
  it('fits a known 1-D function from a dozen points', () => {
    // Prepare
    const xs = Array.from({ length: 12 }, (_, i) => i / 11);
    // Act
    const gp = new GaussianProcess(
      xs.map((x) => Float64Array.of(x)),
      xs.map(f),
    ).fit(60);
    // Assess: held-out points between the training points.
    for (const x of [0.05, 0.33, 0.61, 0.87]) {
      const p = gp.predict(Float64Array.of(x));
      expect(Math.abs(p.mean - f(x))).toBeLessThan(0.08);
      expect(p.sd).toBeLessThan(0.2);
    }
  });

  it('makes expected improvement prefer the region of the maximum', () => {
    // Prepare: coarse data that leaves both the true peak and the far end unmeasured.
    const xs = [0, 0.15, 0.45, 0.6, 0.75, 1];
    const gp = new GaussianProcess(
      xs.map((x) => Float64Array.of(x)),
      xs.map(f),
    ).fit(60);
    const best = Math.max(...xs.map(f));
    // Act
    const ei = (x: number) => {
      const p = gp.predict(Float64Array.of(x));
      return logExpectedImprovement(p.mean, p.sd, best);
    };
    // Assess
    expect(ei(0.28)).toBeGreaterThan(ei(0.85));
    expect(ei(0.28)).toBeGreaterThan(ei(0.6));
  });

  it('keeps log-EI finite and ordered far in the tail, where EI itself underflows', () => {
    // Act
    const a = logExpectedImprovement(0, 1, 30);
    const b = logExpectedImprovement(0, 1, 40);
    // Assess
    expect(Number.isFinite(a) && Number.isFinite(b)).toBe(true);
    expect(a).toBeGreaterThan(b);
  });

  it('names the failure when the data cannot be modelled', () => {
    // Act / Assess
    expect(() => new GaussianProcess([Float64Array.of(0)], [Number.NaN])).toThrow(GpFitError);
  });
});

describe('BO sampler', () => {
  const line = new SearchSpace({ x: { type: 'float', min: 0, max: 1, scale: 'linear' } });

  it('suggests near the maximum of a 1-D function', () => {
    // Prepare
    const obs = [0, 0.1, 0.2, 0.4, 0.55, 0.7, 0.85, 1].map((x) => ({ params: { x }, score: f(x), resource: 1 }));
    // Act
    const p = gpSampler().suggest(request(line, { observations: obs, maxResource: 1, index: 8 }));
    // Assess
    expect(Math.abs(Number(p.x) - 0.27)).toBeLessThan(0.12);
  });

  it('never hands concurrent workers the same point (kriging believer)', () => {
    // Prepare
    const obs = observations(mixedSpace, 20);
    const pending: Record<string, string | number | boolean>[] = [];
    const sampler = gpSampler();
    // Act: four workers ask one after the other while nothing finishes.
    for (let w = 0; w < 4; w++)
      pending.push(sampler.suggest(request(mixedSpace, { observations: obs, pending: [...pending], index: 20 + w, rng: createRng(5) })));
    // Assess
    expect(new Set(pending.map((p) => JSON.stringify(p))).size).toBe(4);
  });

  it('falls back to random with a named reason when the model cannot be fitted', () => {
    // Prepare: scores whose mean overflows make every weight non-finite.
    const obs = observations(mixedSpace, 12).map((o) => ({ ...o, score: 1e308 }));
    const cache = new Map<string, unknown>();
    // Act
    const p = gpSampler().suggest(request(mixedSpace, { observations: obs, cache, index: 12 }));
    // Assess
    expect(mixedSpace.problems(p)).toEqual([]);
    expect(cache.get(fallbackKey)).toMatch(/non-finite|positive definite/);
  });
});

describe('TPE sampler', () => {
  it('does not re-suggest a pending configuration', () => {
    // Prepare
    const obs = observations(mixedSpace, 30);
    const sampler = tpeSampler({ randomFraction: 0 });
    const first = sampler.suggest(request(mixedSpace, { observations: obs, index: 30, rng: createRng(9) }));
    // Act: the same draw again, now with the first suggestion pending.
    const second = sampler.suggest(request(mixedSpace, { observations: obs, pending: [first], index: 30, rng: createRng(9) }));
    // Assess
    expect(second).not.toEqual(first);
  });

  it('moves towards the good region of the observations', () => {
    // Prepare: 1-D, good scores near x = 0.8.
    const line = new SearchSpace({ x: { type: 'float', min: 0, max: 1, scale: 'linear' } });
    const obs = Array.from({ length: 40 }, (_, i) => ({ params: { x: i / 39 }, score: -Math.abs(i / 39 - 0.8), resource: 1 }));
    // Act
    const xs = Array.from({ length: 20 }, (_, i) =>
      Number(
        tpeSampler({ randomFraction: 0 }).suggest(request(line, { observations: obs, maxResource: 1, index: 40, rng: createRng(i) })).x,
      ),
    );
    // Assess
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean - 0.8)).toBeLessThan(0.1);
  });
});
