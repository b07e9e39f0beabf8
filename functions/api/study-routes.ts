import { Hono } from 'hono';
import { settleExternalStudy } from '../../shared/study/ask-tell.js';
import { isExternal } from '../../shared/study/ladder.js';
import { createStudy, getStudy, getTrial, listStudies, listTrials, reportMeasurement, stopStudy } from '../../shared/study/service.js';
import { readAll } from '../../shared/store/port.js';
import type { ApiDeps } from './deps.js';
import { personTeam, trialCallerTeam } from './guards.js';
import { idempotencyKeyOf } from './idempotency.js';
import { jsonBody, pageOf } from './request.js';
import { boundedPage } from './response-limit.js';
import { trialKey } from '../../shared/store/keys.js';
import { encodeStudyToken, encodeTrialToken } from '../../shared/store/pagination.js';
import { studyView, trialView } from './views.js';

/** Studies and their trials: create, list, show, stop; and the measurement route jobs report to. */
export function studyRoutes(deps: ApiDeps): Hono {
  const { service } = deps;
  const app = new Hono();

  app.post('/studies', async (c) => {
    const team = personTeam(deps, c);
    const body = await jsonBody(c);
    const study = await createStudy(service, team, body, deps.publicUrl(c), { idempotencyKey: idempotencyKeyOf(c) });
    // An external (ask/tell) study has no workflow: its trials come from suggest calls.
    if (!isExternal(study)) await deps.starter.start({ team, studyId: study.studyId }, study.studyId);
    return c.json(studyView(study), 201);
  });

  app.get('/studies', async (c) => {
    const team = personTeam(deps, c);
    const page = await listStudies(service, team, pageOf(c));
    return c.json(boundedPage(page, (s) => studyView(s), encodeStudyToken));
  });

  app.get('/studies/:studyId', async (c) => {
    const team = personTeam(deps, c);
    const study = await getStudy(service, team, c.req.param('studyId'));
    const trials = await readAll((p) => service.store.listTrials(team, study.studyId, p));
    return c.json(studyView(study, trials, service.now()));
  });

  app.post('/studies/:studyId/stop', async (c) => {
    const team = personTeam(deps, c);
    const stopping = await stopStudy(service, team, c.req.param('studyId'));
    const study = isExternal(stopping) ? await settleExternalStudy(service, team, stopping.studyId) : stopping;
    return c.json(studyView(study), 202);
  });

  app.get('/studies/:studyId/trials', async (c) => {
    const team = personTeam(deps, c);
    const page = await listTrials(service, team, c.req.param('studyId'), pageOf(c));
    return c.json(boundedPage(page, trialView, (t) => encodeTrialToken(trialKey(team, t.studyId, t.trialId).sk)));
  });

  app.get('/studies/:studyId/trials/:trialId', async (c) => {
    const team = personTeam(deps, c);
    const trial = await getTrial(service, team, c.req.param('studyId'), c.req.param('trialId'));
    return c.json(trialView(trial));
  });

  app.post('/studies/:studyId/trials/:trialId/measurements', async (c) => {
    const target = { studyId: c.req.param('studyId'), trialId: c.req.param('trialId') };
    const team = await trialCallerTeam(deps, c, target);
    const body = await jsonBody(c);
    const result = await reportMeasurement(service, team, target.studyId, target.trialId, body);
    return c.json(result, result.stored ? 201 : 200);
  });

  return app;
}
