import { logNormalPdf, normalCdf, normalSample } from '../math/normal.js';
import type { Rng } from '../rng.js';
import type { Params } from '../space/schema.js';
import type { SearchSpace } from '../space/space.js';
import { pickFidelity } from './fidelity.js';
import type { Observation, Sampler, SuggestRequest } from './sampler.js';
import { sobolSampler } from './sobol.js';
import { isFeasible, violationOf } from './constrained.js';

export interface TpeOptions {
  /** Fraction of a rung's results that make the "good" density l(x) (BOHB: 0.15). */
  gamma: number;
  /** Candidates drawn from l(x); the one with the largest l/g is suggested. */
  candidates: number;
  /** Sampling bandwidth multiplier (BOHB's bandwidth_factor: wider draws explore more). */
  bandwidthFactor: number;
  /** Smallest numeric bandwidth in unit space: keeps l(x) from collapsing onto one point. */
  minBandwidth: number;
  /** Share of suggestions drawn at random after the initial design (keeps exploring, as BOHB does). */
  randomFraction: number;
  /** Points a rung needs before it is modelled; below, the quasi-random design continues. */
  minPoints?: number;
}

export const defaultTpeOptions: TpeOptions = {
  gamma: 0.15,
  candidates: 48,
  bandwidthFactor: 3,
  // Measured on the lcbench replay (BENCHMARKS.md): narrower kernels and fewer random draws make
  // TPE re-propose near-copies of its best points, which cost a full rung and teach nothing.
  minBandwidth: 0.1,
  randomFraction: 0.3,
};

/** One parameter's view: unit value (numeric, ordinal) or index (categorical); NaN where inactive. */
type Vec = Float64Array;

interface Dim {
  name: string;
  categorical: boolean;
  k: number;
}

/**
 * Tree-structured Parzen estimator (Bergstra et al. 2011) in BOHB's multivariate form (Falkner et
 * al. 2018): product kernels over every parameter, fitted on the highest rung with enough results,
 * so a multi-fidelity study learns from low rungs first and from full trainings as they arrive.
 * Pending configurations join the "bad" density (a pessimistic constant liar), which pushes
 * concurrent workers apart.
 */
export function tpeSampler(options: Partial<TpeOptions> = {}, name = 'tpe'): Sampler {
  const o = { ...defaultTpeOptions, ...options };
  return {
    name,
    suggest(req: SuggestRequest): Params {
      const dims: Dim[] = req.space.names.map((n) => {
        const s = req.space.spec(n);
        return {
          name: n,
          categorical: s.type === 'categorical',
          k: s.type === 'categorical' || s.type === 'ordinal' ? s.values.length : 0,
        };
      });
      const minPoints = o.minPoints ?? Math.max(dims.length + 2, 8);
      const data = pickFidelity(req.observations, minPoints);
      if (!data) return sobolSampler.suggest(req);
      if (req.rng.next() < o.randomFraction) return req.space.sample(req.rng);

      // Constraints as Optuna's TPE takes them: feasible results first, best first, then the
      // infeasible ones by how far they missed. The good density then holds feasible results
      // only (unless too few exist), so the sampler models feasibility instead of a penalty.
      const sorted = [...data.points].sort(byFeasibilityThenScore);
      const nGood = Math.max(1, Math.ceil(o.gamma * sorted.length));
      const good = sorted.slice(0, nGood).map((p) => toVec(req.space, dims, p.params));
      const bad = [...sorted.slice(nGood).map((p: Observation) => p.params), ...req.pending].map((p) => toVec(req.space, dims, p));
      const l = new Parzen(dims, good, o.minBandwidth);
      const g = new Parzen(dims, bad, o.minBandwidth);

      let best: Vec | undefined;
      let bestScore = -Infinity;
      for (let c = 0; c < o.candidates; c++) {
        const x = l.draw(req.space, req.rng, o.bandwidthFactor);
        const s = l.logDensity(x) - g.logDensity(x);
        if (s > bestScore) {
          bestScore = s;
          best = x;
        }
      }
      return fromVec(req.space, dims, best!);
    },
  };
}

function byFeasibilityThenScore(a: Observation, b: Observation): number {
  const fa = isFeasible(a);
  const fb = isFeasible(b);
  if (fa !== fb) return fa ? -1 : 1;
  if (fa) return b.score - a.score;
  return (violationOf(a) ?? Infinity) - (violationOf(b) ?? Infinity) || b.score - a.score;
}

function toVec(space: SearchSpace, dims: Dim[], params: Params): Vec {
  const v = new Float64Array(dims.length);
  dims.forEach((d, j) => {
    if (!(d.name in params)) v[j] = NaN;
    else if (d.k)
      v[j] = d.categorical ? space.toUnit(d.name, params[d.name]) : d.k > 1 ? space.toUnit(d.name, params[d.name]) / (d.k - 1) : 0.5;
    else v[j] = Math.min(1, Math.max(0, space.toUnit(d.name, params[d.name])));
  });
  return v;
}

