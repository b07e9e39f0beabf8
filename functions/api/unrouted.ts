import type { Context, Hono } from 'hono';
import { routePath } from 'hono/route';
import { errorBody, renderNotFound } from './errors.js';

/** A route's path as Hono writes it (`/studies/:studyId/stop`) as a pattern for a request path. */
function pathPattern(path: string): RegExp {
  const segments = path.split('/').map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segments.join('/')}/?$`);
}

/**
 * The answer to a request no route took, in the API's error envelope: 405 with `Allow` (the
 * methods the API's routes serve on that path) for a known path, else 404. `app` is the API with
 * all its routes: register this last (`app.all('*', unrouted(app))`), so that it reads them all and
 * answers only what none of them took, wherever the API is mounted (`/v1` on the local server).
 */
export function unrouted(app: Hono) {
  const routes = app.routes.filter((r) => r.method !== 'ALL').map((r) => ({ method: r.method, pattern: pathPattern(r.path) }));
  return (c: Context) => {
    // The mount point: the catch-all is `/*` on the API itself, `/v1/*` under the local server's root.
    const mount = routePath(c).replace(/\/?\*$/, '');
    const path = c.req.path.slice(mount.length) || '/';
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    if (allowed.length === 0) return renderNotFound(c);
    // HEAD is served wherever GET is (Hono answers it with the GET route).
    if (allowed.includes('GET')) allowed.push('HEAD');
    c.header('Allow', allowed.join(', '));
    return c.json(errorBody('MethodNotAllowed', `${c.req.method} is not allowed on ${c.req.path}: use ${allowed.join(', ')}`), 405);
  };
}
