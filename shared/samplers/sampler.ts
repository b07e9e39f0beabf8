import type { Rng } from '../rng.js';
import type { Params } from '../space/schema.js';
import type { SearchSpace } from '../space/space.js';

/**
 * A finished (or partly finished) evaluation the sampler may learn from. The optional fields are
 * filled by the study from the trial's metrics when the study tracks them (constraints, several
 * objectives); samplers that do not model them ignore them.
 */
export interface Observation {
  params: Params;
  /** Objective value, already oriented so that larger is better; NaN when the configuration could not be measured at all. */
  score: number;
  /** Resource at which `score` was measured (multi-fidelity samplers may use every rung). */
  resource: number;
  /** Whether every constraint held; undefined = unconstrained study (feasible). */
  feasible?: boolean;
  /** Largest constraint value, <= 0 when satisfied (Optuna's convention); NaN when not measured. */
  violation?: number;
  /** Other measured metrics. */
  metrics?: Record<string, number>;
  /** Every objective of a multi-objective study, oriented so that larger is better (`score` is the first); absent or non-finite = not measured. */
  objectives?: number[];
}

export interface SuggestRequest {
  space: SearchSpace;
  /** Everything measured so far in the study (and warm-start trials). */
  observations: Observation[];
  /** Configurations handed out but not yet measured: a sampler should not suggest them again. */
  pending: Params[];
  /** The largest resource of the study (the fidelity a sampler should optimize for). */
  maxResource: number;
  /** Index of the suggestion within the study (0-based): quasi-random designs use it. */
  index: number;
  rng: Rng;
  /**
   * The study's seed (optional, added for designs that need one draw shared by every suggestion,
   * such as the digital shift of a Sobol sequence). Without it they fall back to a fixed design.
   */
  seed?: number;
  /**
   * Optional scratch space the caller may keep between calls of one study (in memory; the store
   * need not persist it). Samplers only put things there that save time (a model's last fitted
   * hyperparameters as a warm start) and must return equally valid suggestions without it.
   */
  cache?: Map<string, unknown>;
}

/**
 * State a sampler keeps in the store between calls (the REINFORCE controller's policy), for a
 * sampler whose suggestion would otherwise rebuild it from the whole history on every call. The
 * state is a cache of a pure function of the observations: `advance(undefined, ...)` is the full
 * replay, and advancing a state of a prefix of the observations gives the same state bit for bit.
 * An advance checks that what the state consumed is a prefix of `observations` and replays from
 * scratch otherwise (a result that arrived late, a state of another study), so a suggestion never
 * depends on whether a stored state was found, lost, stale or garbled.
 *
 * The observations must come in the order their results were observed (append-only in practice:
 * shared/study/observed.ts sorts them so), and the sampler's plain `suggest` replays them in the
 * order given: `suggest(r)` equals `state.suggest(r, state.advance(undefined, r.space, r.observations).state)`.
 */
export interface SamplerState<S> {
  /** Names the state's layout and every option it depends on: a stored state of another format is replayed. */
  readonly format: string;
  /**
   * The state after every observation, continued from `from` where it consumed a prefix of them
   * (`resumed`), else replayed from scratch. Pure.
   */
  advance(from: S | undefined, space: SearchSpace, observations: readonly Observation[]): { state: S; resumed: boolean };
  /** Observations the state has consumed (a stored state is replaced only by one that consumed more). */
  consumed(state: S): number;
  suggest(request: SuggestRequest, state: S): Params;
  /** JSON text of the state. */
  encode(state: S): string;
  /** The state in `text`, or undefined when it is not a state of this format for this space. */
  decode(text: string, space: SearchSpace): S | undefined;
}

/**
 * Decides what to try next (Optuna's Sampler, Vizier's Designer). Pure: everything it needs
 * arrives in the request; any state worth keeping between calls lives in the store.
 */
export interface Sampler {
  readonly name: string;
  suggest(request: SuggestRequest): Params;
  /** Present when the sampler keeps state in the store between calls (see SamplerState). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each sampler keeps state of its own shape; the registry does not know them
  readonly state?: SamplerState<any>;
}
