import { Hono } from 'hono';
import { completeTrial, suggestTrial } from '../../shared/study/ask-tell.js';
import type { ApiDeps } from './deps.js';
import { personTeam } from './guards.js';
import { jsonBody } from './request.js';
import { trialView } from './views.js';

/**
 * Ask/tell for workers outside Batch (studies with `strategy.execution: external`): a worker asks
 * for a trial, reports measurements on the usual route (whose answer says whether to stop), and
 * completes the trial.
 */
export function askTellRoutes(deps: ApiDeps): Hono {
  const { service } = deps;
  const app = new Hono();

  app.post('/studies/:studyId/trials/suggest', async (c) => {
    const team = personTeam(deps, c);
    const result = await suggestTrial(service, team, c.req.param('studyId'), await jsonBody(c));
    return c.json({ ...result, trial: result.trial ? trialView(result.trial) : null });
  });

  app.post('/studies/:studyId/trials/:trialId/complete', async (c) => {
    const team = personTeam(deps, c);
    const body = await jsonBody(c, { optional: true });
    const result = await completeTrial(service, team, c.req.param('studyId'), c.req.param('trialId'), body);
    return c.json({ trial: trialView(result.trial), changed: result.changed });
  });

  return app;
}
