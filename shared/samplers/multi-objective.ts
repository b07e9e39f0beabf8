import type { Params } from '../space/schema.js';
import { crowdingDistance, nonDominatedSort } from '../objectives/pareto.js';
import { archBoSampler, type ArchBoOptions } from './arch-bo.js';
import { mutate, takenKeys, untaken } from './arch.js';
import { isFeasible, violationOf } from './constrained.js';
import type { Observation, Sampler, SuggestRequest } from './sampler.js';

/** The objectives of an observation of a multi-objective study, when every one was measured. */
export function objectivesOf(o: Observation): number[] | undefined {
  const v = o.objectives;
  return v && v.every(Number.isFinite) ? v : undefined;
}

/**
 * ParEGO (Knowles 2006) over the architecture BO: every suggestion draws a weight vector uniformly
 * from the simplex (from the suggestion's own generator, so it is reproducible), scalarizes the
 * objectives (each min-max normalized over the results so far) with the augmented Chebyshev
 * function min_i w_i f_i + 0.05 sum_i w_i f_i, and asks the single-objective arch-bo for the
 * configuration with the best expected improvement of that scalar. Different weights aim at
 * different parts of the Pareto front. No cache: the scalarization changes on every call.
 */
export function paregoSampler(options: Partial<ArchBoOptions> = {}, name = 'parego'): Sampler {
  const inner = archBoSampler(options, `${name}:arch-bo`);
  return {
    name,
    suggest(req: SuggestRequest): Params {
      const measured = req.observations.map(objectivesOf);
      const first = measured.find((v) => v);
      if (!first) return inner.suggest({ ...req, cache: undefined });
      const k = first.length;
      const lo = Array.from({ length: k }, (_, i) => Math.min(...measured.flatMap((v) => (v ? [v[i]] : []))));
      const hi = Array.from({ length: k }, (_, i) => Math.max(...measured.flatMap((v) => (v ? [v[i]] : []))));
      // Uniform on the simplex: normalized exponentials.
      const e = Array.from({ length: k }, () => -Math.log(Math.max(1e-300, req.rng.next())));
      const sum = e.reduce((a, b) => a + b, 0);
      const w = e.map((x) => x / sum);
      const observations = req.observations.map((o, j) => {
        const v = measured[j];
        if (!v) return { ...o, score: NaN };
        const f = v.map((x, i) => (hi[i] > lo[i] ? (x - lo[i]) / (hi[i] - lo[i]) : 0.5));
        const score = Math.min(...f.map((x, i) => w[i] * x)) + 0.05 * f.reduce((a, x, i) => a + w[i] * x, 0);
        return { ...o, score };
      });
      return inner.suggest({ ...req, observations, cache: undefined });
    },
  };
}

export interface Nsga2Options {
  /** Parents kept from the history (the best by front rank, then crowding distance). */
  population: number;
  /** Random configurations before evolution starts. */
  initial: number;
}

/**
 * NSGA-II-style evolution (Deb et al. 2002), pure: every call ranks the whole history by
 * non-dominated sorting (under constraints, feasible points first) and crowding distance, keeps the best `population` as parents, picks one
 * by a binary tournament on (rank, crowding) and mutates one parameter; never a configuration
 * already measured or pending.
 */
export function nsga2Sampler(options: Partial<Nsga2Options> = {}, name = 'nsga2'): Sampler {
  const o = { population: 20, initial: 20, ...options };
  return {
    name,
    suggest(req: SuggestRequest): Params {
      const { space, rng } = req;
      const taken = takenKeys(req);
      const measured = req.observations.flatMap((obs) => {
        const v = objectivesOf(obs);
        return v ? [{ obs, v }] : [];
      });
      if (req.observations.length < o.initial || measured.length < 2) return untaken(() => space.sample(rng), taken, space, rng);
      // Deb's constrained domination: every feasible point outranks every infeasible one, and infeasible
      // points rank by how far they are from feasibility (an unconstrained study has no infeasible point).
      const feasible = measured.flatMap((m, i) => (isFeasible(m.obs) ? [i] : []));
      const fronts = nonDominatedSort(feasible.map((i) => measured[i].v)).map((front) => front.map((j) => feasible[j]));
      measured
        .flatMap((m, i) => (isFeasible(m.obs) ? [] : [{ i, violation: violationOf(m.obs) ?? Infinity }]))
        .sort((a, b) => a.violation - b.violation || a.i - b.i)
        .forEach(({ i }) => fronts.push([i]));
      const ranked: { i: number; rank: number; crowd: number }[] = [];
      fronts.forEach((front, rank) => {
        const crowd = crowdingDistance(front.map((i) => measured[i].v));
        front.forEach((i, j) => ranked.push({ i, rank, crowd: crowd[j] }));
      });
      ranked.sort((a, b) => a.rank - b.rank || b.crowd - a.crowd);
      const parents = ranked.slice(0, o.population);
      const a = parents[rng.int(0, parents.length - 1)];
      const b = parents[rng.int(0, parents.length - 1)];
      const winner = a.rank < b.rank || (a.rank === b.rank && a.crowd >= b.crowd) ? a : b;
      return untaken(() => mutate(space, measured[winner.i].obs.params, rng), taken, space, rng);
    },
  };
}
