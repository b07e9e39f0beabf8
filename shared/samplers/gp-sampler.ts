import { logNormalCdf } from '../math/normal.js';
import type { Rng } from '../rng.js';
import type { Params } from '../space/schema.js';
import { acquisitionOptimum } from './acquisition-search.js';
import { logExpectedImprovement } from './acquisition.js';
import { Encoding } from './encoding.js';
import { pickFidelity } from './fidelity.js';
import { GaussianProcess, GpFitError, type GpHyper } from './gp.js';
import { isConstrained, isFeasible, violationOf } from './constrained.js';
import type { Observation, Sampler, SuggestRequest } from './sampler.js';
import { sobolSampler } from './sobol.js';

export interface GpOptions {
  /** Results needed (at the modelled rung) before the model replaces the Sobol design. */
  minPoints?: number;
  /** Largest training set; beyond it the modelled rung is kept and the rest subsampled. */
  maxPoints: number;
  /** Adam iterations of a cold hyperparameter fit, and of a warm refit. */
  fitIterations: number;
  refitIterations: number;
  /** Refit hyperparameters once the data grew by this factor since the last fit (with a cache). */
  refitGrowth: number;
  /** Random candidates scored before local search. */
  candidates: number;
  /** Share of suggestions drawn at random once the model runs (guards against a misled model). */
  randomFraction: number;
}

export const defaultGpOptions: GpOptions = {
  maxPoints: 160,
  fitIterations: 40,
  refitIterations: 12,
  refitGrowth: 1.15,
  candidates: 192,
  randomFraction: 0,
};

/** Why the last suggestion fell back to random, if it did (read by tests and the bench). */
export const fallbackKey = 'gp:fallback';

interface GpCache {
  hyper: GpHyper;
  fittedOn: number;
}

/**
 * GP-based Bayesian optimization: Matern 5/2 ARD on the encoded space (one-hot categoricals,
 * conditional parameters at a neutral value), length scales by marginal likelihood, log-EI
 * maximized by random candidates plus local search, pending points as kriging believers so
 * concurrent workers get different points.
 *
 * Multi-fidelity (MOBSTER-like, Klein et al. 2020): when results come from several rungs, the
 * resource is one more input (log scale) and each trial contributes its highest rung, so the
 * model learns from every rung; EI is taken at the highest rung with enough results.
 */
export function gpSampler(options: Partial<GpOptions> = {}, name = 'bo'): Sampler {
  const o = { ...defaultGpOptions, ...options };
  return {
    name,
    suggest(req: SuggestRequest): Params {
      const enc = new Encoding(req.space);
      const minPoints = o.minPoints ?? Math.max(req.space.names.length + 2, 8);
      const target = pickFidelity(req.observations, minPoints);
      if (!target) return sobolSampler.suggest(req);
      if (o.randomFraction && req.rng.next() < o.randomFraction) return req.space.sample(req.rng);
      try {
        req.cache?.delete(fallbackKey);
        return suggestWithModel(req, enc, target.resource, o);
      } catch (e) {
        if (!(e instanceof GpFitError)) throw e;
        // A model that cannot be fitted must not stop the study: random is always valid.
        req.cache?.set(fallbackKey, e.message);
        return req.space.sample(req.rng);
      }
    },
  };
}

