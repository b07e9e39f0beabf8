import * as z from 'zod';
import { ConflictError, InvalidInputError, NotFoundError, RetryableConflictError } from '../errors.js';
import { SearchSpace } from '../space/space.js';
import { clientIdPattern } from '../store/keys.js';
import { readAll } from '../store/port.js';
import { outcomeFields, rungOutcome } from './objectives.js';
import { newTrial, suggestNew } from './engine/new-trial.js';
import { recordBest } from './engine/rung-end.js';
import { changeStudy, changeTrial, type CasContext } from './cas.js';
import { claimEnqueued, releaseEnqueued } from './enqueue.js';
import { externalLevels, isExternal, maxResourceOf } from './ladder.js';
import { zodIssues } from './spec.js';
import { isTrialFinished } from './trial-state.js';
import { finishedStudyStates, type Study, type Trial, type TrialState } from './types.js';

/**
 * Ask/tell for workers outside Batch (Vizier's SuggestTrials/CompleteTrial, Optuna's ask/tell),
 * for studies with `strategy.execution: external`: no workflow runs; each trial is created by a
 * suggest call, with params from the enqueued queue or the study's sampler seeded by the trial
 * number, as the workflow's Suggest does.
 *
 * Numbers come from the study's counter (the store's grantTrialNumber, one atomic update), so
 * concurrent workers never race for one number, and the same write records the number as the
 * worker's grant: duplicates of one suggest find it and take one number and one trial, and a
 * suggest that stops after the grant leaves its number to the worker's retry, so no number is
 * skipped. Then the trial is written (createTrial refuses a taken number).
 */
const metricName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_./-]{0,63}$/, 'must be a metric name');

export const suggestRequestSchema = z.strictObject({
  /** Names the worker: the same client gets its active trial back until it completes it. */
  clientId: z.string().regex(clientIdPattern, 'must be 1-128 letters, digits or _ . : @ -'),
});

export const completeRequestSchema = z
  .strictObject({
    /** Final metrics; the objective's value becomes the trial's value (else the last report's). */
    metrics: z.record(metricName, z.number().finite()).optional(),
    /** Resource trained (defaults to the last reported step, or the scheduler's max when nothing was reported). */
    step: z.number().finite().min(0).max(1e12).optional(),
    /** The configuration violates a constraint: the trial ends INFEASIBLE and no value is needed. */
    infeasible: z.boolean().optional(),
    /** The worker stopped the trial early (after `shouldStop`): it ends PRUNED. */
    pruned: z.boolean().optional(),
    reason: z.string().max(1000).optional(),
  })
  .refine((b) => !(b.infeasible && b.pruned), { message: 'a trial cannot be both infeasible and pruned', path: ['pruned'] });

export interface SuggestResult {
  /** Absent when the study has all its trials or is winding down (`done`). */
  trial?: Trial;
  done: boolean;
  /** How far to train the trial, in the scheduler's resource. */
  resource?: { name: string; max: number; levels: number[] };
}

async function externalStudy(ctx: CasContext, team: string, studyId: string): Promise<Study> {
  const study = await ctx.store.getStudy(team, studyId);
  if (!study) throw new NotFoundError(`study ${studyId} not found`);
  if (!isExternal(study))
    throw new ConflictError(`study ${studyId} runs its trials through its workflow: ask/tell needs strategy.execution: external`);
  return study;
}

export async function suggestTrial(ctx: CasContext, team: string, studyId: string, body: unknown): Promise<SuggestResult> {
  const parsed = suggestRequestSchema.safeParse(body);
  if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error), 'invalid suggest request');
  const { clientId } = parsed.data;
  let study = await externalStudy(ctx, team, studyId);
  const resource = { name: study.spec.strategy.scheduler.resource, max: maxResourceOf(study), levels: externalLevels(study) };
  if (finishedStudyStates.includes(study.state) || study.state === 'STOPPING') return { done: true };
  let trials = await readAll((p) => ctx.store.listTrials(team, studyId, p));
  const active = trials.find((t) => t.clientId === clientId && t.state === 'RUNNING');
  if (active) return { trial: active, done: false, resource };
  if (study.state === 'PENDING')
    study = await changeStudy(ctx, team, studyId, (s) => (s.state === 'PENDING' ? { ...s, state: 'RUNNING' } : undefined));

  const space = new SearchSpace(study.spec.parameters);
  for (let attempt = 0; attempt < maxSuggestAttempts; attempt++) {
    if (trials.length >= study.spec.limits.maxTrials) return { done: true };
    const number = await claimNumber(ctx, study, clientId, trials);
    if (number === undefined) return { done: true };
    const trialId = String(number);
    // The study as read above: an entry enqueued since then waits for the next suggest (a compare-and-set on the study item only when one waits).
    const waiting = (study.enqueued ?? []).some((e) => !e.trialId || e.trialId === trialId);
    const queued = waiting ? await claimEnqueued(ctx, study, trialId) : undefined;
    // An entry enqueued before composed values were stored lacks them; withComposed adds them.
    const params = queued ? space.withComposed(queued.params) : (await suggestNew(ctx, study, trials, [number], resource.max))[0];
    const at = ctx.now().toISOString();
    const fields = { state: 'RUNNING' as const, clientId, ...(queued ? { enqueuedId: queued.id } : {}), startedAt: at };
    const { trial, created } = await ctx.store.createTrial(newTrial(ctx, study, number, params, fields));
    // Created now, or by a duplicate of this suggest that claimed the same number.
    if (created || (trial.clientId === clientId && trial.state === 'RUNNING')) return { trial, done: false, resource };
    // Another worker wrote that number (a gap it filled): give the entry back and take another number.
    if (queued && trial.enqueuedId !== queued.id) await releaseEnqueued(ctx, study, queued.id, trialId);
    trials = await readAll((p) => ctx.store.listTrials(team, studyId, p));
    const mine = trials.find((t) => t.clientId === clientId && t.state === 'RUNNING');
    if (mine) return { trial: mine, done: false, resource };
  }
  throw new RetryableConflictError('too many workers raced for the trial numbers left: try again');
}

