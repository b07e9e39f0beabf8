import { createRng, deriveSeed } from '../../rng.js';
import { samplerFor } from '../../samplers/registry.js';
import type { Params } from '../../space/schema.js';
import { SearchSpace } from '../../space/space.js';
import type { CasContext } from '../cas.js';
import { observationsFor, studySampler } from '../observed.js';
import type { Study, Trial } from '../types.js';
import { resultsOf } from './results.js';

/**
 * A new trial, for every path (Suggest's bracket, a lane's NextJob, an ask/tell suggest): the
 * sampler suggests its params from the study's results and the pending trials (suggestNew), and
 * the path creates the record (newTrial) with the store's `createTrial`, which refuses a taken
 * number. The create stays in the step's own frame: it is the step's write (fault tests name a
 * write by the function that makes it).
 */

/**
 * The configurations being evaluated that have no result yet: trials not measured at any rung
 * that will still run: WAITING (created, about to start: a bracket's rung-0 batch, a lane's trial
 * between its create and its start), RUNNING, or PAUSED (an interrupted slice that runs again).
 * WAITING counts because those trials will run: a sampler that did not see them would suggest
 * near them again, and a retried Suggest, which finds part of its batch created (WAITING), would
 * suggest differently from the first attempt. Failed, pruned and infeasible trials will not run.
 */
export function pendingParams(trials: Trial[]): Params[] {
  return trials
    .filter((t) => t.rungValues.length === 0 && (t.state === 'WAITING' || t.state === 'RUNNING' || t.state === 'PAUSED'))
    .map((t) => t.params);
}

/**
 * Suggests the params of new trials `numbers`, in order, each pending for the next; each
 * suggestion is seeded by the study's seed and the trial number, so a retry suggests the same.
 * The sampler's state (if it keeps one) is stored before returning, so before the trials exist:
 * it only caches what the observations determine, so a crash in between leaves a step whose
 * retry makes the same suggestions.
 */
export async function suggestNew(
  ctx: CasContext,
  study: Study,
  trials: Trial[],
  numbers: number[],
  maxResource: number,
): Promise<Params[]> {
  if (numbers.length === 0) return [];
  const space = new SearchSpace(study.spec.parameters);
  const sampler = samplerFor(study.spec.strategy.sampler);
  const suggester = studySampler(ctx, study, sampler, space, observationsFor(sampler, resultsOf(study, trials)));
  const pending = pendingParams(trials);
  const suggested: Params[] = [];
  for (const number of numbers) {
    const params = await suggester.suggest({ pending, maxResource, index: number, rng: createRng(deriveSeed(study.seed, number)) });
    pending.push(params);
    suggested.push(params);
  }
  await suggester.save();
  return suggested;
}

/** The record of a new trial `number` (WAITING at rung 0 of bracket 0 unless `fields` say otherwise). */
export function newTrial(
  ctx: Pick<CasContext, 'now'>,
  study: Pick<Study, 'team' | 'studyId'>,
  number: number,
  params: Params,
  fields: Partial<Trial> = {},
): Trial {
  const at = ctx.now().toISOString();
  return {
    team: study.team,
    studyId: study.studyId,
    trialId: String(number),
    number,
    bracket: 0,
    rung: 0,
    params,
    state: 'WAITING',
    resource: 0,
    rungValues: [],
    ...fields,
    createdAt: at,
    updatedAt: at,
    version: 0,
  };
}
