import type { Context, Hono } from 'hono';
import { NotFoundError } from '../../shared/errors.js';
import { completeTrial, suggestTrial } from '../../shared/study/ask-tell.js';
import { trialView, type ApiDeps } from './app.js';
import { jsonBody } from './body.js';

/** The team of a person's credential; a job's credential sees no such route. */
export function personTeam(deps: ApiDeps, c: Context): string {
  const caller = deps.identify(c);
  if (caller.kind !== 'person') throw new NotFoundError('not found');
  return caller.team;
}

/**
 * Ask/tell for workers outside Batch (studies with `strategy.execution: external`): a worker asks
 * for a trial, reports measurements on the usual route (whose answer says whether to stop), and
 * completes the trial. Mounted by createApi.
 */
export function registerAskTellRoutes(app: Hono, deps: ApiDeps): void {
  const { service } = deps;

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
}
