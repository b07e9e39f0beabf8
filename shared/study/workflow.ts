import type * as z from 'zod';
import { NotFoundError } from '../errors.js';
import { bracketTrialNumbers, planBrackets, type Bracket } from '../schedulers/brackets.js';
import { readAll } from '../store/port.js';
import { orient, pickBest } from './best.js';
import { takeEnqueued } from './enqueue.js';
import { jobSpecFor, type JobSpec } from './job.js';
import { issueJobToken } from './job-token.js';
import { isRetrainTrial, RETRAIN_BRACKET, retrainBracket, searchTrials } from './retrain.js';
import type {
  bracketInputSchema,
  finalizeInputSchema,
  observeInputSchema,
  planInputSchema,
  rungRefSchema,
  studyRefSchema,
  trialSlotSchema,
} from './step-inputs.js';
import type { Study, Trial } from './types.js';
import { assertFailedTrialsWithin, isWinding, overWallClock } from './engine/limits.js';
import { closeJob, jobsCostUsd, openJob, reserveJob, settleJobs } from './engine/ledger.js';
import { newTrial, suggestNew } from './engine/new-trial.js';
import { planLanes } from './engine/rounds.js';
import { afterSliceEnd, endOfSlice } from './engine/rung-end.js';
import { loadStudy, loadTrial, updateStudyWith, updateTrialWith, type StepContext } from './engine/step-context.js';

export type { StepContext } from './engine/step-context.js';
export { TooManyFailedTrialsError } from './engine/limits.js';

/**
 * The steps of the study workflow (docs/workflow.md), one function per Task state of the
 * synchronous (bracket) path, and Plan and Finalize, which both paths run. Each is idempotent:
 * Step Functions may deliver a step twice, and a crash between two writes is repaired by the
 * next call. Handlers in functions/steps are thin wrappers around these; what the steps share
 * with the asynchronous path (lanes.ts) is in shared/study/engine.
 */

export type StudyRef = z.infer<typeof studyRefSchema>;
export type BracketInput = z.infer<typeof bracketInputSchema> & { name: string };
export type TrialSlot = z.infer<typeof trialSlotSchema>;
export interface RungPlan {
  team: string;
  studyId: string;
  bracket: number;
  rung: number;
  parallelism: number;
  done: boolean;
  trials: TrialSlot[];
}

function bracketOf(study: Study, index: number): Bracket {
  const bracket =
    index === RETRAIN_BRACKET ? retrainBracket(study) : planBrackets(study.spec.strategy.scheduler, study.spec.limits.maxTrials)[index];
  if (!bracket) throw new NotFoundError(`study ${study.studyId} has no bracket ${index}`);
  return bracket;
}

/**
 * Marks the study RUNNING and plans its work: brackets for synchronous schedulers, or the lanes of
 * round `round` for asynchronous ones (Replan asks again after each round; no lanes = done).
 */
export async function plan(ctx: StepContext, input: z.infer<typeof planInputSchema>) {
  const study = await updateStudyWith(ctx, input, (s) =>
    s.state === 'PENDING' || s.state === 'FAILED' ? { ...s, state: 'RUNNING', error: undefined } : undefined,
  );
  const asynchronous = study.spec.strategy.scheduler.type === 'asha';
  const brackets = isWinding(study) || asynchronous ? [] : planBrackets(study.spec.strategy.scheduler, study.spec.limits.maxTrials);
  const round = input.round ?? 0;
  return {
    team: study.team,
    studyId: study.studyId,
    parallelism: study.spec.limits.parallelism,
    round,
    lanes: await planLanes(ctx, study, round),
    brackets: brackets.map((b): BracketInput => ({
      team: study.team,
      studyId: study.studyId,
      bracket: b.index,
      name: `${study.studyId}-${study.attempt}-b${b.index}`,
    })),
  };
}

function slotsFor(study: Study, bracket: number, rung: number, trialIds: string[]): RungPlan {
  return {
    team: study.team,
    studyId: study.studyId,
    bracket,
    rung,
    parallelism: study.spec.limits.parallelism,
    done: trialIds.length === 0,
    trials: trialIds.map((trialId) => ({ team: study.team, studyId: study.studyId, bracket, rung, trialId })),
  };
}

/** Creates the bracket's rung-0 trials. Trial numbers come from the plan, so a retry creates nothing new. */
export async function suggest(ctx: StepContext, input: z.infer<typeof bracketInputSchema>): Promise<RungPlan> {
  const study = await loadStudy(ctx, input);
  if (input.bracket === RETRAIN_BRACKET) return retrainSlots(ctx, study);
  // A bracket that lowering limits.maxTrials trimmed away (shared/study/steering.ts) runs nothing.
  if (!planBrackets(study.spec.strategy.scheduler, study.spec.limits.maxTrials)[input.bracket])
    return slotsFor(study, input.bracket, 0, []);
  if (isWinding(study) || overWallClock(ctx, study)) return slotsFor(study, input.bracket, 0, []);
  const bracket = bracketOf(study, input.bracket);
  const trials = searchTrials(await readAll((p) => ctx.store.listTrials(study.team, study.studyId, p)));
  const taken = new Set(trials.map((t) => t.number));
  const numbers = bracketTrialNumbers(bracket);
  const missing = numbers.filter((n) => !taken.has(n));
  const maxResource = Math.max(...bracket.rungs.map((r) => r.resource));
  const suggested = await suggestNew(ctx, study, trials, missing, maxResource);
  for (const [i, number] of missing.entries())
    await ctx.store.createTrial(newTrial(ctx, study, number, suggested[i], { bracket: bracket.index }));
  return slotsFor(study, bracket.index, 0, numbers.map(String));
}

