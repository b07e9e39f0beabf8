import type { Rng } from '../rng.js';
import type { Params } from '../space/schema.js';
import { isChoice, type SearchSpace } from '../space/space.js';
import type { SuggestRequest } from './sampler.js';
import { gaussian } from './tpe.js';

/**
 * Helpers shared by the architecture samplers (evolution, REINFORCE, architecture BO): a canonical
 * key per configuration, the set already measured or pending, mutation, enumeration of small
 * categorical spaces. They work on any space; numeric parameters are handled in unit space.
 */

/** Canonical key of a configuration (parameter order does not matter). */
export function configKey(params: Params): string {
  return JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k]]));
}

/** Keys of every configuration measured or pending: re-proposing one would waste budget. */
export function takenKeys(req: Pick<SuggestRequest, 'observations' | 'pending'>): Set<string> {
  const s = new Set<string>();
  for (const o of req.observations) s.add(configKey(o.params));
  for (const p of req.pending) s.add(configKey(p));
  return s;
}

/** Number of configurations when every parameter is a choice and none is conditional; else Infinity. */
export function finiteSize(space: SearchSpace): number {
  let n = 1;
  for (const name of space.names) {
    const s = space.spec(name);
    if (!isChoice(s) || s.when) return Infinity;
    n *= s.values.length;
  }
  return n;
}

/** Every configuration of a finite unconditional choice space, in mixed-radix order. */
export function enumerate(space: SearchSpace): Params[] {
  const n = finiteSize(space);
  if (!Number.isFinite(n)) throw new Error('space is not a finite choice space');
  const out: Params[] = [];
  for (let i = 0; i < n; i++) {
    let r = i;
    out.push(
      space.build((_, spec) => {
        const k = (spec as { values: unknown[] }).values.length;
        const v = r % k;
        r = Math.floor(r / k);
        return v;
      }),
    );
  }
  return out;
}

/**
 * A copy of `params` with one active parameter changed: a choice to another value (uniformly), a
 * numeric value by a Gaussian step of sd 0.15 in unit space. Children that become active get a
 * random value; ones that become inactive are dropped (the space's own walk decides).
 */
export function mutate(space: SearchSpace, params: Params, rng: Rng): Params {
  const active = space.names.filter((n) => n in params);
  const movable = active.filter((n) => {
    const s = space.spec(n);
    return !isChoice(s) || s.values.length > 1;
  });
  if (movable.length === 0) return space.sample(rng);
  const target = movable[rng.int(0, movable.length - 1)];
  return space.build((name, spec) => {
    const has = name in params;
    if (isChoice(spec)) {
      const k = spec.values.length;
      if (!has) return rng.int(0, k - 1);
      const cur = space.toUnit(name, params[name]);
      if (name !== target) return cur;
      const v = rng.int(0, k - 2);
      return v >= cur ? v + 1 : v;
    }
    if (!has) return rng.next();
    const u = space.toUnit(name, params[name]);
    if (name !== target) return u;
    return Math.min(1, Math.max(0, u + 0.15 * gaussian(rng)));
  });
}

/**
 * Draws from `propose` until a configuration not in `taken` comes up (at most `tries` times), then
 * falls back to uniform samples; returns the last draw if the space seems exhausted.
 */
export function untaken(propose: () => Params, taken: Set<string>, space: SearchSpace, rng: Rng, tries = 50): Params {
  let p = propose();
  for (let i = 0; i < tries && taken.has(configKey(p)); i++) p = propose();
  for (let i = 0; i < tries && taken.has(configKey(p)); i++) p = space.sample(rng);
  return p;
}
