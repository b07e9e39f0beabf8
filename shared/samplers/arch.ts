import { normalSample } from '../math/normal.js';
import type { Rng } from '../rng.js';
import type { ParamValue, Params } from '../space/schema.js';
import { isChoice, type SearchSpace } from '../space/space.js';
import type { SuggestRequest } from './sampler.js';

/**
 * Helpers shared by the architecture samplers (evolution, REINFORCE, architecture BO): a canonical
 * key per configuration, the set already measured or pending, mutation, enumeration of small
 * categorical spaces. They work on any space; numeric parameters are handled in unit space.
 */

/** Canonical key of a configuration (parameter order does not matter). */
export function configKey(params: Params): string {
  return JSON.stringify(
    Object.keys(params)
      .sort()
      .map((k) => [k, params[k]]),
  );
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

/**
 * Every configuration of a finite unconditional choice space, in mixed-radix order. Those with an
 * unusable architecture (a cell without an input-to-output path) are left out, not repaired: a
 * repair would only repeat another configuration of the list.
 */
export function enumerate(space: SearchSpace): Params[] {
  const n = finiteSize(space);
  if (!Number.isFinite(n)) throw new Error('space is not a finite choice space');
  const out: Params[] = [];
  for (let i = 0; i < n; i++) {
    let r = i;
    const p = space.tryBuild((_, spec) => {
      const k = (spec as { values: unknown[] }).values.length;
      const v = r % k;
      r = Math.floor(r / k);
      return v;
    });
    if (p) out.push(p);
  }
  return out;
}

/**
 * The one-step changes of an architecture dimension, each as the flat dimensions it sets, so that
 * every move changes exactly one thing of the architecture and keeps it usable:
 * - a cell edge: each other operation that leaves a path from input to output;
 * - a DARTS node's inputs: each set that swaps exactly one input, the new input taking the
 *   operation of the one it replaces (the other inputs keep theirs);
 * - a DARTS operation: each other operation that leaves some node reached from a cell input;
 * - a macro stage field: the adjacent values (one block deeper or shallower, the next width,
 *   kernel or expansion up or down), squeeze-excite toggled.
 * Empty for dimensions of plain parameters and of compound scaling (they mutate as numbers).
 */
export function architectureMoves(space: SearchSpace, params: Params, dim: string): Params[] {
  const arch = space.architectureOf(dim);
  if (!arch || !(dim in params) || arch.spec.type === 'compound_scaling') return [];
  const spec = space.spec(dim);
  const usable = (patch: Params) => space.defects({ ...params, ...patch }).every((d) => d.name !== arch.name);
  if (arch.spec.type === 'macro') {
    if (spec.type === 'int') {
      const v = params[dim] as number;
      return [v - 1, v + 1].filter((x) => x >= spec.min && x <= spec.max).map((x) => ({ [dim]: x }));
    }
    const values = (spec as { values: ParamValue[] }).values;
    const i = values.indexOf(params[dim]);
    if (spec.type === 'categorical') return values.filter((_, j) => j !== i).map((x) => ({ [dim]: x }));
    return [i - 1, i + 1].filter((j) => j >= 0 && j < values.length).map((j) => ({ [dim]: values[j] }));
  }
  const values = (spec as { values: ParamValue[] }).values;
  if (arch.spec.type === 'darts_cell' && dim.endsWith('.in')) {
    const node = dim.slice(0, -'.in'.length);
    const current = String(params[dim]).split('+').map(Number);
    const ops = current.map((_, s) => params[`${node}.op${s}`]);
    const out: Params[] = [];
    for (const combo of values as string[]) {
      const next = combo.split('+').map(Number);
      const removed = current.filter((x) => !next.includes(x));
      if (removed.length !== 1) continue;
      const added = next.find((x) => !current.includes(x))!;
      // Ops follow their inputs; the added input inherits the removed one's operation.
      const opOf = (x: number) => ops[current.indexOf(x === added ? removed[0] : x)];
      const patch: Params = { [dim]: combo };
      next.forEach((x, s) => (patch[`${node}.op${s}`] = opOf(x)));
      if (usable(patch)) out.push(patch);
    }
    return out;
  }
  // A cell edge or a DARTS operation.
  return values
    .filter((v) => v !== params[dim])
    .map((v) => ({ [dim]: v }))
    .filter(usable);
}

/** `params` with the flat dimensions of `patch` replaced (and new children drawn, composed values redone). */
export function applyPatch(space: SearchSpace, params: Params, patch: Params, rng: Rng): Params {
  return space.build((name, spec) => {
    if (name in patch) return space.toUnit(name, patch[name]);
    if (name in params) return space.toUnit(name, params[name]);
    return isChoice(spec) ? rng.int(0, spec.values.length - 1) : rng.next();
  });
}

/**
 * A copy of `params` with one active parameter changed: a choice to another value (uniformly), a
 * numeric value by a Gaussian step of sd 0.15 in unit space; a dimension of a cell, DARTS cell
 * or macro space by one of its `architectureMoves`, drawn uniformly. Children that become active
 * get a random value; ones that become inactive are dropped (the space's own walk decides).
 */
export function mutate(space: SearchSpace, params: Params, rng: Rng): Params {
  const active = space.names.filter((n) => n in params);
  const moves = new Map<string, Params[]>();
  const movable = active.filter((n) => {
    const a = space.architectureOf(n);
    if (a && a.spec.type !== 'compound_scaling') {
      moves.set(n, architectureMoves(space, params, n));
      return moves.get(n)!.length > 0;
    }
    const s = space.spec(n);
    return !isChoice(s) || s.values.length > 1;
  });
  if (movable.length === 0) return space.sample(rng);
  const target = movable[rng.int(0, movable.length - 1)];
  const targetMoves = moves.get(target);
  if (targetMoves) return applyPatch(space, params, targetMoves[rng.int(0, targetMoves.length - 1)], rng);
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
    return Math.min(1, Math.max(0, u + 0.15 * normalSample(rng)));
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
