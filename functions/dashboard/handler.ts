import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { dashboardHeaders } from '../../dashboard/serve.js';

/**
 * Serves the dashboard's static files on `GET /dashboard` and `GET /dashboard/{proxy+}` of the REST
 * API, so that the page sits behind the same (IAM) authorization as every route and on the same
 * origin as the API it calls. The files come from the DashboardSite layer (`/opt/dashboard`, built
 * by dashboard/write-site.ts at synth); they hold no data, and this function has no permission
 * beyond writing its own logs.
 */
const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

let files: Map<string, { type: string; body: string }> | undefined;

/** The bundle's files by name, read once per container (a few hundred KB). */
function siteFiles(): Map<string, { type: string; body: string }> {
  if (files) return files;
  const dir = process.env.DASHBOARD_DIR ?? '/opt/dashboard';
  files = new Map(
    readdirSync(dir)
      .filter((name) => path.extname(name) in types)
      .map((name) => [name, { type: types[path.extname(name)]!, body: readFileSync(path.join(dir, name), 'utf8') }]),
  );
  return files;
}

const text = (statusCode: number, body: string, headers: Record<string, string> = {}): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'text/plain; charset=utf-8', ...dashboardHeaders, ...headers },
  body,
});

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const proxy = event.pathParameters?.proxy;
  if (proxy === undefined) {
    // `/v1/dashboard` without the slash: the page's relative links (app.js, app.css) need the
    // folder form. A relative Location keeps whatever prefix (stage, custom domain base path,
    // `rung dashboard` proxy) the browser used. API Gateway hands `/dashboard/` to this resource
    // too: that one is the page itself, so the redirect cannot loop.
    if (!event.path.endsWith('/')) return text(302, 'dashboard/', { location: 'dashboard/' });
  }
  const name = proxy === undefined || proxy === '' ? 'index.html' : proxy;
  // Only the bundle's own names: no folders, so no path traversal.
  const file = siteFiles().get(name);
  if (!file) return text(404, 'not found');
  return { statusCode: 200, headers: { 'content-type': file.type, ...dashboardHeaders }, body: file.body };
}
