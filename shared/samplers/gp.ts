import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { RungError } from '../errors.js';
import { forwardSubstitute, squaredNorm } from '../math/triangular.js';

/** The model could not be fitted (matrix not positive definite, non-finite data): fall back. */
export class GpFitError extends RungError {}

export interface GpHyper {
  /** log length scale per feature (ARD). */
  logLengths: number[];
  logSignal: number;
  logNoise: number;
}

const SQRT5 = Math.sqrt(5);
/** Noise floor (standardized units): keeps K positive definite when points repeat. */
const MIN_LOG_NOISE = Math.log(1e-6);
/** Length-scale prior: log-normal around 0.5 of the unit cube, wide; keeps fits away from 0 and infinity. */
const PRIOR_MEAN = Math.log(0.5);
const PRIOR_SD = 1.5;

/** Matern 5/2 with one length scale per feature, from the squared scaled distance. */
function matern52(r2: number): number {
  const r = Math.sqrt(r2);
  return (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
}

/**
 * Gaussian-process regression with a Matern 5/2 ARD kernel on standardized targets. Length
 * scales, signal and noise variances maximize the log marginal likelihood plus a weak log-normal
 * prior on the length scales (Adam on the log parameters with the analytic gradient, warm-started
 * from the previous fit when the caller keeps it).
 */
export class GaussianProcess {
  /** Rows of the Cholesky factor of K, as plain arrays (prediction reads them in a hot loop). */
  private L!: Float64Array[];
  private alpha!: Float64Array;
  private mean = 0;
  private scale = 1;
  private invLengths!: Float64Array;
  hyper: GpHyper;

  constructor(
    private X: Float64Array[],
    y: number[],
    hyper?: GpHyper,
  ) {
    if (X.length === 0) throw new GpFitError('no data');
    const d = X[0].length;
    this.hyper =
      hyper && hyper.logLengths.length === d
        ? structuredClone(hyper)
        : { logLengths: Array(d).fill(Math.log(0.5)), logSignal: 0, logNoise: Math.log(1e-3) };
    this.setTargets(y);
  }

  private ys!: Float64Array;

  private setTargets(y: number[]): void {
    if (y.some((v) => !Number.isFinite(v))) throw new GpFitError('non-finite target');
    this.mean = y.reduce((a, b) => a + b, 0) / y.length;
    const sd = Math.sqrt(y.reduce((a, b) => a + (b - this.mean) ** 2, 0) / Math.max(1, y.length));
    this.scale = sd > 1e-12 ? sd : 1;
    this.ys = Float64Array.from(y, (v) => (v - this.mean) / this.scale);
  }

  get size(): number {
    return this.X.length;
  }

  /** Fits the hyperparameters (iterations of Adam), then factorizes. */
  fit(iterations = 40, learningRate = 0.1): this {
    const theta = [...this.hyper.logLengths, this.hyper.logSignal, this.hyper.logNoise];
    const m = new Float64Array(theta.length);
    const v = new Float64Array(theta.length);
    for (let it = 1; it <= iterations; it++) {
      const grad = this.gradient(theta);
      if (!grad) break;
      for (let i = 0; i < theta.length; i++) {
        // Ascent on the log marginal likelihood; Adam keeps steps sane across parameter scales.
        m[i] = 0.9 * m[i] + 0.1 * grad[i];
        v[i] = 0.999 * v[i] + 0.001 * grad[i] * grad[i];
        const step = (learningRate * (m[i] / (1 - 0.9 ** it))) / (Math.sqrt(v[i] / (1 - 0.999 ** it)) + 1e-8);
        theta[i] = Math.min(5, Math.max(-7, theta[i] + step));
      }
      theta[theta.length - 1] = Math.max(MIN_LOG_NOISE, theta[theta.length - 1]);
    }
    this.hyper = { logLengths: theta.slice(0, -2), logSignal: theta[theta.length - 2], logNoise: theta[theta.length - 1] };
    this.factorize();
    return this;
  }

  /** Factorizes K for the current hyperparameters (no fitting). */
  factorize(): this {
    const { K } = this.kernelMatrix(this.hyper);
    const chol = new CholeskyDecomposition(K);
    if (!chol.isPositiveDefinite()) throw new GpFitError('kernel matrix is not positive definite');
    const lower = chol.lowerTriangularMatrix;
    this.L = Array.from({ length: lower.rows }, (_, i) => Float64Array.from(lower.getRow(i)));
    const a = chol.solve(Matrix.columnVector(Array.from(this.ys)));
    this.alpha = Float64Array.from(a.getColumn(0));
    if (this.alpha.some((x) => !Number.isFinite(x))) throw new GpFitError('non-finite weights');
    this.invLengths = Float64Array.from(this.hyper.logLengths, (l) => Math.exp(-l));
    return this;
  }

  /**
   * Adds points with targets equal to the current posterior mean (kriging believer): the mean is
   * unchanged there, the variance shrinks, so the acquisition stops favouring those spots.
   */
  withBelievedPoints(points: Float64Array[]): GaussianProcess {
    if (!points.length) return this;
    const ys = [...this.ys].map((v) => v * this.scale + this.mean);
    for (const p of points) ys.push(this.predict(p).mean);
    const gp = new GaussianProcess([...this.X, ...points], ys, this.hyper);
    // Keep the original standardization so the believed values mean what they meant.
    gp.mean = this.mean;
    gp.scale = this.scale;
    gp.ys = Float64Array.from(ys, (v) => (v - this.mean) / this.scale);
    return gp.factorize();
  }

  /** Posterior mean and standard deviation in the original units. */
  predict(x: Float64Array): { mean: number; sd: number } {
    const n = this.X.length;
    const sf2 = Math.exp(this.hyper.logSignal);
    const k = new Float64Array(n);
    for (let i = 0; i < n; i++) k[i] = sf2 * matern52(this.dist2(x, this.X[i]));
    let mu = 0;
    for (let i = 0; i < n; i++) mu += k[i] * this.alpha[i];
    // var = sf2 - |L^-1 k|^2.
    const vv = squaredNorm(forwardSubstitute(this.L, k));
    const variance = Math.max(1e-12, sf2 - vv);
    return { mean: mu * this.scale + this.mean, sd: Math.sqrt(variance) * this.scale };
  }

  private dist2(a: Float64Array, b: Float64Array): number {
    let s = 0;
    for (let j = 0; j < a.length; j++) {
      const d = (a[j] - b[j]) * this.invLengths[j];
      s += d * d;
    }
    return s;
  }

  private kernelMatrix(h: GpHyper): { K: Matrix; M: Float64Array[] } {
    const n = this.X.length;
    const inv = h.logLengths.map((l) => Math.exp(-l));
    const sf2 = Math.exp(h.logSignal);
    const sn2 = Math.exp(h.logNoise);
    const K = new Matrix(n, n);
    const M: Float64Array[] = [];
    for (let i = 0; i < n; i++) M.push(new Float64Array(n));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let d = 0; d < inv.length; d++) {
          const t = (this.X[i][d] - this.X[j][d]) * inv[d];
          s += t * t;
        }
        const kv = matern52(s);
        M[i][j] = M[j][i] = kv;
        const val = sf2 * kv + (i === j ? sn2 : 0);
        K.set(i, j, val);
        K.set(j, i, val);
      }
    }
    return { K, M };
  }

  /** Gradient of log marginal likelihood + log prior w.r.t. [log lengths, log signal, log noise]. */
  private gradient(theta: number[]): number[] | undefined {
    const D = theta.length - 2;
    const h: GpHyper = { logLengths: theta.slice(0, D), logSignal: theta[D], logNoise: theta[D + 1] };
    const { K } = this.kernelMatrix(h);
    const chol = new CholeskyDecomposition(K);
    if (!chol.isPositiveDefinite()) return undefined;
    const n = this.X.length;
    const Kinv = chol.solve(Matrix.eye(n));
    const alpha = chol.solve(Matrix.columnVector(Array.from(this.ys))).getColumn(0);
    // W = alpha alpha^T - K^-1;  dLML/dtheta = 0.5 tr(W dK/dtheta).
    const sf2 = Math.exp(h.logSignal);
    const sn2 = Math.exp(h.logNoise);
    const inv2 = h.logLengths.map((l) => Math.exp(-2 * l));
    const grad = new Array(D + 2).fill(0);
    for (let i = 0; i < n; i++) {
      const Ki = Kinv.getRow(i);
      for (let j = 0; j < n; j++) {
        const w = alpha[i] * alpha[j] - Ki[j];
        if (i === j) {
          grad[D] += 0.5 * w * sf2;
          grad[D + 1] += 0.5 * w * sn2;
          continue;
        }
        let r2 = 0;
        for (let d = 0; d < D; d++) {
          const t = this.X[i][d] - this.X[j][d];
          r2 += t * t * inv2[d];
        }
        const r = Math.sqrt(r2);
        const e = Math.exp(-SQRT5 * r);
        grad[D] += 0.5 * w * sf2 * (1 + SQRT5 * r + (5 / 3) * r2) * e;
        // dk/dlog l_d = sf2 * 5/3 * (1 + sqrt5 r) e^{-sqrt5 r} * diff_d^2 / l_d^2
        const c = 0.5 * w * sf2 * (5 / 3) * (1 + SQRT5 * r) * e;
        for (let d = 0; d < D; d++) {
          const t = this.X[i][d] - this.X[j][d];
          grad[d] += c * t * t * inv2[d];
        }
      }
    }
    for (let d = 0; d < D; d++) grad[d] -= (theta[d] - PRIOR_MEAN) / (PRIOR_SD * PRIOR_SD);
    return grad.every(Number.isFinite) ? grad : undefined;
  }
}
