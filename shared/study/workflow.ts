import type { z } from 'zod';
import { NotFoundError, RungError } from '../errors.js';
import { createRng, deriveSeed } from '../rng.js';
import { samplerFor } from '../samplers/registry.js';
import { planBrackets, type Bracket } from '../schedulers/brackets.js';
import type { Params } from '../space/schema.js';
import { SearchSpace } from '../space/space.js';
import { readAll, type StudyStore } from '../store/port.js';
import { orient, pickBest } from './best.js';
import { hourlyPrice, jobCostUsd, jobForecastUsd } from '../cost/cost.js';
import { changeStudy, changeTrial } from './cas.js';
import { takeEnqueued } from './enqueue.js';
import { jobSpecFor, type JobSpec } from './job.js';
import { planLanes } from './lanes.js';
import { observationOf, outcomeFields, rungOutcome } from './objectives.js';
import { observationsFor, studySampler, type RungResult } from './observed.js';
import { isRetrainTrial, RETRAIN_BRACKET, retrainBracket, searchTrials } from './retrain.js';
import type { bracketInputSchema, finalizeInputSchema, observeInputSchema, planInputSchema, rungRefSchema, studyRefSchema, trialSlotSchema } from './step-inputs.js';
import type { Study, StudyCost, Trial, TrialJob } from './types.js';

/**
 * The steps of the study workflow (docs/workflow.md), one function per Task state. Each is
 * idempotent: Step Functions may deliver a step twice, and a crash between two writes is repaired
 * by the next call. Handlers in functions/steps are thin wrappers around these.
 */
export interface StepContext {
  store: StudyStore;
  now: () => Date;
  /** `s3://bucket` on AWS, `file:///abs/path` in the embedded runtime. */
  artifactBaseUri: string;
  /** Bearer token handed to local jobs for the local API; empty on AWS (jobs sign with SigV4). */
  jobApiToken?: string;
}

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

/** Raised by Promote and NextJob when a study has more failed trials than `limits.maxFailedTrials`. */
export class TooManyFailedTrialsError extends RungError {}

/**
 * Fails the step (and so the execution, which MarkFailed then records) once more search trials
 * failed than `limits.maxFailedTrials` allows: Promote checks it between rungs, NextJob and
 * Replan before each new job of an asynchronous study.
 */
export function assertFailedTrialsWithin(study: Study, trials: Trial[]): void {
  const maxFailed = study.spec.limits.maxFailedTrials;
  if (maxFailed === undefined) return;
  const failed = trials.filter((t) => t.state === 'FAILED' && t.phase !== 'retrain').length;
  if (failed > maxFailed) throw new TooManyFailedTrialsError(`${failed} trials failed, more than limits.maxFailedTrials (${maxFailed})`);
}

export async function loadStudy(ctx: StepContext, ref: StudyRef): Promise<Study> {
  const study = await ctx.store.getStudy(ref.team, ref.studyId);
  if (!study) throw new NotFoundError(`study ${ref.studyId} not found`);
  return study;
}

export async function loadTrial(ctx: StepContext, ref: StudyRef & { trialId: string }): Promise<Trial> {
  const trial = await ctx.store.getTrial(ref.team, ref.studyId, ref.trialId);
  if (!trial) throw new NotFoundError(`trial ${ref.trialId} of study ${ref.studyId} not found`);
  return trial;
}

/** Compare-and-set with re-read (shared/study/cas.ts): `change` returns the next value or undefined to leave it as is. */
export async function updateStudyWith(ctx: StepContext, ref: StudyRef, change: (s: Study) => Study | undefined): Promise<Study> {
  return await changeStudy(ctx, ref.team, ref.studyId, change);
}

/** As updateStudyWith, for a trial; a change of state must be a legal transition. */
export async function updateTrialWith(ctx: StepContext, ref: StudyRef & { trialId: string }, change: (t: Trial) => Trial | undefined): Promise<Trial> {
  return await changeTrial(ctx, ref, change);
}

function bracketOf(study: Study, index: number): Bracket {
  const bracket = index === RETRAIN_BRACKET ? retrainBracket(study) : planBrackets(study.spec.strategy.scheduler, study.spec.limits.maxTrials)[index];
  if (!bracket) throw new NotFoundError(`study ${study.studyId} has no bracket ${index}`);
  return bracket;
}

export function isWinding(study: Study): boolean {
  return study.state !== 'RUNNING';
}

export function overWallClock(ctx: StepContext, study: Study): boolean {
  const limit = study.spec.limits.maxWallClock;
  return limit !== undefined && ctx.now().getTime() - Date.parse(study.createdAt) > limit * 1000;
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
    brackets: brackets.map(
      (b): BracketInput => ({ team: study.team, studyId: study.studyId, bracket: b.index, name: `${study.studyId}-${study.attempt}-b${b.index}` }),
    ),
  };
}

