/**
 * Builds every Lambda handler as the stack deploys it (infra/bundling.ts) and measures each
 * bundle: its size, and its cold init, i.e. the time a fresh Node.js process takes to import it
 * (median of --runs processes, the process start itself excluded), in total and without the AWS SDK's
 * own load (which the Lambda runtime provides and every function pays alike). Prints a table, then one line
 * of JSON. Exit code 1 when a bundle is over MAX_BUNDLE_BYTES.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { build } from 'esbuild';
import { LAMBDA_BUNDLING, MAX_BUNDLE_BYTES } from '../infra/bundling.js';
import { DASHBOARD_ENTRY } from '../infra/constructs/dashboard-site.js';
import { fromRoot } from '../infra/paths.js';
import { HANDLER_ENTRIES } from '../infra/stacks/rung-stack.js';

const opts = new Command()
  .option('--runs <n>', 'fresh processes per bundle', (v) => parseInt(v, 10), 5)
  .parse()
  .opts<{ runs: number }>();

// Under node_modules/ so that the external AWS SDK resolves, as the Lambda runtime provides it.
const outDir = fromRoot('node_modules/.cache/rung-bundles');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const entries: Record<string, string> = { ...HANDLER_ENTRIES, dashboard: DASHBOARD_ENTRY };

/**
 * Milliseconds from the start of the import to the module being evaluated, in a fresh process.
 * With `preloadSdk`, the AWS SDK clients (external: the Lambda runtime provides them) are imported
 * first, which leaves the time of the bundle's own code.
 */
function initMs(file: string, preloadSdk: boolean): number {
  const preload = preloadSdk
    ? "await import('@aws-sdk/client-dynamodb'); await import('@aws-sdk/lib-dynamodb'); await import('@aws-sdk/client-sfn');"
    : '';
  const script = `${preload} const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', TABLE_NAME: 'rung', POWERTOOLS_LOG_LEVEL: 'CRITICAL', NODE_NO_WARNINGS: '1' },
  });
  if (out.status !== 0) throw new Error(`importing ${file} failed: ${out.stderr}`);
  return Number(out.stdout);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows: { name: string; entry: string; bytes: number; initMs: number; ownInitMs: number }[] = [];
for (const [name, entry] of Object.entries(entries)) {
  const outfile = join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [fromRoot(entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: LAMBDA_BUNDLING.format,
    target: LAMBDA_BUNDLING.target,
    minify: LAMBDA_BUNDLING.minify,
    keepNames: LAMBDA_BUNDLING.keepNames,
    external: [...LAMBDA_BUNDLING.externalModules],
    banner: { js: LAMBDA_BUNDLING.banner },
    tsconfig: fromRoot('tsconfig.json'),
    logLevel: 'warning',
  });
  const bytes = statSync(outfile).size;
  const time = (preloadSdk: boolean) => Math.round(median(Array.from({ length: opts.runs }, () => initMs(outfile, preloadSdk))) * 10) / 10;
  rows.push({ name, entry, bytes, initMs: time(false), ownInitMs: time(true) });
}

for (const r of rows)
  console.log(
    `${r.name.padEnd(12)} ${(r.bytes / 1024).toFixed(0).padStart(5)} KB  init ${r.initMs.toFixed(1).padStart(6)} ms (own code ${r.ownInitMs.toFixed(1).padStart(5)} ms)  ${r.entry}`,
  );
const over = rows.filter((r) => r.bytes > MAX_BUNDLE_BYTES);
console.log(
  JSON.stringify({
    maxBytes: Math.max(...rows.map((r) => r.bytes)),
    maxInitMs: Math.max(...rows.map((r) => r.initMs)),
    maxOwnInitMs: Math.max(...rows.map((r) => r.ownInitMs)),
    bundles: rows,
  }),
);
if (over.length) {
  console.error(`over ${MAX_BUNDLE_BYTES / 1024} KB: ${over.map((r) => r.name).join(', ')}`);
  process.exitCode = 1;
}
