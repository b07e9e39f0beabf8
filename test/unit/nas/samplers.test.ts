import { describe, expect, it } from 'vitest';
import { createRng } from '../../../shared/rng.js';
import { configKey } from '../../../shared/samplers/arch.js';
import { ArchModel, archBoSampler } from '../../../shared/samplers/arch-bo.js';
import { agedPopulation, evolutionSampler } from '../../../shared/samplers/evolution.js';
import { nsga2Sampler, paregoSampler } from '../../../shared/samplers/multi-objective.js';
import { policyProbabilities, reinforceSampler, replayPolicy } from '../../../shared/samplers/reinforce.js';
import { samplerFor } from '../../../shared/samplers/registry.js';
import type { Observation } from '../../../shared/samplers/sampler.js';
import { cellScore, cellSpace, run } from './fixtures.js';

const nasSamplers = [
  evolutionSampler({ population: 8, sample: 3 }),
  reinforceSampler(),
  archBoSampler({ initial: 5 }),
  nsga2Sampler({ population: 8, initial: 8 }),
  paregoSampler(),
];

describe('architecture samplers', () => {
  it.each(nasSamplers.map((s) => [s.name, s] as const))('%s returns valid configurations and never repeats one', (_, sampler) => {
    // Prepare / Act: 60 evaluations of a 256-architecture space.
    const obs = run(
      sampler,
      cellSpace,
      60,
      (p) => ({ score: cellScore(p), objectives: [cellScore(p), -Number(p.e0 === 'conv3')] }) as never,
    );
    // Assess
    for (const o of obs) expect(cellSpace.problems(o.params)).toEqual([]);
    expect(new Set(obs.map((o) => configKey(o.params))).size).toBe(60);
  });

  it('is reachable through the registry under its spec name', () => {
    // Act / Assess
    for (const name of ['evolution', 'rl', 'arch-bo', 'nsga2', 'parego']) expect(samplerFor(name).suggest).toBeTypeOf('function');
  });

  it('is deterministic given the history and the generator, with or without a cache', () => {
    // Prepare
    const history = run(archBoSampler(), cellSpace, 20, (p) => ({ score: cellScore(p) }));
    const req = (cache?: Map<string, unknown>) => ({
      space: cellSpace,
      observations: history,
      pending: [],
      maxResource: 1,
      index: 20,
      rng: createRng(5),
      cache,
    });
    // Act
    const withCache = archBoSampler().suggest(req(new Map()));
    const without = archBoSampler().suggest(req());
    // Assess
    expect(withCache).toEqual(without);
  });

  it('arch-bo finds a better architecture than the initial random design', () => {
    // Prepare / Act
    const obs = run(archBoSampler({ initial: 5 }), cellSpace, 25, (p) => ({ score: cellScore(p) }));
    // Assess: the optimum (conv3 everywhere) scores 30; the random start is far below it.
    const best = Math.max(...obs.map((o) => o.score));
    expect(best).toBeGreaterThanOrEqual(28);
    expect(best).toBeGreaterThan(Math.max(...obs.slice(0, 5).map((o) => o.score)));
  });
});

describe('regularized evolution', () => {
  it('keeps the P most recent results alive: the oldest die whatever their fitness', () => {
    // Prepare: the first result is the best one.
    const history: Observation[] = Array.from({ length: 12 }, (_, i) => ({ params: { i }, score: i === 0 ? 100 : i, resource: 1 }));
    // Act
    const pop = agedPopulation(history, 5);
    // Assess
    expect(pop).toHaveLength(5);
    expect(pop.map((o) => o.params.i)).toEqual([7, 8, 9, 10, 11]);
  });

  it('mutates exactly one edge of a parent from the population once it is full', () => {
    // Prepare
    const sampler = evolutionSampler({ population: 6, sample: 6 });
    const obs = run(sampler, cellSpace, 6, (p) => ({ score: cellScore(p) }));
    const best = obs.reduce((a, b) => (b.score > a.score ? b : a));
    // Act: the tournament covers the whole population, so the parent is the best member.
    const child = sampler.suggest({ space: cellSpace, observations: obs, pending: [], maxResource: 1, index: 6, rng: createRng(9) });
    // Assess
    const changed = cellSpace.names.filter((n) => child[n] !== best.params[n]);
    expect(changed).toHaveLength(1);
  });
});

describe('REINFORCE controller', () => {
  it('raises the probability of a rewarded choice', () => {
    // Prepare: conv3 on e0 always scores high, anything else low.
    const rng = createRng(4);
    const history: Observation[] = Array.from({ length: 40 }, () => {
      const params = cellSpace.sample(rng);
      return { params, score: params.e0 === 'conv3' ? 1 + rng.next() * 0.1 : rng.next() * 0.1, resource: 1 };
    });
    // Act
    const before = policyProbabilities(replayPolicy(cellSpace, []), 'e0');
    const after = policyProbabilities(replayPolicy(cellSpace, history), 'e0');
    // Assess: values are [none, skip, conv1, conv3].
    expect(before[3]).toBeCloseTo(0.25);
    expect(after[3]).toBeGreaterThan(0.6);
    expect(after[3]).toBe(Math.max(...after));
  });
});

describe('feasibility model', () => {
  it('prefers configurations like the feasible ones and avoids unmeasurable ones', () => {
    // Prepare: e0 = conv3 violates the constraint; e1 = none cannot be measured at all.
    const rng = createRng(7);
    const history = Array.from({ length: 40 }, () => {
      const params = cellSpace.sample(rng);
      if (params.e1 === 'none') return { params, score: NaN, resource: 1, feasible: false, violation: NaN };
      const violation = params.e0 === 'conv3' ? 1 : -1;
      return { params, score: cellScore(params), resource: 1, feasible: violation <= 0, violation };
    });
    // Act
    const model = new ArchModel(cellSpace, history, 200);
    const p = (e0: string, e1: string) => model.feasibility({ e0, e1, e2: 'skip', e3: 'skip' });
    // Assess
    expect(p('skip', 'skip')).toBeGreaterThan(0.7);
    expect(p('conv3', 'skip')).toBeLessThan(0.2);
    expect(p('skip', 'none')).toBeLessThan(0.3);
  });

  it('steers arch-bo to feasible architectures', () => {
    // Prepare / Act: the best scores need conv3 on e3, which is infeasible.
    const obs = run(archBoSampler({ initial: 5 }), cellSpace, 40, (p) => {
      const violation = p.e3 === 'conv3' ? 1 : -1;
      return { score: cellScore(p), feasible: violation <= 0, violation };
    });
    // Assess: after the random start most proposals are feasible.
    const late = obs.slice(10);
    expect(late.filter((o) => o.feasible).length).toBeGreaterThanOrEqual(late.length * 0.8);
  });
});
