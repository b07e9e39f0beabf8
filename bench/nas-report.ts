import { readFileSync } from 'node:fs';

/**
 * Markdown table of nb201 / nasgraph-latency results: `tsx bench/nas-report.ts FILE...` (rung and
 * Optuna JSON alike), with each method's summary as a fraction of the best Optuna summary given.
 */
const rows = process.argv.slice(2).map(
  (f) =>
    JSON.parse(readFileSync(f, 'utf8')) as {
      method: string;
      seed_start: number;
      seeds: number;
      checkpoints: number[];
      mean: number[];
      summary: number;
    },
);
const optuna = rows.filter((r) => r.method.startsWith('optuna-'));
const bestOptuna = optuna.length ? Math.min(...optuna.map((r) => r.summary)) : NaN;
console.log(`| method | seeds | ${rows[0].checkpoints.join(' | ')} | summary | / best Optuna |`);
console.log(`|---|---|${rows[0].checkpoints.map(() => '---|').join('')}---|---|`);
for (const r of rows.sort((a, b) => a.summary - b.summary)) {
  console.log(
    `| ${r.method} | ${r.seed_start ?? 0}..${(r.seed_start ?? 0) + r.seeds - 1} | ${r.mean.map((x) => x.toFixed(4)).join(' | ')} | **${r.summary.toFixed(4)}** | ${(r.summary / bestOptuna).toFixed(2)} |`,
  );
}
