/**
 * Solves L v = b for a lower-triangular L (given by rows) by forward substitution: the step the
 * Gaussian processes share for their weights and their predictive variance. `out` may be `b`
 * itself (solved in place).
 */
export function forwardSubstitute(
  L: readonly Float64Array[],
  b: ArrayLike<number>,
  out: Float64Array = new Float64Array(b.length),
): Float64Array {
  for (let i = 0; i < b.length; i++) {
    const row = L[i];
    let s = b[i];
    for (let j = 0; j < i; j++) s -= row[j] * out[j];
    out[i] = s / row[i];
  }
  return out;
}

/** The squared Euclidean norm, summed in index order. */
export function squaredNorm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return s;
}
