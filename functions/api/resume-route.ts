import type { Hono } from 'hono';
import { NotFoundError } from '../../shared/errors.js';
import { executionName, resumeStudy } from '../../shared/study/service.js';
import { studyView, type ApiDeps } from './app.js';

/**
 * `POST /studies/{id}/resume`: a FAILED study runs again as a new attempt (a new workflow
 * execution) that skips every trial-rung already done. 202; 409 unless the study is FAILED (or
 * already resumed and about to run, which answers the same again).
 */
export function registerResumeRoute(app: Hono, deps: ApiDeps): void {
  app.post('/studies/:studyId/resume', async (c) => {
    const caller = deps.identify(c);
    if (caller.kind !== 'person') throw new NotFoundError('not found');
    const study = await resumeStudy(deps.service, caller.team, c.req.param('studyId'));
    await deps.starter.start({ team: caller.team, studyId: study.studyId }, executionName(study));
    return c.json(studyView(study), 202);
  });
}
