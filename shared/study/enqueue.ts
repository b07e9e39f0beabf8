import * as z from 'zod';
import { ConflictError, InvalidInputError, NotFoundError, type Issue } from '../errors.js';
import { SearchSpace } from '../space/space.js';
import { valueBytes } from '../store/item-size.js';
import { readAll } from '../store/port.js';
import { changeStudy, changeTrial, type CasContext } from './cas.js';
import { zodIssues } from './spec.js';
import { finishedStudyStates, type EnqueuedConfig, type Study, type Trial } from './types.js';

/**
 * Manual tuning beside the sampler: a person enqueues configurations, and each is taken by the
 * next trial that starts from scratch (a workflow trial at its first StartTrial, an ask/tell trial
 * at suggest), before the sampler is asked. The queue lives on the study item, and a trial claims
 * an entry with one compare-and-set on it, so two trials never take the same entry.
 */
export const maxWaitingConfigs = 100;

/**
 * The queue lives on the study item, which DynamoDB caps at 400 KB with the spec and everything
 * else the study keeps: the entries still on it may take this much (DynamoDB's way of counting).
 */
export const maxEnqueuedBytes = 160 * 1024;

export const enqueueRequestSchema = z.strictObject({
  configs: z
    .array(z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])))
    .min(1, 'must hold at least one configuration')
    .max(maxWaitingConfigs),
});

/** Enqueue requests remembered by key on the study item (the idempotency record is written after the request, so it cannot be the guard). */
const maxEnqueueRequests = 100;

export async function enqueueConfigs(
  ctx: CasContext,
  team: string,
  studyId: string,
  body: unknown,
  options: { idempotencyKey?: string } = {},
): Promise<{ enqueued: EnqueuedConfig[]; waiting: number }> {
  const parsed = enqueueRequestSchema.safeParse(body);
  if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error), 'invalid configurations');
  const first = await ctx.store.getStudy(team, studyId);
  if (!first) throw new NotFoundError(`study ${studyId} not found`);
  const space = new SearchSpace(first.spec.parameters);
  // Stored as a trial will hold them: an architecture given by its composed value alone expanded into its dimensions.
  const normalized = parsed.data.configs.map((config) => space.normalize(config));
  const issues: Issue[] = normalized.flatMap((n, i) => n.issues.map((p) => ({ path: `configs.${i}.${p.path}`, message: p.message })));
  if (issues.length > 0) throw new InvalidInputError(issues, 'configurations outside the search space');
  const configs = normalized.map((n) => n.config);
  // Entries whose trial has taken them are history: the trial keeps `enqueuedId`.
  const trials = await readAll((p) => ctx.store.listTrials(team, studyId, p));
  const applied = new Set(trials.filter((t) => t.enqueuedId).map((t) => t.enqueuedId));
  let added: EnqueuedConfig[] = [];
  const key = options.idempotencyKey;
  const study = await changeStudy(ctx, team, studyId, (s) => {
    // The same request again (its first run wrote, then its answer was lost): the same answer, nothing added.
    const seen = key === undefined ? undefined : (s.enqueueRequests ?? []).find((r) => r.key === key);
    if (seen) {
      added = configs.map((params, i) => ({ id: `q${seen.firstId + i}`, params, at: seen.at }));
      return undefined;
    }
    if (finishedStudyStates.includes(s.state) || s.state === 'STOPPING')
      throw new ConflictError(`study ${studyId} is ${s.state}: nothing more will start`);
    const kept = (s.enqueued ?? []).filter((e) => !(e.trialId && applied.has(e.id)));
    const waiting = kept.filter((e) => !e.trialId).length;
    if (waiting + configs.length > maxWaitingConfigs)
      throw new ConflictError(`at most ${maxWaitingConfigs} configurations may wait (${waiting} do)`);
    const count = s.enqueuedCount ?? 0;
    const at = ctx.now().toISOString();
    added = configs.map((params, i) => ({ id: `q${count + i}`, params, at }));
    const bytes = valueBytes([...kept, ...added]);
    if (bytes > maxEnqueuedBytes)
      throw new InvalidInputError(
        [
          {
            path: 'configs',
            message: `the study's queue would take ${bytes} bytes, more than ${maxEnqueuedBytes}: enqueue fewer or shorter configurations, or wait until some have run`,
          },
        ],
        'too much to enqueue',
      );
    const requests =
      key === undefined ? s.enqueueRequests : [...(s.enqueueRequests ?? []), { key, firstId: count, at }].slice(-maxEnqueueRequests);
    return { ...s, enqueued: [...kept, ...added], enqueuedCount: count + added.length, ...(requests ? { enqueueRequests: requests } : {}) };
  });
  return { enqueued: added, waiting: (study.enqueued ?? []).filter((e) => !e.trialId).length };
}

/**
 * Claims the first waiting entry for `trialId` (or returns the one it already claimed, so that a
 * retried step takes the same configuration). Undefined when the queue is empty.
 */
export async function claimEnqueued(
  ctx: CasContext,
  study: Pick<Study, 'team' | 'studyId'>,
  trialId: string,
): Promise<EnqueuedConfig | undefined> {
  let claimed: EnqueuedConfig | undefined;
  await changeStudy(ctx, study.team, study.studyId, (s) => {
    const queue = s.enqueued ?? [];
    claimed = queue.find((e) => e.trialId === trialId);
    if (claimed) return undefined;
    const i = queue.findIndex((e) => !e.trialId);
    if (i < 0) return undefined;
    claimed = { ...queue[i], trialId };
    return { ...s, enqueued: queue.map((e, j) => (j === i ? claimed! : e)) };
  });
  return claimed;
}

/** Gives a claimed entry back (the trial it was claimed for went to someone else). */
export async function releaseEnqueued(
  ctx: CasContext,
  study: Pick<Study, 'team' | 'studyId'>,
  entryId: string,
  trialId: string,
): Promise<void> {
  await changeStudy(ctx, study.team, study.studyId, (s) => {
    const queue = s.enqueued ?? [];
    if (!queue.some((e) => e.id === entryId && e.trialId === trialId)) return undefined;
    return { ...s, enqueued: queue.map((e) => (e.id === entryId ? { id: e.id, params: e.params, at: e.at } : e)) };
  });
}

/**
 * For the workflow's StartTrial: a trial about to start from scratch takes the next enqueued
 * configuration instead of the one the sampler gave it at Suggest. Returns the trial as it is now.
 */
export async function takeEnqueued(ctx: CasContext, study: Study, trial: Trial, rung: number): Promise<Trial> {
  if (rung !== 0 || trial.state !== 'WAITING' || trial.resource !== 0 || trial.enqueuedId) return trial;
  if (!(study.enqueued ?? []).some((e) => !e.trialId || e.trialId === trial.trialId)) return trial;
  const entry = await claimEnqueued(ctx, study, trial.trialId);
  if (!entry) return trial;
  // Entries enqueued before composed values were stored lack them; a job reads them.
  const params = new SearchSpace(study.spec.parameters).withComposed(entry.params);
  // Awaited, not returned: the frame stays on the async stack, which names the write point in fault tests.
  return await changeTrial(ctx, trial, (t) =>
    t.state === 'WAITING' && t.resource === 0 && !t.enqueuedId ? { ...t, params, enqueuedId: entry.id } : undefined,
  );
}
