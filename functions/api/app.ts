import { Hono } from 'hono';
import { askTellRoutes } from './ask-tell-routes.js';
import { bodyLimit } from './body-limit.js';
import { checkpointRoute } from './checkpoint-route.js';
import { responseLimit } from './response-limit.js';
import { jsonContentType } from './content-type.js';
import type { ApiDeps } from './deps.js';
import { renderError } from './errors.js';
import { explainRoute } from './explain-route.js';
import { idempotency } from './idempotency.js';
import { jsonDepthGuard } from './json-depth.js';
import { paretoRoute } from './pareto-route.js';
import { resumeRoute } from './resume-route.js';
import { steeringRoutes } from './steering-routes.js';
import { studyRoutes } from './study-routes.js';
import { unrouted } from './unrouted.js';

export type { ApiDeps, Caller, ExecutionStarter } from './deps.js';
export { maxBodyBytes } from './body-limit.js';

/**
 * The REST API v1, one definition for API Gateway (functions/api/handler.ts) and the local
 * server (runtime/local-api.ts): the middleware every request passes, then each group of routes
 * as a sub-app. Known errors render themselves (functions/api/errors.ts); anything else is
 * logged and answered with a bare 500 that leaks nothing.
 */
export function createApi(deps: ApiDeps) {
  const app = new Hono();
  app.onError(renderError(deps));

  // Order matters: the answer's size checked around everything, the body's size limit before
  // anything reads the body, the media type and depth checks before anything parses it.
  app.use('*', responseLimit());
  app.use('*', bodyLimit());
  app.use('*', jsonContentType());
  app.use('*', jsonDepthGuard());
  app.use('*', idempotency(deps));

  for (const routes of [studyRoutes, askTellRoutes, steeringRoutes, resumeRoute, explainRoute, paretoRoute, checkpointRoute])
    app.route('/', routes(deps));
  // Last: what no route took is a 404 or 405 in the API's error envelope, wherever the API is mounted.
  app.all('*', unrouted(app));
  return app;
}
