import type { Params } from '../space/schema.js';
import { mutate, takenKeys, untaken } from './arch.js';
import { isFeasible, violationOf } from './constrained.js';
import type { Observation, Sampler, SuggestRequest } from './sampler.js';

export interface EvolutionOptions {
  /** Population size P: the P most recent results are alive, older ones have died of age. */
  population: number;
  /** Tournament size S: the best of S members drawn at random is the parent. */
  sample: number;
}

export const defaultEvolutionOptions: EvolutionOptions = { population: 20, sample: 5 };

/** Fitness order: feasible first (by score), then infeasible by smaller violation, unmeasured last. */
export function fitnessCompare(a: Observation, b: Observation): number {
  const fa = isFeasible(a);
  const fb = isFeasible(b);
  if (fa !== fb) return fa ? 1 : -1;
  if (fa) return a.score - b.score;
  const va = violationOf(a) ?? Infinity;
  const vb = violationOf(b) ?? Infinity;
  return vb - va;
}

/**
 * Regularized (aging) evolution (Real et al., AAAI 2019). Pure: the population is rebuilt from the
 * observation history in order on every call. The first P suggestions are random; afterwards the
 * population is the P most recent results (each new child pushes the oldest out, whatever its
 * fitness), a tournament of S random members picks the best as parent, and the child is the
 * parent with one parameter mutated. Configurations already measured or pending are not proposed
 * again (they would cost budget and teach nothing). With constraints, feasible members beat
 * infeasible ones (the constraint-domination rule of Deb's NSGA-II).
 */
export function evolutionSampler(options: Partial<EvolutionOptions> = {}, name = 'evolution'): Sampler {
  const o = { ...defaultEvolutionOptions, ...options };
  return {
    name,
    suggest(req: SuggestRequest): Params {
      const { space, rng } = req;
      const taken = takenKeys(req);
      const population = agedPopulation(req.observations, o.population);
      if (req.observations.length < o.population) return untaken(() => space.sample(rng), taken, space, rng);
      const parent = tournament(population, o.sample, () => rng.int(0, population.length - 1));
      return untaken(() => mutate(space, parent.params, rng), taken, space, rng);
    },
  };
}

/** The P most recent observations (the living population of aging evolution). */
export function agedPopulation(history: readonly Observation[], size: number): Observation[] {
  return history.slice(Math.max(0, history.length - size));
}

export function tournament(population: readonly Observation[], size: number, pick: () => number): Observation {
  let best: Observation | undefined;
  for (let i = 0; i < Math.min(size, population.length); i++) {
    const c = population[pick()];
    if (!best || fitnessCompare(c, best) > 0) best = c;
  }
  return best!;
}
