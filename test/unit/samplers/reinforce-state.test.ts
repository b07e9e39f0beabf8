import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../shared/rng.js';
import { advanceReinforce, reinforceSampler, type ReinforceState } from '../../../shared/samplers/reinforce.js';
import type { Observation } from '../../../shared/samplers/sampler.js';
import { SearchSpace } from '../../../shared/space/space.js';
import { maxSamplerStateBytes, utf8Bytes } from '../../../shared/store/validate.js';

/** The REINFORCE controller's stored state: advancing it equals replaying the history, whatever the increments. */

const space = new SearchSpace({
  op: { type: 'categorical', values: ['none', 'skip', 'conv1', 'conv3'] },
  width: { type: 'int', min: 8, max: 64, scale: 'linear' },
  lr: { type: 'float', min: 1e-4, max: 1, scale: 'log' },
  // Conditional: absent from observations where op is none.
  depth: { type: 'int', min: 1, max: 4, scale: 'linear', when: { op: ['skip', 'conv1', 'conv3'] } },
});
const sampler = reinforceSampler();
const part = sampler.state!;

/** Observations over `space` drawn from seeds, with infeasible and unmeasured results among them. */
const observationArb = fc.record({
  seed: fc.integer(),
  score: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  kind: fc.constantFrom('ok', 'ok', 'ok', 'infeasible', 'unmeasured'),
});
function toObservation(o: { seed: number; score: number; kind: string }): Observation {
  const params = space.sample(createRng(o.seed));
  if (o.kind === 'infeasible') return { params, score: o.score, resource: 1, feasible: false };
  if (o.kind === 'unmeasured') return { params, score: NaN, resource: 1 };
  return { params, score: o.score, resource: 1 };
}

/** Every number of the state, in a fixed order (=== treats 0 and -0 alike, which no later step tells apart). */
function numbers(s: ReinforceState): number[] {
  return [
    ...[...s.policy.values()].flatMap((l) => [...l]),
    s.baseline ?? NaN,
    s.updates,
    s.count,
    s.mean,
    s.m2,
    s.worst,
    s.consumed,
    ...s.digest,
  ];
}

function sameBits(a: ReinforceState, b: ReinforceState): boolean {
  const x = numbers(a);
  const y = numbers(b);
  return x.length === y.length && x.every((v, i) => v === y[i] || (Number.isNaN(v) && Number.isNaN(y[i])));
}

describe('REINFORCE state', () => {
  it('gives, for any split of a history into increments stored between calls, the state of the full replay bit for bit', () => {
    fc.assert(
      fc.property(fc.array(observationArb, { maxLength: 60 }), fc.array(fc.nat(60), { maxLength: 8 }), (raw, cuts) => {
        // Prepare
        const history = raw.map(toObservation);
        const ends = [...new Set(cuts.map((c) => Math.min(c, history.length)))].sort((a, b) => a - b);
        // Act: advance over each prefix, through the stored text (encode, then decode) between calls.
        let stored: string | undefined;
        for (const end of [...ends, history.length]) {
          const from = stored === undefined ? undefined : part.decode(stored, space);
          if (stored !== undefined && from === undefined) return false;
          const next = part.advance(from, space, history.slice(0, end));
          if (from !== undefined && !next.resumed) return false;
          stored = part.encode(next.state);
        }
        const advanced = part.decode(stored!, space) as ReinforceState;
        const replayed = advanceReinforce(undefined, space, history);
        // Assess
        return sameBits(advanced, replayed) && advanced.consumed === history.length;
      }),
      { numRuns: 300 },
    );
  });

  it('replays from scratch when a result arrives before ones already consumed, and when the stored prefix changed', () => {
    fc.assert(
      fc.property(fc.array(observationArb, { minLength: 2, maxLength: 40 }), fc.nat(), fc.nat(), fc.integer(), (raw, a, b, seed) => {
        // Prepare: a state of the history without one result, which then lands in the middle; one
        // whose feasibility changes; one whose configuration changes but not its score.
        const history = raw.map(toObservation);
        const late = a % history.length;
        const without = history.filter((_, i) => i !== late);
        const stale = part.advance(undefined, space, without).state;
        const flipped = history.map((o, i) => (i === b % history.length ? { ...o, feasible: false } : o));
        const moved = history.map((o, i) => (i === b % history.length ? { ...o, params: space.sample(createRng(seed)) } : o));
        const full = part.advance(undefined, space, history).state;
        // Act
        const afterLate = part.advance(stale, space, history);
        const afterFlip = part.advance(full, space, flipped);
        const afterMove = part.advance(full, space, moved);
        // Assess: each is the full replay of what it was given; an append resumes.
        return (
          part.advance(full, space, [...history, history[0]]).resumed &&
          sameBits(afterLate.state, advanceReinforce(undefined, space, history)) &&
          sameBits(afterFlip.state, advanceReinforce(undefined, space, flipped)) &&
          sameBits(afterMove.state, advanceReinforce(undefined, space, moved))
        );
      }),
      { numRuns: 200 },
    );
  });

  it('suggests from a stored state exactly what the stateless call suggests', () => {
    // Prepare
    const rng = createRng(3);
    const history = Array.from({ length: 50 }, (_, i) => toObservation({ seed: i, score: rng.next(), kind: 'ok' }));
    const request = (seed: number) => ({ space, observations: history, pending: [], maxResource: 1, index: 50, rng: createRng(seed) });
    const stored = part.encode(part.advance(part.advance(undefined, space, history.slice(0, 20)).state, space, history.slice(0, 35)).state);
    // Act
    const fromState = part.suggest(request(9), part.advance(part.decode(stored, space), space, history).state);
    const plain = sampler.suggest(request(9));
    // Assess
    expect(fromState).toEqual(plain);
  });

  it('does not decode text that is not a state of this format and space', () => {
    // Prepare
    const state = part.encode(part.advance(undefined, space, [toObservation({ seed: 1, score: 1, kind: 'ok' })]).state);
    const otherSpace = new SearchSpace({ op: { type: 'categorical', values: ['none', 'skip'] } });
    const otherOptions = reinforceSampler({ learningRate: 0.1 }).state!;
    const overflowed = state.replace(/"mean":[^,]+/, '"mean":1e999');
    // Act
    const decoded = [
      part.decode('{', space),
      part.decode('null', space),
      part.decode(state, otherSpace),
      otherOptions.decode(state, space),
      part.decode(overflowed, space),
    ];
    // Assess
    expect(decoded).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(part.decode(state, space)).toBeDefined();
  });

  it('keeps the stored state the same size however long the study, far below the item limit', () => {
    // Prepare
    const rng = createRng(5);
    const history = Array.from({ length: 20_000 }, (_, i) =>
      toObservation({ seed: i, score: rng.next() * 100, kind: i % 17 === 0 ? 'infeasible' : 'ok' }),
    );
    // Act
    const small = utf8Bytes(part.encode(part.advance(undefined, space, history.slice(0, 100)).state));
    const large = utf8Bytes(part.encode(part.advance(undefined, space, history).state));
    // Assess: the logits and a few statistics; the consumed set is a count and a digest.
    expect(large).toBeLessThan(2_000);
    expect(Math.abs(large - small)).toBeLessThan(100);
    expect(large).toBeLessThan(maxSamplerStateBytes / 100);
  });
});
