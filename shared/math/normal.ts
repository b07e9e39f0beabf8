import type { Rng } from '../rng.js';

/** The standard normal distribution: what the samplers' models and acquisitions share. */

/** log sqrt(2 pi), the normalizing constant of the standard normal density in log space. */
export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** log of the standard normal density at z. */
export function logNormalPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/** The standard normal density at z. */
export function normalPdf(z: number): number {
  return Math.exp(logNormalPdf(z));
}

/** Standard normal CDF Phi(z) (Abramowitz-Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/**
 * log Phi(z), accurate in the far lower tail (where Phi underflows): there a flat floor would let a
 * large expected improvement outweigh a near-certain constraint violation.
 */
export function logNormalCdf(z: number): number {
  if (z > -5) return Math.log(Math.max(normalCdf(z), 1e-300));
  const z2 = z * z;
  return -0.5 * z2 - LOG_SQRT_2PI - Math.log(-z) + Math.log1p(-1 / z2 + 3 / (z2 * z2));
}

/** A standard normal draw (Box-Muller, one of the pair). */
export function normalSample(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}
