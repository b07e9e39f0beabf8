import type { Hono } from 'hono';
import type { StaticFile } from './build.js';

/**
 * The page holds no data and needs no credential: it calls the API with the bearer token the user
 * opened it with. These headers keep it from loading anything but itself and from leaking its URL.
 */
export const dashboardHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

/** Serves the dashboard's files at `/`, beside the API at `/v1`. */
export function mountDashboard(root: Hono, files: Map<string, StaticFile>): void {
  for (const [route, file] of files) {
    root.get(route === '/' ? '/' : route, (c) => c.body(file.body, 200, { 'content-type': file.type, ...dashboardHeaders }));
  }
  root.get('/index.html', (c) => c.redirect('/'));
}
