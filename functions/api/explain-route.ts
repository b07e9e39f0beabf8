import type { Hono } from 'hono';
import { NotFoundError } from '../../shared/errors.js';
import { explainStudy } from '../../shared/analysis/explain.js';
import type { ApiDeps } from './app.js';

/** `GET /studies/{id}/importance`: which parameters (and which choices of each) mattered. */
export function registerExplainRoute(app: Hono, deps: ApiDeps): void {
  app.get('/studies/:studyId/importance', async (c) => {
    const caller = deps.identify(c);
    if (caller.kind !== 'person') throw new NotFoundError('not found');
    return c.json(await explainStudy(deps.service.store, caller.team, c.req.param('studyId')));
  });
}
