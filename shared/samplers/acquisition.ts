import { LOG_SQRT_2PI, normalCdf, normalPdf } from '../math/normal.js';

/**
 * log Expected Improvement over `best` (maximization), stable far into the tail where EI itself
 * underflows to 0 and plain EI stops ranking candidates (Ament et al., "Unexpected improvements to
 * expected improvement", 2023): EI = sd * h(z), h(z) = z Phi(z) + phi(z), z = (mean - best) / sd.
 */
export function logExpectedImprovement(mean: number, sd: number, best: number): number {
  if (!(sd > 0)) return mean > best ? Math.log(mean - best) : -Infinity;
  const z = (mean - best) / sd;
  return Math.log(sd) + logH(z);
}

function logH(z: number): number {
  if (z > -5) {
    const h = z * normalCdf(z) + normalPdf(z);
    return Math.log(Math.max(h, 1e-300));
  }
  // Tail: h(z) = phi(z) * (1 - |z| R(|z|)) with Mills' ratio R; the continued-fraction
  // expansion phi(z)/z^2 * (1 - 3/z^2 + 15/z^4) is accurate to < 1e-4 relative for z <= -5.
  const z2 = z * z;
  return -0.5 * z2 - LOG_SQRT_2PI - Math.log(z2) + Math.log1p(-3 / z2 + 15 / (z2 * z2));
}
