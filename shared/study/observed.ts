import { RetryableConflictError } from '../errors.js';
import type { Params } from '../space/schema.js';
import type { Observation, Sampler, SamplerState, SuggestRequest } from '../samplers/sampler.js';
import type { SearchSpace } from '../space/space.js';
import type { SamplerStateRecord } from '../store/port.js';
import { maxSamplerStateBytes, utf8Bytes } from '../store/validate.js';
import type { CasContext } from './cas.js';
import type { Study, Trial } from './types.js';

/**
 * How the study paths (Suggest, NextJob, ask/tell) hand observations to the study's sampler, and
 * keep the state of a sampler that has one (shared/samplers/sampler.ts SamplerState: the REINFORCE
 * controller) in the store between calls: load it, advance it over the observations, suggest from
 * it, and save it with one compare-and-set. The state is a cache of a pure function of the
 * observations, so suggestions stay a function of (observations, seed, trial number) whatever
 * happened to it: a missing, stale or unreadable state is replayed from scratch (and the fresh one
 * written), and a crash between saving it and creating the trial leaves a state the retry verifies.
 */

/** One rung result of a trial, as the sampler sees it. */
export interface RungResult {
  trial: Trial;
  rung: number;
  observation: Observation;
}

/**
 * When the rung's result was stored: the end of the job that finished the rung (the Observe or
 * ObserveJob that wrote the result closes it in the same write), or the trial's end for ask/tell
 * trials, which have no jobs. Neither changes once the result is there.
 */
export function observedAt(trial: Trial, rung: number): number {
  const jobs = trial.jobs ?? [];
  let ended: string | undefined;
  for (let i = jobs.length - 1; i >= 0 && ended === undefined; i--) if (jobs[i].rung === rung && !jobs[i].neverRan) ended = jobs[i].endedAt;
  const at = Date.parse(ended ?? trial.endedAt ?? trial.updatedAt);
  return Number.isNaN(at) ? Infinity : at;
}

/**
 * The observations for `sampler`. A sampler with state replays its history in order, so it gets
 * them in the order the results were observed (time, then trial number, then rung): new results
 * land at the end, which is what lets a stored state consume only those (a result stored with an
 * earlier time than one already consumed, from a clock behind another Lambda's, makes the next
 * advance replay). Other samplers get them in trial order, as they always have.
 */
export function observationsFor(sampler: Sampler, results: readonly RungResult[]): Observation[] {
  if (!sampler.state) return results.map((r) => r.observation);
  return results
    .map((r) => ({ at: observedAt(r.trial, r.rung), number: r.trial.number, rung: r.rung, observation: r.observation }))
    .sort((a, b) => a.at - b.at || a.number - b.number || a.rung - b.rung)
    .map((r) => r.observation);
}

/** The study's sampler over a fixed set of observations, with its stored state where it keeps one. */
export interface StudySampler {
  suggest(request: Omit<SuggestRequest, 'space' | 'observations' | 'seed'>): Promise<Params>;
  /** Stores the advanced state (samplers with state, after a suggestion); a lost race is no error. */
  save(): Promise<void>;
}

/** Attempts of the state's compare-and-set before the save gives up (the winners stored a state too). */
const maxSaveAttempts = 5;

export function studySampler(
  ctx: CasContext,
  study: Study,
  sampler: Sampler,
  space: SearchSpace,
  observations: Observation[],
): StudySampler {
  const part = sampler.state;
  let prepared: Promise<{ state: unknown; stored?: SamplerStateRecord }> | undefined;
  const prepare = (p: SamplerState<unknown>) =>
    (prepared ??= (async () => {
      const stored = await ctx.store.getSamplerState(study.team, study.studyId);
      const from = stored?.sampler === sampler.name ? p.decode(stored.state, space) : undefined;
      return { state: p.advance(from, space, observations).state, stored };
    })());
  return {
    async suggest(request) {
      const full: SuggestRequest = { ...request, space, observations, seed: study.seed };
      if (!part) return sampler.suggest(full);
      const { state } = await prepare(part);
      return part.suggest(full, state);
    },
    async save() {
      if (!part || !prepared) return;
      const { state, stored } = await prepared;
      await saveSamplerState(ctx, study, sampler.name, part, space, observations, state, stored);
    },
  };
}

/**
 * One compare-and-set of the state, unless the stored one is the same. The state read before the
 * suggestion is either behind ours (our advance resumed from it) or one our advance could not
 * resume from (missing, unreadable, stale, or corrupt): ours replaces it, fresh. On a conflict it re-reads and re-advances: a rival's state
 * that ours continues is replaced; one that ours does not continue and that consumed more (a
 * rival that saw more results) is kept. The suggestion, made before, depends on none of this.
 */
async function saveSamplerState(
  ctx: CasContext,
  study: Study,
  name: string,
  part: SamplerState<unknown>,
  space: SearchSpace,
  observations: readonly Observation[],
  state: unknown,
  first: SamplerStateRecord | undefined,
): Promise<void> {
  const text = part.encode(state);
  // Too large for one item (a space of thousands of choices): every call replays instead.
  if (utf8Bytes(text) > maxSamplerStateBytes) return;
  let stored = first;
  for (let attempt = 0; attempt < maxSaveAttempts; attempt++) {
    if (stored?.state === text) return;
    if (attempt > 0 && stored?.sampler === name) {
      const rival = part.decode(stored.state, space);
      if (rival !== undefined && !part.advance(rival, space, observations).resumed && part.consumed(rival) > part.consumed(state)) return;
    }
    try {
      await ctx.store.putSamplerState({
        team: study.team,
        studyId: study.studyId,
        sampler: name,
        state: text,
        updatedAt: ctx.now().toISOString(),
        version: stored?.version ?? 0,
      });
      return;
    } catch (e) {
      if (!(e instanceof RetryableConflictError)) throw e;
      stored = await ctx.store.getSamplerState(study.team, study.studyId);
    }
  }
}