/** The retraining bracket's trials, which PlanRetrain created (shared/study/retrain-plan.ts). */
async function retrainSlots(ctx: StepContext, study: Study): Promise<RungPlan> {
  const bracket = retrainBracket(study);
  if (!bracket || isWinding(study) || overWallClock(ctx, study)) return slotsFor(study, RETRAIN_BRACKET, 0, []);
  return slotsFor(study, RETRAIN_BRACKET, 0, bracketTrialNumbers(bracket).map(String));
}

export interface StartTrialResult extends TrialSlot {
  run: boolean;
  job?: JobSpec;
}

/** Marks the trial RUNNING for the rung and describes its job; `run: false` when there is nothing to do. */
export async function startTrial(ctx: StepContext, slot: TrialSlot): Promise<StartTrialResult> {
  const study = await loadStudy(ctx, slot);
  const skip = { ...slot, run: false };
  if (isWinding(study) || overWallClock(ctx, study)) return skip;
  const bracket = bracketOf(study, slot.bracket);
  const target = bracket.rungs[slot.rung];
  if (!target) return skip;
  // A search trial starting from scratch takes the next enqueued configuration, if one waits.
  const loaded = await loadTrial(ctx, slot);
  const before = isRetrainTrial(loaded) ? loaded : await takeEnqueued(ctx, study, loaded, slot.rung);
  if (!isRunnableFor(before, slot.rung)) return skip;
  // Already started for this rung (a retried StartTrial): the same job again, nothing reserved twice.
  const started = before.state === 'RUNNING' && before.rung === slot.rung;
  const reservation = started ? { admitted: true } : await reserveJob(ctx, study, before, target.resource);
  if (!reservation.admitted) return skip;
  const trial = await updateTrialWith(ctx, slot, (t) => {
    if (!isRunnableFor(t, slot.rung) || (t.state === 'RUNNING' && t.rung === slot.rung)) return undefined;
    const at = ctx.now().toISOString();
    return {
      ...t,
      state: 'RUNNING',
      rung: slot.rung,
      error: undefined,
      startedAt: t.startedAt ?? at,
      jobs: [...(t.jobs ?? []), openJob(ctx, slot.rung, reservation.forecastUsd)],
    };
  });
  if (trial.state !== 'RUNNING' || trial.rung !== slot.rung) {
    // Settled elsewhere meanwhile (pruned, finished): give the reservation back.
    await settleJobs(ctx, study, trial);
    return skip;
  }
  const issued = await issueJobToken(ctx, trial, study);
  return { ...slot, run: true, job: jobSpecFor(ctx, study, issued.trial, target.resource, issued.token) };
}

function isRunnableFor(trial: Trial, rung: number): boolean {
  const alreadyDone = trial.rung > rung || (trial.rung === rung && trial.rungValues[rung] !== undefined);
  return !alreadyDone && ['WAITING', 'PAUSED', 'RUNNING'].includes(trial.state);
}

/**
 * Ends the trial's rung from what its job reported (shared/study/engine/rung-end.ts): PAUSED
 * (awaiting promotion), COMPLETE or INFEASIBLE at the bracket's last rung, or FAILED.
 */
export async function observe(ctx: StepContext, input: z.infer<typeof observeInputSchema>) {
  const study = await loadStudy(ctx, input);
  const bracket = bracketOf(study, input.bracket);
  const slice = { ...input, target: bracket.rungs[input.rung].resource, top: input.rung === bracket.rungs.length - 1 };
  const end = await endOfSlice(ctx, study, slice);
  const trial = end.change ? await updateTrialWith(ctx, input, end.change) : end.trial;
  await afterSliceEnd(ctx, study, trial, input.rung);
  return { trialId: trial.trialId, state: trial.state };
}

