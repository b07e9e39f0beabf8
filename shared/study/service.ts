import { createHash } from 'node:crypto';
import * as z from 'zod';
import { canonicalJson } from './idempotency.js';
import { ConflictError, InvalidInputError, NotFoundError, RetryableConflictError } from '../errors.js';
import type { StudyStore } from '../store/port.js';
import { isTrialFinished } from './trial-state.js';
import { stopAdvice } from './stop-advice.js';
import { candidatesSchema } from './retrain-schema.js';
import { creationIssues } from './creation-issues.js';
import { parseStudySpec, zodIssues } from './spec.js';
import { warmStartConfigs } from './warm-start.js';
import { finishedStudyStates, type Measurement, type Page, type PageRequest, type Study, type Trial } from './types.js';

/**
 * What the API does, independent of HTTP: every use case of a study that a person or a job
 * starts. Randomness and time come in as parameters.
 */
export interface ServiceContext {
  store: StudyStore;
  now: () => Date;
  /** Uniform in [0, 1): only for ids and seeds. */
  random: () => number;
}

export const measurementSchema = z.strictObject({
  step: z.number().finite().min(0).max(1e12),
  metrics: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_./-]{0,63}$/, 'must be a metric name'), z.number().finite())
    .refine((m) => Object.keys(m).length > 0, 'must report at least one metric')
    .refine((m) => Object.keys(m).length <= 50, 'at most 50 metrics per measurement'),
  /** Architectures the search found (kept for the study's retraining phase, `retrain.from: candidates`). */
  candidates: candidatesSchema.optional(),
});

export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  nextToken: z.string().max(2048).optional(),
});

function studyIdFor(name: string, random: () => number): string {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 24) || 'study';
  const suffix = Array.from({ length: 8 }, () => '0123456789abcdefghijklmnopqrstuvwxyz'[Math.floor(random() * 36)]).join('');
  return `${slug}-${suffix}`;
}

/** Validates the spec (every problem with its path) and writes the study as PENDING. */
/**
 * The study id a create with this idempotency key gets: the same key always names the same study,
 * so a create retried after a crash between its writes finds the study instead of making another.
 */
function studyIdForKey(name: string, team: string, key: string): string {
  const digest = createHash('sha256').update(`${team}\n${key}`).digest();
  let n = digest.readBigUInt64BE(0);
  let suffix = '';
  for (let i = 0; i < 10; i++, n /= 36n) suffix += '0123456789abcdefghijklmnopqrstuvwxyz'[Number(n % 36n)];
  return `${studyIdFor(name, () => 0).replace(/-0+$/, '')}-${suffix}`;
}

/** Validates the spec (every problem with its path) and writes the study as PENDING. */
export async function createStudy(
  ctx: ServiceContext,
  team: string,
  body: unknown,
  apiUrl?: string,
  options: { idempotencyKey?: string } = {},
): Promise<Study> {
  const spec = parseStudySpec(body);
  const issues = creationIssues(spec);
  if (issues.length > 0) throw new InvalidInputError(issues, 'invalid study spec');
  const at = ctx.now().toISOString();
  const warm = await warmStartConfigs(ctx.store, team, spec, at);
  const study: Study = {
    team,
    studyId:
      options.idempotencyKey === undefined ? studyIdFor(spec.name, ctx.random) : studyIdForKey(spec.name, team, options.idempotencyKey),
    name: spec.name,
    spec,
    state: 'PENDING',
    seed: spec.strategy.seed ?? Math.floor(ctx.random() * 2 ** 31),
    attempt: 1,
    apiUrl,
    ...(warm.length > 0 ? { enqueued: warm, enqueuedCount: warm.length } : {}),
    createdAt: at,
    updatedAt: at,
    version: 0,
  };
  try {
    await ctx.store.createStudy(study);
  } catch (e) {
    // The same key again (a retry whose first attempt wrote the study): that study is the answer.
    const existing =
      e instanceof ConflictError && options.idempotencyKey !== undefined ? await ctx.store.getStudy(team, study.studyId) : undefined;
    if (existing && canonicalJson(existing.spec) === canonicalJson(spec)) return existing;
    throw e;
  }
  return study;
}

/** The name of the study's workflow execution for its current attempt (StartExecution is idempotent per name). */
export function executionName(study: Pick<Study, 'studyId' | 'attempt'>): string {
  return study.attempt <= 1 ? study.studyId : `${study.studyId}-${study.attempt}`;
}

/**
 * Resumes a FAILED study: the next attempt starts a new workflow execution, which skips every
 * trial-rung already done (their results stay) and runs the rest. A study already resumed and not
 * yet running (PENDING) answers as it is, so that a retried resume starts the same execution.
 */
export async function resumeStudy(ctx: ServiceContext, team: string, studyId: string, apiUrl?: string): Promise<Study> {
  for (let attempt = 0; ; attempt++) {
    const study = await getStudy(ctx, team, studyId);
    if (study.state === 'PENDING') return study;
    if (study.state !== 'FAILED') throw new ConflictError(`study ${studyId} is ${study.state}: only a FAILED study can be resumed`);
    try {
      return await ctx.store.updateStudy({
        ...study,
        state: 'PENDING',
        attempt: study.attempt + 1,
        error: undefined,
        // Jobs of the new attempt report where the API is now (RUNG_API_URL).
        ...(apiUrl !== undefined ? { apiUrl } : {}),
        updatedAt: ctx.now().toISOString(),
      });
    } catch (e) {
      if (!(e instanceof RetryableConflictError) || attempt >= 20) throw e;
    }
  }
}

