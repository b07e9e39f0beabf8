import type { Rng } from '../rng.js';
import type { Params } from '../space/schema.js';
import type { SearchSpace } from '../space/space.js';

/** A finished (or partly finished) evaluation the sampler may learn from. */
export interface Observation {
  params: Params;
  /** Objective value, already oriented so that larger is better. */
  score: number;
  /** Resource at which `score` was measured (multi-fidelity samplers may use every rung). */
  resource: number;
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
 * Decides what to try next (Optuna's Sampler, Vizier's Designer). Pure: everything it needs
 * arrives in the request; any state worth keeping between calls lives in the store.
 */
export interface Sampler {
  readonly name: string;
  suggest(request: SuggestRequest): Params;
}