function resultsOf(study: Study, trials: Trial[]): RungResult[] {
  return trials.flatMap((t) =>
    t.rungValues.flatMap((v, rung) => {
      if (v === undefined || v === null) return [];
      // With objectives or constraints it also carries feasibility and every objective (shared/study/objectives.ts).
      return [{ trial: t, rung, observation: observationOf(study.spec, t, rung, v, rungResource(study, t.bracket, rung)) }];
    }),
  );
}

function rungResource(study: Study, bracket: number, rung: number): number {
  return bracketOf(study, bracket).rungs[rung]?.resource ?? 0;
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
  if (!planBrackets(study.spec.strategy.scheduler, study.spec.limits.maxTrials)[input.bracket]) return slotsFor(study, input.bracket, 0, []);
  if (isWinding(study) || overWallClock(ctx, study)) return slotsFor(study, input.bracket, 0, []);
  const bracket = bracketOf(study, input.bracket);
  const space = new SearchSpace(study.spec.parameters);
  const sampler = samplerFor(study.spec.strategy.sampler);
  const trials = searchTrials(await readAll((p) => ctx.store.listTrials(study.team, study.studyId, p)));
  const byNumber = new Map(trials.map((t) => [t.number, t]));
  const suggester = studySampler(ctx, study, sampler, space, observationsFor(sampler, resultsOf(study, trials)));
  const pending = trials.filter((t) => t.rungValues.length === 0 && t.state !== 'FAILED').map((t) => t.params);
  const maxResource = Math.max(...bracket.rungs.map((r) => r.resource));
  const ids: string[] = [];
  const missing: { number: number; params: Params }[] = [];
  for (let i = 0; i < bracket.rungs[0].trials; i++) {
    const number = bracket.firstTrial + i;
    ids.push(String(number));
    if (byNumber.has(number)) continue;
    const params = await suggester.suggest({ pending, maxResource, index: number, rng: createRng(deriveSeed(study.seed, number)) });
    pending.push(params);
    missing.push({ number, params });
  }
  // The sampler's state (if it keeps one) before the trials: it only caches what the observations
  // determine, so a crash in between leaves a Suggest whose retry makes the same suggestions.
  await suggester.save();
  for (const { number, params } of missing) {
    const at = ctx.now().toISOString();
    await ctx.store.createTrial({
      team: study.team,
      studyId: study.studyId,
      trialId: String(number),
      number,
      bracket: bracket.index,
      rung: 0,
      params,
      state: 'WAITING',
      resource: 0,
      rungValues: [],
      createdAt: at,
      updatedAt: at,
      version: 0,
    });
  }
  return slotsFor(study, bracket.index, 0, ids);
}

/** The retraining bracket's trials, which PlanRetrain created (shared/study/retrain-plan.ts). */
async function retrainSlots(ctx: StepContext, study: Study): Promise<RungPlan> {
  const bracket = retrainBracket(study);
  if (!bracket || isWinding(study) || overWallClock(ctx, study)) return slotsFor(study, RETRAIN_BRACKET, 0, []);
  const ids = Array.from({ length: bracket.rungs[0].trials }, (_, i) => String(bracket.firstTrial + i));
  return slotsFor(study, RETRAIN_BRACKET, 0, ids);
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
    const job: TrialJob = { rung: slot.rung, startedAt: at, ...(reservation.forecastUsd !== undefined ? { forecastUsd: reservation.forecastUsd } : {}) };
    return { ...t, state: 'RUNNING', rung: slot.rung, error: undefined, startedAt: t.startedAt ?? at, jobs: [...(t.jobs ?? []), job] };
  });
  if (trial.state !== 'RUNNING' || trial.rung !== slot.rung) {
    // Settled elsewhere meanwhile (pruned, finished): give the reservation back.
    await settleJobs(ctx, study, trial);
    return skip;
  }
  return { ...slot, run: true, job: jobSpecFor(ctx, study, trial, target.resource) };
}

function isRunnableFor(trial: Trial, rung: number): boolean {
  const alreadyDone = trial.rung > rung || (trial.rung === rung && trial.rungValues[rung] !== undefined);
  return !alreadyDone && ['WAITING', 'PAUSED', 'RUNNING'].includes(trial.state);
}

/** USD per hour and seconds per resource unit of the study's jobs, when they can be priced. */
function pricingOf(study: Study): { usdPerHour: number; secondsPerResource?: number } | undefined {
  const { usdPerHour } = hourlyPrice(study.spec);
  return usdPerHour === undefined ? undefined : { usdPerHour, secondsPerResource: study.spec.trial.secondsPerResource };
}

