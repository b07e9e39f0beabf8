import type { SearchSpace } from '../space/space.js';
import type { Params } from '../space/schema.js';

export interface ParameterImportance {
  name: string;
  /**
   * Omega-squared of a one-way ANOVA of the objective on the parameter (its values grouped into
   * bins): the share of the objective's variance the parameter's marginal explains, corrected for
   * the share that grouping n noisy values would explain by chance. 0 when none; at most 1.
   */
  importance: number;
  /** importance / the sum over parameters (0 when every importance is 0). */
  share: number;
  /** Groups the values fell into (bins of a numeric parameter, values of a choice, "inactive"). */
  groups: number;
}

export interface ImportanceResult {
  /** Rows the estimate used. */
  n: number;
  parameters: ParameterImportance[];
}

/**
 * Parameter importance as per-parameter variance of marginal means (a first-order, fANOVA-style
 * decomposition without the surrogate model): for each parameter, group the trials by its value
 * (numeric ones in `bins` equal-width bins of the unit interval, so a log-scale parameter is
 * binned in log space; choice ones by value; an inactive conditional parameter is its own group),
 * and measure how much of the objective's variance lies between the group means.
 *
 * Honest about what it is: first-order only (interactions are not attributed), and on few trials
 * the correction can bring every parameter to 0. Use values measured at one resource
 * (evaluations.ts importanceRows), since values at different budgets are not comparable.
 */
export function parameterImportance(
  space: SearchSpace,
  rows: { params: Params; value: number }[],
  options: { bins?: number } = {},
): ImportanceResult {
  const data = rows.filter((r) => Number.isFinite(r.value));
  const n = data.length;
  const bins = options.bins ?? Math.max(2, Math.min(6, Math.floor(Math.sqrt(n))));
  const mean = n > 0 ? data.reduce((s, r) => s + r.value, 0) / n : 0;
  const total = data.reduce((s, r) => s + (r.value - mean) ** 2, 0);

  const parameters = space.names.map((name): ParameterImportance => {
    const spec = space.spec(name);
    const groups = new Map<string, number[]>();
    for (const r of data) {
      let key: string;
      if (!(name in r.params)) key = 'inactive';
      else if (spec.type === 'categorical' || spec.type === 'ordinal') key = `v:${JSON.stringify(r.params[name])}`;
      else {
        const u = Math.min(1, Math.max(0, space.toUnit(name, r.params[name])));
        key = `b:${Math.min(bins - 1, Math.floor(u * bins))}`;
      }
      groups.set(key, [...(groups.get(key) ?? []), r.value]);
    }
    const g = groups.size;
    if (g < 2 || n <= g || total === 0) return { name, importance: 0, share: 0, groups: g };
    let between = 0;
    for (const values of groups.values()) {
      const m = values.reduce((s, v) => s + v, 0) / values.length;
      between += values.length * (m - mean) ** 2;
    }
    const within = total - between;
    const msWithin = within / (n - g);
    const omega = (between - (g - 1) * msWithin) / (total + msWithin);
    return { name, importance: Math.min(1, Math.max(0, omega)), share: 0, groups: g };
  });
  const sum = parameters.reduce((s, p) => s + p.importance, 0);
  for (const p of parameters) p.share = sum > 0 ? p.importance / sum : 0;
  parameters.sort((a, b) => b.importance - a.importance || a.name.localeCompare(b.name));
  return { n, parameters };
}
