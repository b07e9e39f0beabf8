import { LOG_SQRT_2PI, logNormalCdf } from '../math/normal.js';
import { forwardSubstitute, squaredNorm } from '../math/triangular.js';
import type { Rng } from '../rng.js';
import type { Params } from '../space/schema.js';
import { isChoice, type SearchSpace } from '../space/space.js';
import { logExpectedImprovement } from './acquisition.js';
import { applyPatch, architectureMoves, configKey, enumerate, finiteSize, takenKeys, untaken } from './arch.js';
import { isConstrained, isFeasible, violationOf } from './constrained.js';
import type { Observation, Sampler, SuggestRequest } from './sampler.js';
import { featurizer, type CellEncoding, type Featurizer } from './encoding.js';

export interface ArchBoOptions {
  /** Random configurations before the model is used. */
  initial: number;
  /** Uniform random candidates per suggestion (besides the neighbours of the best results). */
  candidates: number;
  /** Best results whose every one-parameter neighbour is a candidate. */
  neighbourhoodOf: number;
  /** Spaces with at most this many configurations are scored exhaustively. */
  enumerateUpTo: number;
  /** Largest training set (the best half and the most recent others are kept). */
  maxPoints: number;
  /**
   * How the model sees `cell` parameters: 'onehot' (an overlap kernel over each edge's operation)
   * or 'path' (BANANAS path encoding, shared/samplers/encoding.ts).
   */
  cellEncoding: CellEncoding;
}

export const defaultArchBoOptions: ArchBoOptions = {
  initial: 5,
  candidates: 500,
  neighbourhoodOf: 10,
  enumerateUpTo: 5000,
  maxPoints: 200,
  cellEncoding: 'onehot',
};

/** A configuration as the kernel sees it: choice index or unit value per parameter, NaN where inactive. */
type Vec = Float64Array;

/**
 * Bayesian optimization over architectures. The surrogate is a Gaussian process with a product
 * kernel made for categorical choices: k(x, z) = exp(-sum_j theta_j d_j(x_j, z_j)), where d_j is 1
 * when two choices differ (a Hamming/overlap kernel with one relevance per decision) and |u - v|
 * for numeric parameters; hyperparameters by marginal likelihood over a grid plus one ARD pass.
 * The acquisition is log expected improvement, maximized over the unmeasured configurations of
 * the space (exhaustively when it is small, otherwise uniform candidates plus every one-change
 * neighbour of the best results); measured and pending configurations are never proposed again.
 *
 * Constraints (observations with `feasible`/`violation`) are modelled, not penalized: one GP
 * learns the constraint value of measured configurations (P(violation <= 0) = Phi(-mu / sd)) and
 * one learns whether a configuration can be measured at all (a GP on the 0/1 outcome, clipped);
 * the acquisition is EI over the best feasible value times P(feasible) (Gardner et al. 2014), and
 * P(feasible) alone while nothing feasible is known.
 */
export function archBoSampler(options: Partial<ArchBoOptions> = {}, name = 'arch-bo'): Sampler {
  const o = { ...defaultArchBoOptions, ...options };
  return {
    name,
    suggest(req: SuggestRequest): Params {
      const { space, rng } = req;
      const taken = takenKeys(req);
      if (req.observations.length < o.initial) return untaken(() => space.sample(rng), taken, space, rng);
      const model = new ArchModel(space, req.observations, o.maxPoints, req.cache, featurizer(space, o.cellEncoding));
      const pool = candidatePool(space, req.observations, taken, rng, o);
      if (pool.length === 0) return untaken(() => space.sample(rng), taken, space, rng);
      let best = pool[0];
      let bestValue = -Infinity;
      for (const c of pool) {
        const v = model.acquisition(c);
        if (v > bestValue) {
          bestValue = v;
          best = c;
        }
      }
      return best;
    },
  };
}

export function toVec(space: SearchSpace, params: Params): Vec {
  return Float64Array.from(space.names, (n) => (n in params ? space.toUnit(n, params[n]) : NaN));
}