const maxSuggestAttempts = 20;

/**
 * The number this worker's suggest is for: its grant while that trial is not written (a duplicate
 * of this suggest in flight, or one that stopped after the grant), else a new grant from the
 * counter or, once the counter reached maxTrials, the smallest number below it without a trial
 * (granted to a worker that never came back, or being written by another worker: createTrial
 * decides). Undefined when none is left.
 */
async function claimNumber(ctx: CasContext, study: Study, clientId: string, trials: Trial[]): Promise<number | undefined> {
  const { team, studyId } = study;
  const below = study.spec.limits.maxTrials;
  const taken = new Set(trials.map((t) => t.number));
  const grant = await ctx.store.getTrialGrant(team, studyId, clientId);
  if (grant !== undefined && !taken.has(grant)) return grant;
  const from = trials.reduce((n, t) => Math.max(n, t.number + 1), 0);
  const next = await ctx.store.grantTrialNumber(team, studyId, clientId, { from: Math.min(from, below), below }, grant);
  if (next !== undefined) return next;
  const gap = Array.from({ length: below }, (_, i) => i).find((n) => !taken.has(n));
  return gap === undefined ? undefined : await ctx.store.grantTrialNumber(team, studyId, clientId, { number: gap }, grant);
}

export interface CompleteResult {
  trial: Trial;
  /** False when the trial had already ended this way (a retried request). */
  changed: boolean;
}

export async function completeTrial(
  ctx: CasContext,
  team: string,
  studyId: string,
  trialId: string,
  body: unknown,
): Promise<CompleteResult> {
  const parsed = completeRequestSchema.safeParse(body ?? {});
  if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error), 'invalid completion');
  const req = parsed.data;
  const study = await externalStudy(ctx, team, studyId);
  const before = await ctx.store.getTrial(team, studyId, trialId);
  if (!before) throw new NotFoundError(`trial ${trialId} of study ${studyId} not found`);
  const target: TrialState = req.infeasible ? 'INFEASIBLE' : req.pruned || before.stopRequested ? 'PRUNED' : 'COMPLETE';
  const metric = study.spec.objective.metric;
  if (isTrialFinished(before.state)) return completedBefore(ctx, before, target, req, metric);

  const measurements = await ctx.store.listMeasurements(team, studyId, trialId);
  const reported = measurements.filter((m) => Number.isFinite(m.metrics[metric]));
  const lastStep = measurements.at(-1)?.step;
  const step = req.step ?? lastStep ?? maxResourceOf(study);
  const value = req.metrics?.[metric] ?? reported.at(-1)?.metrics[metric];
  if (target !== 'INFEASIBLE' && value === undefined)
    throw new InvalidInputError(
      [{ path: `metrics.${metric}`, message: 'is required: the trial never reported the objective' }],
      'invalid completion',
    );
  // Pareto studies and constraints (shared/study/objectives.ts): the final metrics decide feasibility.
  const outcome = rungOutcome(study.spec, [...measurements, { step, metrics: req.metrics ?? {} }], Infinity, target === 'COMPLETE');
  if (outcome.missing)
    throw new InvalidInputError([{ path: 'metrics', message: `is incomplete: ${outcome.missing}` }], 'invalid completion');
  const final: TrialState = target === 'COMPLETE' && outcome.feasible === false ? 'INFEASIBLE' : target;
  if (req.metrics && Object.keys(req.metrics).length > 0) {
    await ctx.store.putMeasurement({ team, studyId, trialId, step, metrics: req.metrics, at: ctx.now().toISOString() });
  }

  const levels = externalLevels(study);
  let applied = false;
  const trial = await changeTrial(ctx, before, (t) => {
    applied = !isTrialFinished(t.state);
    if (!applied) return undefined;
    const at = ctx.now().toISOString();
    if (target === 'INFEASIBLE') return { ...t, state: 'INFEASIBLE', error: req.reason ?? 'infeasible', endedAt: at };
    const rungValues = [...t.rungValues];
    const top = levels.length - 1;
    if (step >= levels[top]) rungValues[top] = value!;
    const fields = outcomeFields(outcome);
    return {
      ...t,
      state: final,
      value,
      resource: Math.max(t.resource, step),
      rungValues,
      endedAt: at,
      ...(req.reason ? { error: req.reason } : {}),
      ...fields,
    };
  });
  // Another completion of the trial came first: this one is its retry, or refused.
  if (!applied) return completedBefore(ctx, trial, target, req, metric);
  await afterCompletion(ctx, team, studyId, trial);
  return { trial, changed: true };
}

