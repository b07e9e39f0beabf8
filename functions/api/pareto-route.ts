import { Hono } from 'hono';
import { studyPareto } from '../../shared/analysis/pareto.js';
import type { ApiDeps } from './deps.js';
import { personTeam } from './guards.js';

/** `GET /studies/{id}/pareto`: the front over the study's objectives, its hypervolume, and the dominated and infeasible trials. */
export function paretoRoute(deps: ApiDeps): Hono {
  return new Hono().get('/studies/:studyId/pareto', async (c) =>
    c.json(await studyPareto(deps.service.store, personTeam(deps, c), c.req.param('studyId'))),
  );
}
