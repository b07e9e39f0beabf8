import type { Hono } from 'hono';
import { enqueueConfigs } from '../../shared/study/enqueue.js';
import { patchStudy, stopTrial } from '../../shared/study/steering.js';
import { studyView, trialView, type ApiDeps } from './app.js';
import { personTeam } from './ask-tell-routes.js';
import { jsonBody } from './body.js';
import { idempotencyKeyOf } from './idempotency.js';

/**
 * Steering a running study (shared/study/steering.ts says what each change can mean): change
 * parallelism or maxTrials, enqueue configurations to try before the sampler's, stop one trial.
 * Mounted by createApi.
 */
export function registerSteeringRoutes(app: Hono, deps: ApiDeps): void {
  const { service } = deps;

  app.patch('/studies/:studyId', async (c) => {
    const team = personTeam(deps, c);
    const study = await patchStudy(service, team, c.req.param('studyId'), await jsonBody(c));
    return c.json(studyView(study));
  });

  app.post('/studies/:studyId/trials/enqueue', async (c) => {
    const team = personTeam(deps, c);
    const result = await enqueueConfigs(service, team, c.req.param('studyId'), await jsonBody(c), { idempotencyKey: idempotencyKeyOf(c) });
    return c.json(result, 201);
  });

  app.post('/studies/:studyId/trials/:trialId/stop', async (c) => {
    const team = personTeam(deps, c);
    const trial = await stopTrial(service, team, c.req.param('studyId'), c.req.param('trialId'));
    return c.json(trialView(trial), 202);
  });
}