/** A completion of a trial that has ended: the same completion again answers the trial as it is, another one is refused. */
async function completedBefore(
  ctx: CasContext,
  trial: Trial,
  target: TrialState,
  req: z.infer<typeof completeRequestSchema>,
  metric: string,
): Promise<CompleteResult> {
  const differences = completionDifferences(trial, target, req, metric);
  if (differences.length > 0)
    throw new ConflictError(`trial ${trial.trialId} is already ${trial.state}, not as this completion says: ${differences.join('; ')}`);
  // The first request may have stopped after the trial's write (its answer lost): repeat what follows it, which is idempotent.
  await afterCompletion(ctx, trial.team, trial.studyId, trial);
  return { trial, changed: false };
}

/**
 * How a completion differs from the one that ended the trial, one entry per field: empty for the
 * same completion told again (a retry), whose answer is the trial as it is. Fields the request
 * leaves out (the value from the last report, the step) are taken as they were.
 */
function completionDifferences(trial: Trial, target: TrialState, req: z.infer<typeof completeRequestSchema>, metric: string): string[] {
  const differences: string[] = [];
  // A completion that the study's constraints turned INFEASIBLE, told again, is the same completion.
  const judged = target === 'COMPLETE' && trial.state === 'INFEASIBLE' && trial.feasible === false;
  if (trial.state !== target && !judged) differences.push(`state ${trial.state}, this completion ${target}`);
  const value = req.metrics?.[metric];
  if (target !== 'INFEASIBLE' && value !== undefined && trial.value !== value)
    differences.push(`${metric} ${trial.value ?? 'none'}, this completion ${value}`);
  for (const [name, v] of Object.entries(req.metrics ?? {})) {
    const recorded = trial.metrics?.[name];
    if (name !== metric && recorded !== undefined && recorded !== v) differences.push(`${name} ${recorded}, this completion ${v}`);
  }
  if (req.step !== undefined && target !== 'INFEASIBLE' && trial.resource !== req.step)
    differences.push(`step ${trial.resource}, this completion ${req.step}`);
  const reason = req.reason ?? (target === 'INFEASIBLE' ? 'infeasible' : undefined);
  if (reason !== undefined && trial.error !== reason)
    differences.push(`reason ${JSON.stringify(trial.error ?? null)}, this completion ${JSON.stringify(reason)}`);
  return differences;
}

/** The writes after a trial's completion: the study's best, and the study's end once no trial runs. */
async function afterCompletion(ctx: CasContext, team: string, studyId: string, trial: Trial): Promise<void> {
  if (trial.value !== undefined) await recordBest(ctx, { team, studyId }, trial);
  await settleExternalStudy(ctx, team, studyId);
}

/**
 * An external study has no workflow to end it: it is COMPLETED once all its trials have ended,
 * and STOPPED once a stop was asked and no trial runs any more.
 */
export async function settleExternalStudy(ctx: CasContext, team: string, studyId: string): Promise<Study> {
  // Numbers are granted in order (none skipped): until the last one's trial exists, not every
  // trial was created, and one read spares a completion the listing of the whole study.
  const study = await ctx.store.getStudy(team, studyId);
  if (study?.state === 'RUNNING' && isExternal(study)) {
    const last = await ctx.store.getTrial(team, studyId, String(study.spec.limits.maxTrials - 1));
    if (!last) return study;
  }
  const trials = await readAll((p) => ctx.store.listTrials(team, studyId, p));
  const running = trials.some((t) => !isTrialFinished(t.state));
  // Awaited, not returned: the frame stays on the async stack, which names the write point in fault tests.
  return await changeStudy(ctx, team, studyId, (s) => {
    if (!isExternal(s) || running) return undefined;
    if (s.state === 'STOPPING') return { ...s, state: 'STOPPED' };
    if ((s.state === 'RUNNING' || s.state === 'PENDING') && trials.length >= s.spec.limits.maxTrials) return { ...s, state: 'COMPLETED' };
    return undefined;
  });
}
