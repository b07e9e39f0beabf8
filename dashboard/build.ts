import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** A file of the dashboard: what `rung serve` answers for its path. */
export interface StaticFile {
  type: string;
  body: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Bundles the dashboard with esbuild, in memory: nothing built is committed or written, and
 * nothing is fetched at run time (ECharts comes from node_modules into app.js). About a second.
 */
export async function buildDashboard(): Promise<Map<string, StaticFile>> {
  const result = await build({
    entryPoints: [path.join(here, 'app/main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    write: false,
    outfile: 'app.js',
    logLevel: 'silent',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('app.js'));
  if (!js) throw new Error('esbuild produced no app.js');
  return new Map([
    ['/', { type: 'text/html; charset=utf-8', body: readFileSync(path.join(here, 'app/index.html'), 'utf8') }],
    ['/app.js', { type: 'text/javascript; charset=utf-8', body: js.text }],
    ['/app.css', { type: 'text/css; charset=utf-8', body: readFileSync(path.join(here, 'app/style.css'), 'utf8') }],
  ]);
}

let cached: Promise<Map<string, StaticFile>> | undefined;

/** The bundle, built once per process. */
export function dashboardFiles(): Promise<Map<string, StaticFile>> {
  cached ??= buildDashboard();
  return cached;
}
