import { readFileSync } from 'node:fs';

/**
 * Prints a markdown table of lcbench results: `tsx bench/report.ts FILE...` (rung and Optuna JSON alike).
 * `tsx bench/report.ts --start-costs FILE...`: the start-cost table (method, execution, L, regret, busy).
 */
interface Result {
  method: string;
  mean: number[];
  summary: number;
  tasks: Record<string, number[]>;
  execution?: string;
  job_start_seconds?: number;
  process_start_seconds?: number;
  busy?: number;
}
const args = process.argv.slice(2);
const startCosts = args[0] === '--start-costs';
const rows = args.filter((a) => a !== '--start-costs').map((f) => JSON.parse(readFileSync(f, 'utf8')) as Result);
const regrets = (r: Result) => `${r.mean.map((x) => x.toFixed(4)).join(' | ')} | **${r.summary.toFixed(4)}**`;
if (startCosts) {
  console.log('| method | execution | L (s) | P (s) | T/16 | T/8 | T/4 | T/2 | T | summary | busy |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const key = (r: Result) => [r.method, r.execution ?? 'per-job', r.job_start_seconds ?? 0] as const;
  rows.sort((a, b) => {
    const [ma, ea, la] = key(a);
    const [mb, eb, lb] = key(b);
    return ma.localeCompare(mb) || ea.localeCompare(eb) || la - lb;
  });
  for (const r of rows)
    console.log(
      `| ${r.method} | ${r.execution ?? 'per-job'} | ${r.job_start_seconds ?? 0} | ${r.process_start_seconds ?? 0} | ${regrets(r)} | ${r.busy === undefined ? '' : r.busy.toFixed(3)} |`,
    );
} else {
  console.log('| method | tasks | T/16 | T/8 | T/4 | T/2 | T | summary |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows.sort((a, b) => a.summary - b.summary))
    console.log(`| ${r.method} | ${Object.keys(r.tasks).length} | ${regrets(r)} |`);
}