/** The candidates of one suggestion: unmeasured, not pending, deduplicated. */
export function candidatePool(
  space: SearchSpace,
  observations: readonly Observation[],
  taken: Set<string>,
  rng: Rng,
  o: ArchBoOptions,
): Params[] {
  const out = new Map<string, Params>();
  const add = (p: Params) => {
    const k = configKey(p);
    if (!taken.has(k) && !out.has(k)) out.set(k, p);
  };
  if (finiteSize(space) <= o.enumerateUpTo) {
    for (const p of enumerate(space)) add(p);
    return [...out.values()];
  }
  for (let i = 0; i < o.candidates; i++) add(space.sample(rng));
  const ranked = observations.filter(isFeasible).sort((a, b) => b.score - a.score);
  for (const obs of ranked.slice(0, o.neighbourhoodOf)) for (const n of neighbours(space, obs.params, rng)) add(n);
  return [...out.values()];
}

/**
 * Every configuration that differs from `params` in one choice (numeric: four random steps); for
 * a dimension of a cell, DARTS cell or macro space, every one of its `architectureMoves`.
 */
export function neighbours(space: SearchSpace, params: Params, rng: Rng): Params[] {
  const out: Params[] = [];
  for (const target of space.names) {
    if (!(target in params)) continue;
    const arch = space.architectureOf(target);
    if (arch && arch.spec.type !== 'compound_scaling') {
      for (const patch of architectureMoves(space, params, target)) out.push(applyPatch(space, params, patch, rng));
      continue;
    }
    const spec = space.spec(target);
    const alternatives = isChoice(spec) ? spec.values.length : 4;
    for (let a = 0; a < alternatives; a++) {
      const cur = space.toUnit(target, params[target]);
      if (isChoice(spec) && a === cur) continue;
      out.push(
        space.build((name, s) => {
          if (name === target) return isChoice(s) ? a : Math.min(1, Math.max(0, cur + 0.1 * (rng.next() * 2 - 1) * (a + 1)));
          if (name in params) return space.toUnit(name, params[name]);
          return isChoice(s) ? rng.int(0, s.values.length - 1) : rng.next();
        }),
      );
    }
  }
  return out;
}

type ModelKind = 'objective' | 'violation' | 'measurable';
interface Dataset {
  X: Vec[];
  y: number[];
  standardize: boolean;
}

/** The training set of each model: measured scores; constraint values; measurable or not (0/1). */
function datasets(f: Featurizer, observations: readonly Observation[], maxPoints: number): Partial<Record<ModelKind, Dataset>> {
  const out: Partial<Record<ModelKind, Dataset>> = {};
  const measured = observations.filter((x) => Number.isFinite(x.score));
  const keep = trim(measured, maxPoints);
  if (keep.length >= 2) out.objective = { X: keep.map((x) => f.vec(x.params)), y: keep.map((x) => x.score), standardize: true };
  if (isConstrained(observations)) {
    const withViolation = trim(
      observations.filter((x) => violationOf(x) !== undefined),
      maxPoints,
    );
    if (withViolation.length >= 2)
      out.violation = { X: withViolation.map((x) => f.vec(x.params)), y: withViolation.map((x) => violationOf(x)!), standardize: true };
    // Whether a configuration can be measured at all (absent from a table, or it crashes).
    if (measured.length < observations.length) {
      const all = observations.slice(-maxPoints);
      out.measurable = { X: all.map((x) => f.vec(x.params)), y: all.map((x) => (Number.isFinite(x.score) ? 1 : 0)), standardize: false };
    }
  }
  return out;
}

/**
 * Hyperparameters are refitted on a fixed schedule of history lengths (4, 5, 6, ... growing by
 * 15%), each on the prefix of the history of that length, so a suggestion is the same whether or
 * not the caller keeps the cache: the cache only saves recomputing the fit of the current prefix.
 */
export function refitPoint(n: number): number {
  let k = 4;
  if (n < k) return n;
  for (;;) {
    const next = Math.max(k + 1, Math.floor(k * 1.15));
    if (next > n) return k;
    k = next;
  }
}

/** The surrogate of the objective and, in a constrained study, of feasibility. */
export class ArchModel {
  private readonly objective?: CategoricalGp;
  private readonly violation?: CategoricalGp;
  private readonly measurable?: CategoricalGp;
  private readonly incumbent: number;
  private readonly choice: boolean[];

