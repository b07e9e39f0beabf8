import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildDashboard } from './build.js';

/**
 * Writes the dashboard bundle as files: `<outDir>/dashboard/{index.html,app.js,app.css}`. The
 * stack's DashboardSite layer runs it at synth (local bundling, no Docker) so that the files land
 * under `/opt/dashboard` in the dashboard function; `rung serve` keeps building in memory instead.
 *
 *   node --import tsx dashboard/write-site.ts <outDir>
 */
export const SITE_FOLDER = 'dashboard';

/** File name of each route of the bundle (`/` is the page itself). */
export const fileNameOf = (route: string) => (route === '/' ? 'index.html' : route.slice(1));

export async function writeSite(outDir: string): Promise<string[]> {
  const files = await buildDashboard();
  const dir = path.join(outDir, SITE_FOLDER);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [route, file] of files) {
    writeFileSync(path.join(dir, fileNameOf(route)), file.body);
    written.push(fileNameOf(route));
  }
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: node --import tsx dashboard/write-site.ts <outDir>');
    process.exit(2);
  }
  await writeSite(path.resolve(outDir));
}
