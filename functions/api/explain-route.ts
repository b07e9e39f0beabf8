import { Hono } from 'hono';
import { explainStudy } from '../../shared/analysis/explain.js';
import type { ApiDeps } from './deps.js';
import { personTeam } from './guards.js';

/** `GET /studies/{id}/importance`: which parameters (and which choices of each) mattered. */
export function explainRoute(deps: ApiDeps): Hono {
  return new Hono().get('/studies/:studyId/importance', async (c) =>
    c.json(await explainStudy(deps.service.store, personTeam(deps, c), c.req.param('studyId'))),
  );
}
