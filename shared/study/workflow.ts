import { z } from 'zod';
import { NotFoundError, RetryableConflictError, RungError } from '../errors.js';
import { createRng, deriveSeed } from '../rng.js';
import type { Observation } from '../samplers/sampler.js';
import { samplerFor } from '../samplers/registry.js';
import { planBrackets, type Bracket } from '../schedulers/brackets.js';
import { SearchSpace } from '../space/space.js';
import { readAll, type StudyStore } from '../store/port.js';
import { orient, pickBest } from './best.js';
import { jobSpecFor, type JobSpec } from './job.js';
import { assertTrialTransition } from './trial-state.js';
import type { Study, Trial } from './types.js';

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

const id = z.string().min(1).max(128);
export const studyRefSchema = z.object({ team: id, studyId: id });
export const bracketInputSchema = studyRefSchema.extend({ bracket: z.number().int().min(0), name: z.string().optional() });
export const rungRefSchema = bracketInputSchema.extend({ rung: z.number().int().min(0) });
export const trialSlotSchema = rungRefSchema.extend({ trialId: z.string().regex(/^\d{1,8}$/) });
export const observeInputSchema = trialSlotSchema.extend({
  run: z.boolean().optional(),
  job: z.unknown().optional(),
  jobError: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});
export const finalizeInputSchema = studyRefSchema.extend({
  outcome: z.enum(['COMPLETED', 'FAILED']),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

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

/** Raised by Promote when a study has more failed trials than `limits.maxFailedTrials`. */
export class TooManyFailedTrialsError extends RungError {}

async function loadStudy(ctx: StepContext, ref: StudyRef): Promise<Study> {
  const study = await ctx.store.getStudy(ref.team, ref.studyId);
  if (!study) throw new NotFoundError(`study ${ref.studyId} not found`);
  return study;
}

async function loadTrial(ctx: StepContext, ref: StudyRef & { trialId: string }): Promise<Trial> {
  const trial = await ctx.store.getTrial(ref.team, ref.studyId, ref.trialId);
  if (!trial) throw new NotFoundError(`trial ${ref.trialId} of study ${ref.studyId} not found`);
  return trial;
}

/** Compare-and-set with re-read: `change` returns the next value or undefined to leave it as is. */
export async function updateStudyWith(
  ctx: StepContext,
  ref: StudyRef,
  change: (s: Study) => Study | undefined,
): Promise<Study> {
  for (let attempt = 0; ; attempt++) {
    const current = await loadStudy(ctx, ref);
    const next = change(current);
    if (!next) return current;
    try {
      return await ctx.store.updateStudy({ ...next, updatedAt: ctx.now().toISOString() });
    } catch (e) {
      if (!(e instanceof RetryableConflictError) || attempt >= 20) throw e;
    }
  }
}

async function updateTrialWith(
  ctx: StepContext,
  ref: StudyRef & { trialId: string },
  change: (t: Trial) => Trial | undefined,
): Promise<Trial> {
  for (let attempt = 0; ; attempt++) {
    const current = await loadTrial(ctx, ref);
    const next = change(current);
    if (!next) return current;
    assertTrialTransition(current.state, next.state);
    try {
      return await ctx.store.updateTrial({ ...next, updatedAt: ctx.now().toISOString() });
    } catch (e) {
      if (!(e instanceof RetryableConflictError) || attempt >= 20) throw e;
    }
  }
}

function bracketOf(study: Study, index: number): Bracket {
  const bracket = planBrackets(study.spec.strategy.scheduler, study.spec.limits.maxTrials)[index];
  if (!bracket) throw new NotFoundError(`study ${study.studyId} has no bracket ${index}`);
  return bracket;
}

function isWinding(study: Study): boolean {
  return study.state !== 'RUNNING';
}

function overWallClock(ctx: StepContext, study: Study): boolean {
  const limit = study.spec.limits.maxWallClock;
  return limit !== undefined && ctx.now().getTime() - Date.parse(study.createdAt) > limit * 1000;
}

export async function plan(ctx: StepContext, input: StudyRef) {
  const study = await updateStudyWith(ctx, input, (s) =>
    s.state === 'PENDING' || s.state === 'FAILED' ? { ...s, state: 'RUNNING', error: undefined } : undefined,
  );
  const brackets = isWinding(study) ? [] : planBrackets(study.spec.strategy.scheduler, study.spec.limits.maxTrials);
  return {
    team: study.team,
    studyId: study.studyId,
    parallelism: study.spec.limits.parallelism,
    brackets: brackets.map(
      (b): BracketInput => ({ team: study.team, studyId: study.studyId, bracket: b.index, name: `${study.studyId}-${study.attempt}-b${b.index}` }),
    ),
  };
}

function observationsOf(study: Study, trials: Trial[]): Observation[] {
  const goal = study.spec.objective.goal;
  return trials.flatMap((t) =>
    t.rungValues.flatMap((v, rung) => {
      if (v === undefined || v === null) return [];
      return [{ params: t.params, score: orient(goal, v), resource: rungResource(study, t.bracket, rung) }];
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
  if (isWinding(study) || overWallClock(ctx, study)) return slotsFor(study, input.bracket, 0, []);
  const bracket = bracketOf(study, input.bracket);
  const space = new SearchSpace(study.spec.parameters);
  const sampler = samplerFor(study.spec.strategy.sampler);
  const trials = await readAll((p) => ctx.store.listTrials(study.team, study.studyId, p));
  const byNumber = new Map(trials.map((t) => [t.number, t]));
  const observations = observationsOf(study, trials);
  const pending = trials.filter((t) => t.rungValues.length === 0 && t.state !== 'FAILED').map((t) => t.params);
  const maxResource = Math.max(...bracket.rungs.map((r) => r.resource));
  const ids: string[] = [];
  for (let i = 0; i < bracket.rungs[0].trials; i++) {
    const number = bracket.firstTrial + i;
    ids.push(String(number));
    if (byNumber.has(number)) continue;
    const params = sampler.suggest({
      space,
      observations,
      pending,
      maxResource,
      index: number,
      rng: createRng(deriveSeed(study.seed, number)),
    });
    pending.push(params);
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
  const before = await loadTrial(ctx, slot);
  const alreadyDone = before.rung > slot.rung || (before.rung === slot.rung && before.rungValues[slot.rung] !== undefined);
  if (alreadyDone || !['WAITING', 'PAUSED', 'RUNNING'].includes(before.state)) return skip;
  const trial = await updateTrialWith(ctx, slot, (t) =>
    t.state === 'RUNNING' && t.rung === slot.rung
      ? undefined
      : { ...t, state: 'RUNNING', rung: slot.rung, startedAt: t.startedAt ?? ctx.now().toISOString() },
  );
  return { ...slot, run: true, job: jobSpecFor(ctx, study, trial, target.resource) };
}

/** Ends the trial's rung from what its job reported: PAUSED (awaiting promotion), COMPLETE or FAILED. */
export async function observe(ctx: StepContext, input: z.infer<typeof observeInputSchema>) {
  const study = await loadStudy(ctx, input);
  const bracket = bracketOf(study, input.bracket);
  const target = bracket.rungs[input.rung];
  const current = await loadTrial(ctx, input);
  if (current.state !== 'RUNNING' || current.rung !== input.rung) return { trialId: current.trialId, state: current.state };

  const metric = study.spec.objective.metric;
  const measurements = await ctx.store.listMeasurements(study.team, study.studyId, current.trialId);
  const reported = measurements.filter((m) => m.step <= target.resource && Number.isFinite(m.metrics[metric]));
  const last = reported.at(-1);
  const isLastRung = input.rung === bracket.rungs.length - 1;
  const at = ctx.now().toISOString();

  const trial = await updateTrialWith(ctx, input, (t) => {
    if (t.state !== 'RUNNING' || t.rung !== input.rung) return undefined;
    if (input.jobError || !last) {
      const why = input.jobError
        ? `job failed: ${input.jobError.Error ?? 'error'}${input.jobError.Cause ? `: ${input.jobError.Cause.slice(0, 500)}` : ''}`
        : `the job never reported the objective metric "${metric}"`;
      return { ...t, state: 'FAILED', error: why, endedAt: at };
    }
    const rungValues = [...t.rungValues];
    rungValues[input.rung] = last.metrics[metric];
    return {
      ...t,
      state: isLastRung ? 'COMPLETE' : 'PAUSED',
      resource: Math.max(t.resource, last.step),
      rungValues,
      value: last.metrics[metric],
      endedAt: isLastRung ? at : t.endedAt,
    };
  });
  if (trial.state === 'COMPLETE' || trial.state === 'PAUSED') await recordBest(ctx, study, trial);
  return { trialId: trial.trialId, state: trial.state };
}

async function recordBest(ctx: StepContext, study: Study, trial: Trial) {
  await updateStudyWith(ctx, study, (s) => {
    const best = pickBest(s.spec.objective.goal, s.best, trial);
    return best === s.best ? undefined : { ...s, best };
  });
}

/** Keeps the top 1/eta of the rung (the plan's count) and prunes the rest. */
export async function promote(ctx: StepContext, input: z.infer<typeof rungRefSchema>): Promise<RungPlan> {
  const study = await loadStudy(ctx, input);
  const bracket = bracketOf(study, input.bracket);
  const trials = await readAll((p) => ctx.store.listTrials(study.team, study.studyId, p));
  const maxFailed = study.spec.limits.maxFailedTrials;
  const failed = trials.filter((t) => t.state === 'FAILED').length;
  if (maxFailed !== undefined && failed > maxFailed) {
    throw new TooManyFailedTrialsError(`${failed} trials failed, more than limits.maxFailedTrials (${maxFailed})`);
  }
  const next = bracket.rungs[input.rung + 1];
  if (!next || isWinding(study) || overWallClock(ctx, study)) return slotsFor(study, input.bracket, input.rung + 1, []);

  const goal = study.spec.objective.goal;
  // PRUNED ones count in the ranking so that a retried Promote picks the same set.
  const ranked = trials
    .filter((t) => t.bracket === input.bracket && t.rung === input.rung && (t.state === 'PAUSED' || t.state === 'PRUNED'))
    .filter((t) => t.rungValues[input.rung] !== undefined)
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
  for (const t of trials) {
    if (t.state === 'WAITING' || t.state === 'PAUSED') {
      await updateTrialWith(ctx, t, (c) => (c.state === t.state ? { ...c, state: 'PRUNED', endedAt: ctx.now().toISOString() } : undefined));
    } else if (t.state === 'RUNNING') {
      await updateTrialWith(ctx, t, (c) =>
        c.state === 'RUNNING' ? { ...c, state: 'FAILED', error: 'interrupted: the study ended while the trial ran', endedAt: ctx.now().toISOString() } : undefined,
      );
    }
  }
  const settled = await readAll((p) => ctx.store.listTrials(input.team, input.studyId, p));
  const study = await updateStudyWith(ctx, input, (s) => {
    if (s.state === 'COMPLETED' || s.state === 'STOPPED' || s.state === 'FAILED') return undefined;
    const best = settled.reduce((b, t) => pickBest(s.spec.objective.goal, b, t), undefined as Study['best']);
    if (input.outcome === 'FAILED') {
      const cause = input.error?.Cause ?? input.error?.Error ?? 'the workflow failed';
      return { ...s, state: 'FAILED', best, error: describeFailure(cause) };
    }
    return { ...s, state: s.state === 'STOPPING' ? 'STOPPED' : 'COMPLETED', best };
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
