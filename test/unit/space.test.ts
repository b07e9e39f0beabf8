import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../shared/rng.js';
import { parametersSchema } from '../../shared/space/schema.js';
import { SearchSpace } from '../../shared/space/space.js';

const space = new SearchSpace(
  parametersSchema.parse({
    lr: { type: 'float', min: 1e-4, max: 1e-1, scale: 'log' },
    layers: { type: 'int', min: 1, max: 5 },
    units: { type: 'int', min: 16, max: 512, scale: 'log' },
    optimizer: { type: 'categorical', values: ['sgd', 'adam'] },
    momentum: { type: 'float', min: 0.8, max: 0.99, when: { optimizer: 'sgd' } },
    nesterov: { type: 'categorical', values: [true, false], when: { optimizer: 'sgd' } },
    batch: { type: 'ordinal', values: [32, 64, 128] },
    dropout: { type: 'float', min: 0, max: 0.5, step: 0.1 },
  }),
);

describe('search space', () => {
  it('samples in bounds, with conditional parameters exactly when their parent allows', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        // Act
        const config = space.sample(createRng(seed));
        // Assess
        expect(space.problems(config)).toEqual([]);
        expect('momentum' in config).toBe(config.optimizer === 'sgd');
        expect('nesterov' in config).toBe(config.optimizer === 'sgd');
        expect(Number.isInteger(config.layers)).toBe(true);
        expect(Math.round((config.dropout as number) * 10) / 10).toBeCloseTo(config.dropout as number, 12);
      }),
      { numRuns: 300 },
    );
  });

  it('places parents before children whatever the spec order', () => {
    const reordered = new SearchSpace(
      parametersSchema.parse({
        child: { type: 'float', min: 0, max: 1, when: { parent: 'on' } },
        parent: { type: 'categorical', values: ['on', 'off'] },
      }),
    );
    expect(reordered.names).toEqual(['parent', 'child']);
  });

  it('maps values to the unit interval and back (log scale after log10)', () => {
    expect(space.toUnit('lr', 1e-4)).toBeCloseTo(0);
    expect(space.toUnit('lr', 1e-1)).toBeCloseTo(1);
    expect(space.toUnit('lr', 10 ** -2.5)).toBeCloseTo(0.5);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (u) => {
        const v = space.fromUnit('lr', u) as number;
        expect(space.toUnit('lr', v)).toBeCloseTo(u, 9);
      }),
    );
    expect(space.fromUnit('optimizer', 1)).toBe('adam');
    expect(space.toUnit('batch', 128)).toBe(2);
  });

  it('spreads samples over the whole range', () => {
    // Prepare
    const rng = createRng(7);
    const units = Array.from({ length: 2000 }, () => space.toUnit('lr', space.sample(rng).lr));
    // Assess: every tenth of the log range gets a share near 10%.
    const buckets = new Array(10).fill(0);
    for (const u of units) buckets[Math.min(9, Math.floor(u * 10))]++;
    for (const b of buckets) expect(b).toBeGreaterThan(140);
  });

  it('names what is wrong with a user-given configuration', () => {
    const problems = space.problems({ lr: 2, layers: 2.5, units: 64, optimizer: 'adam', momentum: 0.9, batch: 48, dropout: 0, extra: 1 });
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'lr', message: 'must be a number in [0.0001, 0.1]' },
        { path: 'layers', message: 'must be an integer' },
        { path: 'momentum', message: 'is inactive under the given parent values' },
        { path: 'batch', message: 'must be one of [32,64,128]' },
        { path: 'extra', message: 'is not a parameter of the space' },
      ]),
    );
  });
});