const reservationKey = (trialId: string, jobIndex: number) => `${trialId}#${jobIndex}`;
const emptyCost = (): StudyCost => ({ spentUsd: 0, reservedUsd: {} });
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * Admits the trial's next job against `limits.maxCostUsd`: one compare-and-set on the study
 * reserves the job's forecast unless spent + reserved + forecast would cross the budget. The key
 * is the job's index on the trial, so a retried StartTrial reserves nothing twice.
 */
export async function reserveJob(ctx: StepContext, study: Study, trial: Trial, resourceTo: number): Promise<{ admitted: boolean; forecastUsd?: number }> {
  const pricing = pricingOf(study);
  const forecastUsd =
    pricing?.secondsPerResource === undefined ? undefined : jobForecastUsd(pricing.usdPerHour, pricing.secondsPerResource, trial.resource, resourceTo);
  const max = study.spec.limits.maxCostUsd;
  if (max === undefined || forecastUsd === undefined) return { admitted: true, forecastUsd };
  const key = reservationKey(trial.trialId, trial.jobs?.length ?? 0);
  let admitted = false;
  await updateStudyWith(ctx, study, (s) => {
    const cost = s.cost ?? emptyCost();
    admitted = key in cost.reservedUsd;
    if (admitted) return undefined;
    const committed = cost.spentUsd + sum(Object.values(cost.reservedUsd));
    if (committed + forecastUsd > max * (1 + 1e-12)) return cost.budgetExhausted ? undefined : { ...s, cost: { ...cost, budgetExhausted: true } };
    admitted = true;
    return { ...s, cost: { ...cost, reservedUsd: { ...cost.reservedUsd, [key]: forecastUsd } } };
  });
  return { admitted, forecastUsd };
}

/**
 * Moves the trial's ended jobs from reserved to spent, each once: the key leaves `reservedUsd` in
 * the same write that adds the job's cost. Reservations of the trial without a started job (a
 * StartTrial that stopped between its two writes) are dropped when `dropUnstarted`.
 */
export async function settleJobs(ctx: StepContext, ref: StudyRef, trial: Trial, dropUnstarted = true): Promise<void> {
  const jobs = trial.jobs ?? [];
  const prefix = `${trial.trialId}#`;
  await updateStudyWith(ctx, ref, (s) => {
    if (!s.cost) return undefined;
    const reserved = { ...s.cost.reservedUsd };
    let spent = s.cost.spentUsd;
    let changed = false;
    for (const key of Object.keys(reserved)) {
      if (!key.startsWith(prefix)) continue;
      const job = jobs[Number(key.slice(prefix.length))];
      const running = trial.state === 'RUNNING' && job !== undefined && job.endedAt === undefined;
      if (running || (job === undefined && !dropUnstarted)) continue;
      if (job?.endedAt !== undefined) spent += job.costUsd ?? 0;
      delete reserved[key];
      changed = true;
    }
    return changed ? { ...s, costUsd: spent, cost: { ...s.cost, spentUsd: spent, reservedUsd: reserved } } : undefined;
  });
}

/** Ends the trial's open job: its runtime (from Batch when the state passes it, else from the step times) and cost. */
export function closeJob(study: Study, trial: Trial, at: Date, input?: z.infer<typeof observeInputSchema>): TrialJob[] | undefined {
  const jobs = [...(trial.jobs ?? [])];
  const last = jobs.at(-1);
  if (!last || last.endedAt !== undefined) return trial.jobs;
  const batch = batchTimes(input);
  const seconds = batch ? batch.seconds : Math.max(0, (at.getTime() - Date.parse(last.startedAt)) / 1000);
  const pricing = pricingOf(study);
  jobs[jobs.length - 1] = { ...last, endedAt: at.toISOString(), seconds, ...(pricing ? { costUsd: jobCostUsd(pricing.usdPerHour, seconds) } : {}) };
  return jobs;
}

/** StartedAt/StoppedAt of the Batch job, from its result or from a failed job's Cause. */
function batchTimes(input?: z.infer<typeof observeInputSchema>): { seconds: number } | undefined {
  let times: { StartedAt?: unknown; StoppedAt?: unknown } | undefined = input?.jobResult;
  if (!times && input?.jobError?.Cause) {
    try {
      times = JSON.parse(input.jobError.Cause) as typeof times;
    } catch {
      times = undefined;
    }
  }
  const { StartedAt, StoppedAt } = times ?? {};
  if (typeof StartedAt !== 'number' || typeof StoppedAt !== 'number' || StoppedAt < StartedAt) return undefined;
  return { seconds: (StoppedAt - StartedAt) / 1000 };
}

