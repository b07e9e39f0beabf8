import { Hono } from 'hono';
import { enqueueConfigs } from '../../shared/study/enqueue.js';
import { patchStudy, stopTrial } from '../../shared/study/steering.js';
import type { ApiDeps } from './deps.js';
import { personTeam } from './guards.js';
import { idempotencyKeyOf } from './idempotency.js';
import { jsonBody } from './request.js';
import { studyView, trialView } from './views.js';

/**
 * Steering a running study (shared/study/steering.ts says what each change can mean): change
 * parallelism or maxTrials, enqueue configurations to try before the sampler's, stop one trial.
 */
export function steeringRoutes(deps: ApiDeps): Hono {
  const { service } = deps;
  const app = new Hono();

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

  return app;
}
