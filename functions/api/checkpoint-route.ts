import { Hono } from 'hono';
import * as z from 'zod';
import { InvalidInputError, NotFoundError } from '../../shared/errors.js';
import { checkpointUri } from '../../shared/study/job.js';
import { zodIssues } from '../../shared/study/spec.js';
import type { ApiDeps } from './deps.js';
import { trialCallerTeam } from './guards.js';
import { jsonBody } from './request.js';

/** How long a checkpoint URL lasts: a job asks again for each read or write. */
export const checkpointUrlSeconds = 900;

export const checkpointUrlRequestSchema = z.strictObject({
  /** One object of the trial's checkpoint folder. */
  name: z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/, 'must be 1-128 letters, digits or . _ - (not starting with a dot)'),
  method: z.enum(['GET', 'PUT']),
});

/**
 * `POST /studies/{id}/trials/{trialId}/checkpoint-url`: a URL for one object of the trial's
 * checkpoint folder (`RUNG_CHECKPOINT_URI/<name>`), valid 15 minutes. A job's token reaches its own
 * trial only (403 for any other), so a job reads and writes its own checkpoint and nothing else:
 * the job role has no S3 access to the artifact bucket. A person of the team may ask too.
 */
export function checkpointRoute(deps: ApiDeps): Hono {
  return new Hono().post('/studies/:studyId/trials/:trialId/checkpoint-url', async (c) => {
    const target = { studyId: c.req.param('studyId'), trialId: c.req.param('trialId') };
    const team = await trialCallerTeam(deps, c, target);
    const parsed = checkpointUrlRequestSchema.safeParse(await jsonBody(c));
    if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error), 'invalid checkpoint URL request');
    const trial = await deps.service.store.getTrial(team, target.studyId, target.trialId);
    if (!trial) throw new NotFoundError(`trial ${target.trialId} of study ${target.studyId} not found`);
    if (!deps.checkpoints)
      throw new NotFoundError('checkpoint URLs are issued on AWS only: the embedded runtime hands each job a local folder (file://)');
    const { name, method } = parsed.data;
    const uri = `${checkpointUri(deps.checkpoints.base, trial)}/${name}`;
    const url = await deps.checkpoints.url(uri, method, checkpointUrlSeconds);
    const expiresAt = new Date(deps.service.now().getTime() + checkpointUrlSeconds * 1000).toISOString();
    return c.json({ uri, method, url, expiresAt });
  });
}
