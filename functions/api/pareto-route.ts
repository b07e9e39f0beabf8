import type { Hono } from 'hono';
import { NotFoundError } from '../../shared/errors.js';
import { studyPareto } from '../../shared/analysis/pareto.js';
import type { ApiDeps } from './app.js';

/** `GET /studies/{id}/pareto`: the front over the study's objectives, its hypervolume, and the dominated and infeasible trials. */
export function registerParetoRoute(app: Hono, deps: ApiDeps): void {
  app.get('/studies/:studyId/pareto', async (c) => {
    const caller = deps.identify(c);
    // A job's credential reaches only the measurement route: it looks like nothing else exists.
    if (caller.kind !== 'person') throw new NotFoundError('not found');
    return c.json(await studyPareto(deps.service.store, caller.team, c.req.param('studyId')));
  });
}
