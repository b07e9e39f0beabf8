import { describe, expect, it } from 'vitest';
import { parameterImportance } from '../../../shared/analysis/importance.js';
import { createRng } from '../../../shared/rng.js';
import { SearchSpace } from '../../../shared/space/space.js';
import { parametersSchema } from '../../../shared/space/schema.js';

const space = new SearchSpace(
  parametersSchema.parse({
    lr: { type: 'float', min: 1e-4, max: 1, scale: 'log' },
    noise: { type: 'float', min: 0, max: 1 },
    opt: { type: 'categorical', values: ['sgd', 'adam'] },
    momentum: { type: 'float', min: 0, max: 1, when: { opt: 'sgd' } },
  }),
);

function sample(n: number, f: (p: Record<string, any>, rng: ReturnType<typeof createRng>) => number, seed = 1) {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const params = space.sample(rng);
    return { params, value: f(params, rng) };
  });
}

describe('parameterImportance (variance of marginal means, omega-squared)', () => {
  it('ranks the parameter the objective depends on first and gives the irrelevant ones about nothing', () => {
    // Prepare: the objective is a function of log10(lr) alone, plus a little noise.
    const rows = sample(200, (p, rng) => -((Math.log10(p.lr) + 2) ** 2) + 0.05 * rng.next());
    // Act
    const { n, parameters } = parameterImportance(space, rows);
    // Assess
    expect(n).toBe(200);
    expect(parameters[0].name).toBe('lr');
    expect(parameters[0].importance).toBeGreaterThan(0.8);
    for (const p of parameters.slice(1)) expect(p.importance).toBeLessThan(0.05);
    expect(parameters.reduce((s, p) => s + p.share, 0)).toBeCloseTo(1, 10);
  });

  it('finds a categorical effect, and groups an inactive conditional parameter apart', () => {
    const rows = sample(120, (p, rng) => (p.opt === 'adam' ? 1 : 0) + 0.1 * rng.next(), 2);
    const { parameters } = parameterImportance(space, rows);
    const byName = Object.fromEntries(parameters.map((p) => [p.name, p]));
    expect(parameters[0].name).toBe('opt');
    expect(byName.opt.groups).toBe(2);
    // momentum exists only under sgd: "inactive" is one of its groups, which carries the opt effect too.
    expect(byName.momentum.importance).toBeGreaterThan(0.5);
    expect(byName.noise.importance).toBeLessThan(0.05);
  });

  it('gives nothing on pure noise (the correction removes what grouping explains by chance)', () => {
    const rows = sample(60, (_, rng) => rng.next(), 3);
    const { parameters } = parameterImportance(space, rows);
    for (const p of parameters) expect(p.importance).toBeLessThan(0.1);
  });

  it('returns zeros, not NaN, for too few rows or a constant objective', () => {
    expect(parameterImportance(space, []).parameters.every((p) => p.importance === 0 && p.share === 0)).toBe(true);
    const flat = sample(30, () => 0.5);
    expect(parameterImportance(space, flat).parameters.every((p) => p.importance === 0 && p.share === 0)).toBe(true);
    const one = sample(1, () => 0.5);
    expect(parameterImportance(space, one).n).toBe(1);
  });
});