function fromVec(space: SearchSpace, dims: Dim[], v: Vec): Params {
  const pos = new Map(dims.map((d, j) => [d.name, j]));
  return space.build((name) => {
    const j = pos.get(name)!;
    const d = dims[j];
    if (d.categorical) return v[j];
    return d.k ? v[j] * (d.k - 1) : v[j];
  });
}

/**
 * Product-kernel density over the unit box: truncated Gaussians (Scott's bandwidth) for numeric
 * and ordinal parameters, Aitchison-Aitken kernels for categorical ones, mixed with a uniform
 * prior of weight 1 / (n + 1) so that an empty or tiny set is still a proper density.
 */
class Parzen {
  private readonly bw: Float64Array;
  private readonly logNorm: Float64Array[];

  constructor(
    private readonly dims: Dim[],
    private readonly points: Vec[],
    minBandwidth: number,
  ) {
    const n = points.length;
    this.bw = Float64Array.from(dims, (d, j) => {
      const vals = points.map((p) => p[j]).filter((v) => !Number.isNaN(v));
      if (d.categorical) return Math.min((d.k - 1) / d.k, Math.max(0.05, (vals.length + 1) ** -0.2 * 0.5));
      const m = vals.reduce((a, b) => a + b, 0) / Math.max(1, vals.length);
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, vals.length - 1));
      const scott = 1.06 * (vals.length > 1 ? sd : 0.5) * Math.max(1, vals.length) ** -0.2;
      return Math.min(1, Math.max(minBandwidth, scott));
    });
    // log of the truncation normalizer of each point's kernel on [0, 1].
    this.logNorm = points.map((p) =>
      Float64Array.from(dims, (d, j) => {
        if (d.categorical || Number.isNaN(p[j])) return 0;
        const s = this.bw[j];
        return Math.log(Math.max(1e-12, normalCdf((1 - p[j]) / s) - normalCdf(-p[j] / s)));
      }),
    );
    void n;
  }

  logDensity(x: Vec): number {
    const n = this.points.length;
    // log-sum-exp over points, plus the uniform prior (density 1 per numeric dim, 1/k per categorical).
    let logPrior = 0;
    for (const d of this.dims) if (d.categorical) logPrior -= Math.log(d.k);
    const terms: number[] = [logPrior + Math.log(1 / (n + 1))];
    const w = Math.log(1 / (n + 1));
    for (let i = 0; i < n; i++) {
      const p = this.points[i];
      let s = w;
      for (let j = 0; j < this.dims.length; j++) {
        const d = this.dims[j];
        const a = x[j];
        const b = p[j];
        const aNaN = Number.isNaN(a);
        const bNaN = Number.isNaN(b);
        if (aNaN || bNaN) {
          // Both inactive: same branch, no information. One inactive: a different branch.
          if (aNaN !== bNaN) s += Math.log(0.05);
          continue;
        }
        if (d.categorical) {
          const bw = this.bw[j];
          s += Math.log(a === b ? 1 - bw : bw / (d.k - 1));
        } else {
          const z = (a - b) / this.bw[j];
          s += logNormalPdf(z) - Math.log(this.bw[j]) - this.logNorm[i][j];
        }
      }
      terms.push(s);
    }
    const m = Math.max(...terms);
    let sum = 0;
    for (const t of terms) sum += Math.exp(t - m);
    return m + Math.log(sum);
  }

  /** A draw from the density with widened bandwidths: pick a point, perturb each active parameter. */
  draw(space: SearchSpace, rng: Rng, factor: number): Vec {
    const center = this.points.length ? this.points[rng.int(0, this.points.length - 1)] : undefined;
    const pos = new Map(this.dims.map((d, j) => [d.name, j]));
    const x = new Float64Array(this.dims.length).fill(NaN);
    space.build((name) => {
      const j = pos.get(name)!;
      const d = this.dims[j];
      const c = center ? center[j] : NaN;
      let v: number;
      if (d.categorical) {
        if (Number.isNaN(c) || rng.next() < Math.min(1, this.bw[j] * factor) * ((d.k - 1) / d.k)) v = rng.int(0, d.k - 1);
        else v = c;
      } else if (Number.isNaN(c)) {
        v = rng.next();
      } else {
        v = truncatedNormal(rng, c, Math.min(1, this.bw[j] * factor));
      }
      // Round through the space so the candidate is scored where it will really land.
      const value = space.fromUnit(name, d.categorical ? v : d.k ? v * (d.k - 1) : v);
      x[j] = d.categorical ? v : d.k ? (d.k > 1 ? space.toUnit(name, value) / (d.k - 1) : 0.5) : space.toUnit(name, value);
      return d.categorical ? v : d.k ? v * (d.k - 1) : v;
    });
    return x;
  }
}

function truncatedNormal(rng: Rng, mean: number, sd: number): number {
  for (let i = 0; i < 20; i++) {
    const v = mean + sd * normalSample(rng);
    if (v >= 0 && v <= 1) return v;
  }
  return Math.min(1, Math.max(0, mean));
}