function suggestWithModel(req: SuggestRequest, enc: Encoding, targetResource: number, o: GpOptions): Params {
  const maxR = Math.max(req.maxResource, targetResource);
  const multi = new Set(req.observations.map((x) => x.resource)).size > 1;
  const fid = (r: number) => Math.log1p(Math.max(0, r)) / Math.log1p(maxR);
  const feature = (params: Params, r: number) => {
    const x = enc.encode(params);
    if (!multi) return x;
    const out = new Float64Array(x.length + 1);
    out.set(x);
    out[x.length] = fid(r);
    return out;
  };

  const data = trainingSet(req.observations, multi, targetResource, o.maxPoints, req.rng);
  const X = data.map((d) => feature(d.params, d.resource));
  const y = data.map((d) => d.score);

  const cacheKey = `gp:hyper:${multi ? 'mf' : 'bb'}`;
  const cached = req.cache?.get(cacheKey) as GpCache | undefined;
  let gp = new GaussianProcess(X, y, cached?.hyper);
  if (!cached) gp.fit(o.fitIterations);
  else if (X.length >= cached.fittedOn * o.refitGrowth) gp.fit(o.refitIterations);
  else gp.factorize();
  if (!cached || X.length >= cached.fittedOn * o.refitGrowth)
    req.cache?.set(cacheKey, { hyper: gp.hyper, fittedOn: X.length } satisfies GpCache);

  gp = gp.withBelievedPoints(req.pending.map((p) => feature(p, targetResource)));

  const atTarget = data.filter((d) => d.resource === targetResource);
  // Constrained study (Gardner et al. 2014, as arch-bo): a second GP on the violation, EI over the
  // best feasible result times P(feasible), and P(feasible) alone while nothing feasible is known.
  const logFeasible = isConstrained(req.observations) ? feasibilityModel(data, feature, o) : undefined;
  const incumbents = logFeasible ? (atTarget.length ? atTarget : data).filter(isFeasible) : atTarget.length ? atTarget : data;
  const best = incumbents.length > 0 ? Math.max(...incumbents.map((d) => d.score)) : undefined;
  const score = (x: Float64Array) => {
    const at = multi ? withFidelity(x, fid(targetResource)) : x;
    const { mean, sd } = gp.predict(at);
    const ei = best === undefined ? 0 : logExpectedImprovement(mean, sd, best);
    return logFeasible ? ei + logFeasible(at) : ei;
  };
  const seen = new Set([...req.observations.map((x) => x.params), ...req.pending].map((p) => JSON.stringify(p)));
  const starts = [...atTarget]
    .sort((a, b) => b.score - a.score)
    .slice(0, 5)
    .map((d) => enc.encode(d.params));
  return acquisitionOptimum({ enc, rng: req.rng, score, starts, candidates: o.candidates, exclude: seen });
}

/** log P(violation <= 0) from a GP on the measured violations; undefined with fewer than two. */
function feasibilityModel(data: Observation[], feature: (params: Params, r: number) => Float64Array, o: GpOptions) {
  const measured = data.filter((d) => violationOf(d) !== undefined);
  if (measured.length < 2) return undefined;
  const gp = new GaussianProcess(
    measured.map((d) => feature(d.params, d.resource)),
    measured.map((d) => violationOf(d)!),
  ).fit(o.refitIterations);
  return (x: Float64Array) => {
    const { mean, sd } = gp.predict(x);
    return sd > 0 ? logNormalCdf(-mean / sd) : mean <= 0 ? 0 : -1e6;
  };
}

function withFidelity(x: Float64Array, f: number): Float64Array {
  const out = new Float64Array(x.length + 1);
  out.set(x);
  out[x.length] = f;
  return out;
}

/**
 * The points the GP is fitted on. Multi-fidelity: each configuration's highest rung only (a lower
 * rung of the same trial adds little and costs O(n^3)). Over `maxPoints`: every point at or above
 * the target rung first (best first if even those are too many), then a random sample of the
 * rest, so that poor regions stay represented.
 */
function trainingSet(observations: readonly Observation[], multi: boolean, target: number, maxPoints: number, rng: Rng): Observation[] {
  let pts = observations.filter((x) => Number.isFinite(x.score));
  if (multi) {
    const top = new Map<string, Observation>();
    for (const x of pts) {
      const k = JSON.stringify(x.params);
      const prev = top.get(k);
      if (!prev || x.resource > prev.resource) top.set(k, x);
    }
    pts = [...top.values()];
  }
  if (pts.length <= maxPoints) return pts;
  const high = pts.filter((x) => x.resource >= target).sort((a, b) => b.score - a.score);
  if (high.length >= maxPoints) return high.slice(0, maxPoints);
  const rest = pts.filter((x) => x.resource < target);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [rest[i], rest[j]] = [rest[j], rest[i]];
  }
  return [...high, ...rest.slice(0, maxPoints - high.length)];
}
