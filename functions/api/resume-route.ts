import { Hono } from 'hono';
import { executionName, resumeStudy } from '../../shared/study/service.js';
import type { ApiDeps } from './deps.js';
import { personTeam } from './guards.js';
import { studyView } from './views.js';

/**
 * `POST /studies/{id}/resume`: a FAILED study runs again as a new attempt (a new workflow
 * execution) that skips every trial-rung already done. 202; 409 unless the study is FAILED (or
 * already resumed and about to run, which answers the same again).
 */
export function resumeRoute(deps: ApiDeps): Hono {
  return new Hono().post('/studies/:studyId/resume', async (c) => {
    const team = personTeam(deps, c);
    // The API's address now: the embedded runtime's port changes from one process to the next.
    const study = await resumeStudy(deps.service, team, c.req.param('studyId'), deps.publicUrl(c));
    await deps.starter.start({ team, studyId: study.studyId }, executionName(study));
    return c.json(studyView(study), 202);
  });
}