  constructor(
    space: SearchSpace,
    observations: readonly Observation[],
    maxPoints: number,
    cache?: Map<string, unknown>,
    private readonly features: Featurizer = featurizer(space),
  ) {
    this.choice = features.choice;
    const feasible = observations.filter(isFeasible);
    this.incumbent = feasible.length ? Math.max(...feasible.map((x) => x.score)) : NaN;
    const full = datasets(features, observations, maxPoints);
    const m = refitPoint(observations.length);
    let prefix: Partial<Record<ModelKind, Dataset>> | undefined;
    const fit = (kind: ModelKind): CategoricalGp | undefined => {
      const data = full[kind];
      if (!data) return undefined;
      const key = `arch-bo:${kind}:${m}:${features.choice.length}`;
      let hyper = cache?.get(key) as GpHyperparameters | undefined;
      if (!hyper) {
        prefix ??= m === observations.length ? full : datasets(features, observations.slice(0, m), maxPoints);
        const p = prefix[kind] ?? data;
        hyper = CategoricalGp.fit(p.X, p.y, this.choice, p.standardize).hyperparameters;
        cache?.set(key, hyper);
      }
      return CategoricalGp.fit(data.X, data.y, this.choice, data.standardize, hyper);
    };
    this.objective = fit('objective');
    this.violation = fit('violation');
    this.measurable = fit('measurable');
  }

  /** log P(feasible), the product of the two constraint models (0 when unconstrained). */
  logFeasibility(x: Vec): number {
    let lp = 0;
    if (this.violation) {
      const { mean, sd } = this.violation.predict(x);
      lp += sd > 0 ? logNormalCdf(-mean / sd) : mean <= 0 ? 0 : -1e6;
    }
    if (this.measurable) lp += Math.log(Math.min(1, Math.max(0.02, this.measurable.predict(x).mean)));
    return lp;
  }

  acquisition(params: Params): number {
    const x = this.features.vec(params);
    const lp = this.logFeasibility(x);
    if (!this.objective || Number.isNaN(this.incumbent)) return lp;
    const { mean, sd } = this.objective.predict(x);
    return logExpectedImprovement(mean, sd, this.incumbent) + lp;
  }

  predictObjective(params: Params): { mean: number; sd: number } | undefined {
    return this.objective?.predict(this.features.vec(params));
  }

  feasibility(params: Params): number {
    return Math.exp(this.logFeasibility(this.features.vec(params)));
  }
}

/** At most `n` points: the best half by score and the most recent of the rest. */
function trim(points: Observation[], n: number): Observation[] {
  if (points.length <= n) return points;
  const idx = points.map((_, i) => i);
  const byScore = [...idx].sort((a, b) => points[b].score - points[a].score).slice(0, n >> 1);
  const keep = new Set(byScore);
  for (let i = points.length - 1; i >= 0 && keep.size < n; i--) keep.add(i);
  return [...keep].sort((a, b) => a - b).map((i) => points[i]);
}

export interface GpHyperparameters {
  theta: number[];
  noise: number;
}

/** Per-parameter distance: choices 0/1, numeric |u - v|, active vs inactive 1, both inactive 0. */
function distance(u: number, v: number, choice: boolean): number {
  const un = Number.isNaN(u);
  const vn = Number.isNaN(v);
  if (un || vn) return un === vn ? 0 : 1;
  return choice ? (u === v ? 0 : 1) : Math.abs(u - v);
}