/** Keeps the top 1/eta of the rung (the plan's count) and prunes the rest. */
export async function promote(ctx: StepContext, input: z.infer<typeof rungRefSchema>): Promise<RungPlan> {
  const study = await loadStudy(ctx, input);
  const bracket = bracketOf(study, input.bracket);
  const trials = await readAll((p) => ctx.store.listTrials(study.team, study.studyId, p));
  assertFailedTrialsWithin(study, trials);
  const next = bracket.rungs[input.rung + 1];
  if (!next || isWinding(study) || overWallClock(ctx, study)) return slotsFor(study, input.bracket, input.rung + 1, []);

  const goal = study.spec.objective.goal;
  // Every trial that finished this rung counts in the ranking, whatever happened to it since (pruned,
  // promoted, failed later): a rung value is written once, so a retried or resumed Promote picks the same set.
  const ranked = trials
    .filter((t) => t.bracket === input.bracket && t.rungValues[input.rung] !== undefined && t.rungValues[input.rung] !== null)
    .sort((a, b) => orient(goal, b.rungValues[input.rung]) - orient(goal, a.rungValues[input.rung]) || a.number - b.number);
  const promoted = ranked.slice(0, next.trials);
  for (const t of ranked.slice(next.trials)) {
    if (t.state === 'PAUSED') {
      await updateTrialWith(ctx, t, (c) =>
        c.state === 'PAUSED' && c.rung === input.rung ? { ...c, state: 'PRUNED', endedAt: ctx.now().toISOString() } : undefined,
      );
    }
  }
  return slotsFor(
    study,
    input.bracket,
    input.rung + 1,
    promoted.map((t) => t.trialId),
  );
}

/** Ends the study: COMPLETED (or STOPPED after a stop request) or FAILED; settles trials left open. */
export async function finalize(ctx: StepContext, input: z.infer<typeof finalizeInputSchema>) {
  const trials = await readAll((p) => ctx.store.listTrials(input.team, input.studyId, p));
  const current = await loadStudy(ctx, input);
  for (const t of trials) {
    let trial = t;
    if (input.outcome === 'FAILED') {
      // A failed study can be resumed: open trials stay open, and one whose job was cut off waits to run its rung again.
      if (t.state === 'RUNNING') {
        trial = await updateTrialWith(ctx, t, (c) =>
          c.state === 'RUNNING'
            ? {
                ...c,
                state: 'PAUSED',
                error: 'interrupted: the study failed while the trial ran; resuming the study runs this rung again',
                jobs: closeJob(current, c, ctx.now()),
              }
            : undefined,
        );
      }
    } else if (t.state === 'WAITING' || t.state === 'PAUSED') {
      trial = await updateTrialWith(ctx, t, (c) =>
        c.state === t.state ? { ...c, state: 'PRUNED', endedAt: ctx.now().toISOString() } : undefined,
      );
    } else if (t.state === 'RUNNING') {
      trial = await updateTrialWith(ctx, t, (c) =>
        c.state === 'RUNNING'
          ? {
              ...c,
              state: 'FAILED',
              error: 'interrupted: the study ended while the trial ran',
              endedAt: ctx.now().toISOString(),
              jobs: closeJob(current, c, ctx.now()),
            }
          : undefined,
      );
    }
    if (current.cost) await settleJobs(ctx, input, trial);
  }
  const settled = await readAll((p) => ctx.store.listTrials(input.team, input.studyId, p));
  const costUsd = jobsCostUsd(settled);
  const study = await updateStudyWith(ctx, input, (s) => {
    if (s.state === 'COMPLETED' || s.state === 'STOPPED' || s.state === 'FAILED') return undefined;
    // Search best when no retraining trial finished (none planned, or every one failed).
    const retrained = settled.filter((t) => isRetrainTrial(t) && t.value !== undefined);
    const answers = s.retrain && retrained.length > 0 ? retrained : searchTrials(settled);
    const best = answers.reduce((b, t) => pickBest(s.spec.objective.goal, b, t), undefined as Study['best']);
    // Jobs that never started leave no reservation behind.
    const cost = s.cost ? { ...s.cost, reservedUsd: {} } : undefined;
    if (input.outcome === 'FAILED') {
      const cause = input.error?.Cause ?? input.error?.Error ?? 'the workflow failed';
      return { ...s, state: 'FAILED', best, error: describeFailure(cause), costUsd, cost };
    }
    // A study whose every trial failed has no answer: FAILED with the first trial's reason, not COMPLETED.
    const search = searchTrials(settled);
    if (s.state === 'RUNNING' && search.length > 0 && search.every((t) => t.state === 'FAILED')) {
      const first = [...search].sort((a, b) => a.number - b.number)[0];
      return {
        ...s,
        state: 'FAILED',
        best,
        error: `every trial failed; trial ${first.trialId}: ${first.error ?? 'no reason recorded'}`.slice(0, 1000),
        costUsd,
        cost,
      };
    }
    return { ...s, state: s.state === 'STOPPING' ? 'STOPPED' : 'COMPLETED', best, costUsd, cost };
  });
  return { studyId: study.studyId, state: study.state, best: study.best };
}

/** Step Functions nest a child execution's error as JSON in Cause; keep the innermost message. */
function describeFailure(cause: string): string {
  let text = cause;
  for (let depth = 0; depth < 4; depth++) {
    try {
      const parsed = JSON.parse(text) as { Cause?: string; Error?: string; errorMessage?: string };
      const inner = parsed.Cause ?? parsed.errorMessage;
      if (typeof inner !== 'string') break;
      text = inner;
    } catch {
      break;
    }
  }
  return text.slice(0, 1000);
}
