import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  RetryableConflictError,
  RungError,
  UnauthenticatedError,
  type Issue,
} from '../../shared/errors.js';
import {
  createStudy,
  getStudy,
  getTrial,
  listStudies,
  listTrials,
  pageQuerySchema,
  reportMeasurement,
  stopStudy,
  type ServiceContext,
} from '../../shared/study/service.js';
import { zodIssues } from '../../shared/study/spec.js';
import { readAll } from '../../shared/store/port.js';
import { utilization } from '../../shared/analysis/utilization.js';
import type { Study, Trial } from '../../shared/study/types.js';
import { settleExternalStudy } from '../../shared/study/ask-tell.js';
import { isExternal } from '../../shared/study/ladder.js';
import { registerAskTellRoutes } from './ask-tell-routes.js';
import { registerSteeringRoutes } from './steering-routes.js';
import { idempotency, idempotencyKeyOf } from './idempotency.js';
import { jsonDepthGuard } from './json-depth.js';
import { registerResumeRoute } from './resume-route.js';
import { registerExplainRoute } from './explain-route.js';
import { registerParetoRoute } from './pareto-route.js';

/** Starts the study workflow: Step Functions on AWS, aws-local-stepfunctions in the embedded runtime. */
export interface ExecutionStarter {
  /** Idempotent for a given name: a second start with the same name starts nothing. */
  start(input: { team: string; studyId: string }, name: string): Promise<void>;
}

export interface Caller {
  team: string;
  /** Jobs may only report measurements. */
  kind: 'person' | 'job';
}

export interface ApiDeps {
  service: ServiceContext;
  starter: ExecutionStarter;
  /** Who is calling, from a credential the transport checked (never from a header anyone can set). */
  identify(c: Context): Caller;
  /** The base URL (`.../v1`) that jobs of a study created by this request report to. */
  publicUrl(c: Context): string | undefined;
  log?: { error(message: string, ...extra: Record<string, unknown>[]): void };
}

export const maxBodyBytes = 256 * 1024;

const statusOf = (e: RungError): 400 | 401 | 404 | 409 | 503 => {
  if (e instanceof InvalidInputError) return 400;
  if (e instanceof UnauthenticatedError) return 401;
  if (e instanceof NotFoundError) return 404;
  if (e instanceof ConflictError) return 409;
  if (e instanceof RetryableConflictError) return 503;
  return 400;
};

function errorBody(code: string, message: string, details?: Issue[]) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') throw new InvalidInputError([{ path: '', message: 'a JSON body is required' }]);
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError([{ path: '', message: 'the body is not valid JSON' }]);
  }
}

function pageOf(c: Context) {
  const parsed = pageQuerySchema.safeParse(c.req.query());
  if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error), 'invalid query');
  return parsed.data;
}

/** What a study looks like on the API: the stored item without store internals. */
export function studyView(study: Study, trials?: Trial[], now = new Date()) {
  // Bookkeeping that is no part of the study's view: its version and the keys of enqueue requests.
  const { version: _version, enqueueRequests: _requests, ...rest } = study;
  if (!trials) return rest;
  const trialCounts: Record<string, number> = {};
  for (const t of trials) trialCounts[t.state] = (trialCounts[t.state] ?? 0) + 1;
  const busy = utilization(trials, study.spec.limits.parallelism, now);
  return { ...rest, trialCounts, ...(busy ? { utilization: busy } : {}) };
}

export function trialView<T extends Trial>(trial: T) {
  const { version: _version, team: _team, ...rest } = trial;
  return rest;
}

/**
 * The REST API v1, one definition for API Gateway (functions/api/handler.ts) and the local
 * server (runtime/local-api.ts). Known errors render themselves; anything else is logged and
 * answered with a bare 500 that leaks nothing.
 */
export function createApi(deps: ApiDeps) {
  const { service } = deps;
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof RungError) {
      const details = err instanceof InvalidInputError ? err.issues : undefined;
      return c.json(errorBody(err.name.replace(/Error$/, ''), err.message, details), statusOf(err));
    }
    deps.log?.error('unhandled error', { error: err instanceof Error ? err.stack : String(err) });
    return c.json(errorBody('Internal', 'internal error'), 500);
  });
  app.notFound((c) => c.json(errorBody('NotFound', `no route ${c.req.method} ${c.req.path}`), 404));

  app.use(
    '*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => c.json(errorBody('PayloadTooLarge', `the body exceeds ${maxBodyBytes} bytes`), 413),
    }),
  );
  app.use('*', jsonDepthGuard());
  app.use('*', idempotency(deps));

  const person = (c: Context) => {
    const caller = deps.identify(c);
    // A job's credential reaches only the measurement route: it looks like nothing else exists.
    if (caller.kind !== 'person') throw new NotFoundError('not found');
    return caller.team;
  };

  app.post('/studies', async (c) => {
    const team = person(c);
    const body = await jsonBody(c);
    const study = await createStudy(service, team, body, deps.publicUrl(c), { idempotencyKey: idempotencyKeyOf(c) });
    // An external (ask/tell) study has no workflow: its trials come from suggest calls.
    if (!isExternal(study)) await deps.starter.start({ team, studyId: study.studyId }, study.studyId);
    return c.json(studyView(study), 201);
  });

  app.get('/studies', async (c) => {
    const team = person(c);
    const page = await listStudies(service, team, pageOf(c));
    return c.json({ items: page.items.map((s) => studyView(s)), nextToken: page.nextToken });
  });

  app.get('/studies/:studyId', async (c) => {
    const team = person(c);
    const study = await getStudy(service, team, c.req.param('studyId'));
    const trials = await readAll((p) => service.store.listTrials(team, study.studyId, p));
    return c.json(studyView(study, trials, service.now()));
  });

  app.post('/studies/:studyId/stop', async (c) => {
    const team = person(c);
    const stopping = await stopStudy(service, team, c.req.param('studyId'));
    const study = isExternal(stopping) ? await settleExternalStudy(service, team, stopping.studyId) : stopping;
    return c.json(studyView(study), 202);
  });

  app.get('/studies/:studyId/trials', async (c) => {
    const team = person(c);
    const page = await listTrials(service, team, c.req.param('studyId'), pageOf(c));
    return c.json({ items: page.items.map(trialView), nextToken: page.nextToken });
  });

  app.get('/studies/:studyId/trials/:trialId', async (c) => {
    const team = person(c);
    const trial = await getTrial(service, team, c.req.param('studyId'), c.req.param('trialId'));
    return c.json(trialView(trial));
  });

  app.post('/studies/:studyId/trials/:trialId/measurements', async (c) => {
    const { team } = deps.identify(c);
    const body = await jsonBody(c);
    const result = await reportMeasurement(service, team, c.req.param('studyId'), c.req.param('trialId'), body);
    return c.json(result, result.stored ? 201 : 200);
  });

  registerAskTellRoutes(app, deps);
  registerSteeringRoutes(app, deps);
  registerResumeRoute(app, deps);
  registerExplainRoute(app, deps);
  registerParetoRoute(app, deps);

  return app;
}