/** Ends the trial's rung from what its job reported: PAUSED (awaiting promotion), COMPLETE or FAILED. */
export async function observe(ctx: StepContext, input: z.infer<typeof observeInputSchema>) {
  const study = await loadStudy(ctx, input);
  const bracket = bracketOf(study, input.bracket);
  const target = bracket.rungs[input.rung];
  const current = await loadTrial(ctx, input);
  if (current.state !== 'RUNNING' || current.rung !== input.rung) {
    // A retried Observe: the trial write happened; repeat what may not have (best, cost), which is idempotent.
    if (current.rung === input.rung && (current.state === 'PAUSED' || current.state === 'COMPLETE' || current.state === 'INFEASIBLE')) await recordBest(ctx, study, current);
    await settleJobs(ctx, study, current, false);
    return { trialId: current.trialId, state: current.state };
  }

  const metric = study.spec.objective.metric;
  const measurements = await ctx.store.listMeasurements(study.team, study.studyId, current.trialId);
  const reported = measurements.filter((m) => m.step <= target.resource && Number.isFinite(m.metrics[metric]));
  const last = reported.at(-1);
  const isLastRung = input.rung === bracket.rungs.length - 1;
  const outcome = rungOutcome(study.spec, measurements, target.resource, isLastRung);
  const now = ctx.now();
  const at = now.toISOString();

  const trial = await updateTrialWith(ctx, input, (t) => {
    if (t.state !== 'RUNNING' || t.rung !== input.rung) return undefined;
    const jobs = closeJob(study, t, now, input);
    if (input.jobError || !last) {
      const why = input.jobError
        ? `job failed: ${input.jobError.Error ?? 'error'}${input.jobError.Cause ? `: ${input.jobError.Cause.slice(0, 500)}` : ''}`
        : `the job never reported the objective metric "${metric}"`;
      return { ...t, state: 'FAILED', error: why, endedAt: at, jobs };
    }
    if (outcome.missing) return { ...t, state: 'FAILED', error: outcome.missing, endedAt: at, jobs, ...outcomeFields(outcome) };
    const rungValues = [...t.rungValues];
    rungValues[input.rung] = last.metrics[metric];
    return {
      ...t,
      // A trial a person stopped keeps its last result but is not promoted; one that ends violating a constraint is INFEASIBLE.
      state: t.stopRequested ? 'PRUNED' : isLastRung ? (outcome.feasible === false ? 'INFEASIBLE' : 'COMPLETE') : 'PAUSED',
      resource: Math.max(t.resource, last.step),
      rungValues,
      value: last.metrics[metric],
      endedAt: isLastRung ? at : t.endedAt,
      jobs,
      ...outcomeFields(outcome),
    };
  });
  if (trial.state === 'COMPLETE' || trial.state === 'PAUSED' || trial.state === 'INFEASIBLE') await recordBest(ctx, study, trial);
  await settleJobs(ctx, study, trial, false);
  return { trialId: trial.trialId, state: trial.state };
}

export async function recordBest(ctx: StepContext, study: Study, trial: Trial) {
  await updateStudyWith(ctx, study, (s) => {
    // Once the retraining is planned, the study's answer is its best retrained trial.
    if (s.retrain !== undefined && !isRetrainTrial(trial)) return undefined;
    const best = pickBest(s.spec.objective.goal, s.best, trial);
    return best === s.best ? undefined : { ...s, best };
  });
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
      await updateTrialWith(ctx, t, (c) => (c.state === 'PAUSED' && c.rung === input.rung ? { ...c, state: 'PRUNED', endedAt: ctx.now().toISOString() } : undefined));
    }
  }
  return slotsFor(study, input.bracket, input.rung + 1, promoted.map((t) => t.trialId));
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
            ? { ...c, state: 'PAUSED', error: 'interrupted: the study failed while the trial ran; resuming the study runs this rung again', jobs: closeJob(current, c, ctx.now()) }
            : undefined,
        );
      }
    } else if (t.state === 'WAITING' || t.state === 'PAUSED') {
      trial = await updateTrialWith(ctx, t, (c) => (c.state === t.state ? { ...c, state: 'PRUNED', endedAt: ctx.now().toISOString() } : undefined));
    } else if (t.state === 'RUNNING') {
      trial = await updateTrialWith(ctx, t, (c) =>
        c.state === 'RUNNING'
          ? { ...c, state: 'FAILED', error: 'interrupted: the study ended while the trial ran', endedAt: ctx.now().toISOString(), jobs: closeJob(current, c, ctx.now()) }
          : undefined,
      );
    }
    if (current.cost) await settleJobs(ctx, input, trial);
  }
  const settled = await readAll((p) => ctx.store.listTrials(input.team, input.studyId, p));
  const priced = settled.flatMap((t) => (t.jobs ?? []).map((j) => j.costUsd)).filter((c): c is number => c !== undefined);
  const costUsd = priced.length > 0 ? sum(priced) : undefined;
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
      return { ...s, state: 'FAILED', best, error: `every trial failed; trial ${first.trialId}: ${first.error ?? 'no reason recorded'}`.slice(0, 1000), costUsd, cost };
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