/** Distance vectors of every pair i >= j (lower triangle, row-major), shared by every fit. */
function pairDistances(X: Vec[], choice: boolean[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (let i = 0; i < X.length; i++)
    for (let j = 0; j <= i; j++) out.push(Float64Array.from(choice, (c, m) => distance(X[i][m], X[j][m], c)));
  return out;
}

const THETAS = [0.05, 0.15, 0.4, 1, 2.5];
const NOISES = [1e-4, 1e-2, 0.1, 0.3];

/**
 * GP regression on standardized targets with k(x, z) = exp(-sum_j theta_j d_j(x_j, z_j)) and
 * Gaussian noise; hyperparameters maximize the log marginal likelihood over a grid of shared
 * relevances and noise levels, then one pass of per-parameter relevance doubling/halving (ARD).
 */
export class CategoricalGp {
  private L!: Float64Array[];
  private alpha!: Float64Array;
  readonly lml: number;

  private constructor(
    private readonly X: Vec[],
    private readonly ys: Float64Array,
    private readonly yMean: number,
    private readonly yScale: number,
    readonly theta: Float64Array,
    readonly noise: number,
    private readonly choice: boolean[],
    private readonly dist: Float64Array[],
  ) {
    this.lml = this.factorize();
  }

  /**
   * Fits the hyperparameters by marginal likelihood, or takes the given ones (`hyper`), which a
   * caller passes to refit only on a schedule.
   */
  static fit(X: Vec[], y: number[], choice: boolean[], standardize = true, hyper?: GpHyperparameters): CategoricalGp {
    const mean = standardize ? y.reduce((a, b) => a + b, 0) / y.length : 0.5;
    const sd0 = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length);
    const scale = standardize ? (sd0 > 1e-12 ? sd0 : 1) : 0.5;
    const ys = Float64Array.from(y, (v) => (v - mean) / scale);
    const d = choice.length;
    const dist = pairDistances(X, choice);
    const make = (theta: Float64Array, noise: number) => new CategoricalGp(X, ys, mean, scale, theta, noise, choice, dist);
    if (hyper && hyper.theta.length === d) {
      const gp = make(Float64Array.from(hyper.theta), hyper.noise);
      if (gp.lml > -Infinity) return gp;
    }
    let best: CategoricalGp | undefined;
    for (const t of THETAS) {
      for (const noise of NOISES) {
        const gp = make(new Float64Array(d).fill(t), noise);
        if (!best || gp.lml > best.lml) best = gp;
      }
    }
    for (let j = 0; j < d; j++) {
      for (const f of [0.25, 4]) {
        const theta = Float64Array.from(best!.theta);
        theta[j] *= f;
        const gp = make(theta, best!.noise);
        if (gp.lml > best!.lml) best = gp;
      }
    }
    return best!;
  }

  get hyperparameters(): GpHyperparameters {
    return { theta: [...this.theta], noise: this.noise };
  }

  kernel(a: Vec, b: Vec): number {
    let s = 0;
    for (let j = 0; j < a.length; j++) s += this.theta[j] * distance(a[j], b[j], this.choice[j]);
    return Math.exp(-s);
  }

  /** Cholesky of K + noise I; returns the log marginal likelihood (-Infinity if not PD). */
  private factorize(): number {
    const n = this.X.length;
    const L = Array.from({ length: n }, () => new Float64Array(n));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const dij = this.dist[(i * (i + 1)) / 2 + j];
        let e = 0;
        for (let m = 0; m < dij.length; m++) e += this.theta[m] * dij[m];
        let s = Math.exp(-e) + (i === j ? this.noise + 1e-8 : 0);
        const Li = L[i];
        const Lj = L[j];
        for (let k = 0; k < j; k++) s -= Li[k] * Lj[k];
        if (i === j) {
          if (!(s > 0)) return -Infinity;
          Li[i] = Math.sqrt(s);
        } else Li[j] = s / Lj[j];
      }
    }
    const z = forwardSubstitute(L, this.ys);
    const alpha = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) {
      let s = z[i];
      for (let k = i + 1; k < n; k++) s -= L[k][i] * alpha[k];
      alpha[i] = s / L[i][i];
    }
    this.L = L;
    this.alpha = alpha;
    let logDet = 0;
    let quad = 0;
    for (let i = 0; i < n; i++) {
      logDet += Math.log(L[i][i]);
      quad += z[i] * z[i];
    }
    return -0.5 * quad - logDet - n * LOG_SQRT_2PI;
  }

  /** Posterior mean and sd (of the latent function, in the targets' units). */
  predict(x: Vec): { mean: number; sd: number } {
    const n = this.X.length;
    const k = new Float64Array(n);
    let mean = 0;
    for (let i = 0; i < n; i++) {
      k[i] = this.kernel(x, this.X[i]);
      mean += k[i] * this.alpha[i];
    }
    const vv = squaredNorm(forwardSubstitute(this.L, k, k));
    const variance = Math.max(1e-12, 1 - vv);
    return { mean: this.yMean + this.yScale * mean, sd: this.yScale * Math.sqrt(variance) };
  }
}