export async function getStudy(ctx: ServiceContext, team: string, studyId: string): Promise<Study> {
  const study = await ctx.store.getStudy(team, studyId);
  if (!study) throw new NotFoundError(`study ${studyId} not found`);
  return study;
}

export function listStudies(ctx: ServiceContext, team: string, page: PageRequest): Promise<Page<Study>> {
  return ctx.store.listStudies(team, page);
}

/**
 * Asks a study to stop gracefully: no new job starts, running jobs finish their slice, and the
 * workflow ends the study as STOPPED. A finished study cannot be stopped (409).
 */
export async function stopStudy(ctx: ServiceContext, team: string, studyId: string): Promise<Study> {
  for (let attempt = 0; ; attempt++) {
    const study = await getStudy(ctx, team, studyId);
    if (finishedStudyStates.includes(study.state)) throw new ConflictError(`study ${studyId} is already ${study.state}`);
    if (study.state === 'STOPPING') return study;
    try {
      return await ctx.store.updateStudy({ ...study, state: 'STOPPING', updatedAt: ctx.now().toISOString() });
    } catch (e) {
      if (!(e instanceof RetryableConflictError) || attempt >= 20) throw e;
    }
  }
}

export async function listTrials(ctx: ServiceContext, team: string, studyId: string, page: PageRequest): Promise<Page<Trial>> {
  await getStudy(ctx, team, studyId);
  return ctx.store.listTrials(team, studyId, page);
}

export async function getTrial(
  ctx: ServiceContext,
  team: string,
  studyId: string,
  trialId: string,
): Promise<Trial & { measurements: Measurement[] }> {
  await getStudy(ctx, team, studyId);
  const trial = await ctx.store.getTrial(team, studyId, trialId);
  if (!trial) throw new NotFoundError(`trial ${trialId} of study ${studyId} not found`);
  const measurements = await ctx.store.listMeasurements(team, studyId, trialId);
  return { ...trial, measurements };
}

/**
 * A step reported again with other values than the ones stored for it. The first report stands
 * (the scheduler may already have ranked the trial by it); a job that re-runs steps after resuming
 * from a checkpoint meets this for the steps its earlier attempt reported, and goes on.
 */
export class MeasurementConflictError extends ConflictError {}

/**
 * A job reports the metrics of one step. Stored once per step: a retried request (the same
 * values) changes nothing and says so (`stored: false`); other values for a stored step are
 * refused (409 MeasurementConflict naming the step and both values), and change nothing either.
 */
export async function reportMeasurement(ctx: ServiceContext, team: string, studyId: string, trialId: string, body: unknown) {
  const parsed = measurementSchema.safeParse(body);
  if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error), 'invalid measurement');
  const study = await getStudy(ctx, team, studyId);
  const trial = await ctx.store.getTrial(team, studyId, trialId);
  if (!trial) throw new NotFoundError(`trial ${trialId} of study ${studyId} not found`);
  if (isTrialFinished(trial.state)) throw new ConflictError(`trial ${trialId} is already ${trial.state}`);
  const stored = await ctx.store.putMeasurement({
    team,
    studyId,
    trialId,
    step: parsed.data.step,
    metrics: parsed.data.metrics,
    ...(parsed.data.candidates ? { candidates: parsed.data.candidates } : {}),
    at: ctx.now().toISOString(),
  });
  if (!stored) await refuseOtherValues(ctx, team, studyId, trialId, parsed.data);
  // The job should wind down (checkpoint, exit 0) once the study is asked to stop, the trial is
  // asked to stop, or (ask/tell) ASHA's rule says so.
  const winding = study.state === 'STOPPING' || finishedStudyStates.includes(study.state);
  return { stored, shouldStop: winding || (await stopAdvice(ctx, study, trial, parsed.data)) };
}

/** Throws MeasurementConflictError when the step's stored report has other metrics or candidates than `sent`. */
async function refuseOtherValues(
  ctx: ServiceContext,
  team: string,
  studyId: string,
  trialId: string,
  sent: z.infer<typeof measurementSchema>,
): Promise<void> {
  const first = (await ctx.store.listMeasurements(team, studyId, trialId)).find((m) => m.step === sent.step);
  if (!first) return;
  const metricsDiffer = canonicalJson(first.metrics) !== canonicalJson(sent.metrics);
  const candidatesDiffer = canonicalJson(first.candidates ?? []) !== canonicalJson(sent.candidates ?? []);
  if (!metricsDiffer && !candidatesDiffer) return;
  const what = metricsDiffer
    ? `metrics ${canonicalJson(first.metrics)} stored, ${canonicalJson(sent.metrics)} sent${candidatesDiffer ? ' (and other candidates)' : ''}`
    : `the same metrics with ${first.candidates?.length ?? 0} candidates stored, ${sent.candidates?.length ?? 0} other ones sent`;
  throw new MeasurementConflictError(`step ${sent.step} of trial ${trialId} was reported before with other values, which stand: ${what}`);
}
