import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { startEmbedded } from '../runtime/embedded.js';
import { utilization } from '../shared/analysis/utilization.js';
import { readAll } from '../shared/store/port.js';

/**
 * The embedded runtime's own cost: a study of trivial trials (bench/runtime-job.mjs posts one
 * measurement and exits) through the same path as `rung run` (the synthesized state machines on
 * aws-local-stepfunctions, dynalite, local processes, the local API), against the floor of the
 * same number of bare `node -e ""` processes at the same parallelism, measured in the same run.
 */
const opts = new Command()
  .option('--trials <n>', 'trials in the study', (v) => parseInt(v, 10), 1000)
  .option('--parallelism <n>', 'jobs at a time', (v) => parseInt(v, 10), 8)
  .option('--scheduler <type>', 'fifo (one job per trial) or asha (lanes, rungs 1, 3, 9)', 'fifo')
  .option('--data <dir>', 'keep the store on LevelDB in this folder (as `rung run` does); a temp folder by default')
  .parse()
  .opts<{ trials: number; parallelism: number; scheduler: 'fifo' | 'asha'; data?: string }>();

const scheduler = opts.scheduler === 'asha' ? { type: 'asha', min: 1, max: 9, eta: 3 } : { type: 'fifo', max: 1 };
const spec = {
  name: `bench-runtime-${opts.scheduler}`,
  objective: { metric: 'score', goal: 'maximize' },
  parameters: { x: { type: 'float', min: 0, max: 1 } },
  strategy: { sampler: 'random', scheduler, seed: 1 },
  limits: { maxTrials: opts.trials, parallelism: opts.parallelism },
  trial: { command: ['node', path.resolve(import.meta.dirname, 'runtime-job.mjs')], gpus: 0 },
};

/** `count` processes of `node -e ""`, `parallelism` at a time: what the jobs cost without a control plane. */
async function floorSeconds(count: number, parallelism: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
        child.on('error', reject);
        child.on('close', () => resolve());
      });
    }
  };
  await Promise.all(Array.from({ length: parallelism }, worker));
  return (performance.now() - started) / 1000;
}

const scratch = await mkdtemp(path.join(os.tmpdir(), 'rung-bench-runtime-'));
const runtime = await startEmbedded(opts.data ? { dataDir: path.resolve(opts.data) } : { scratchDir: scratch });
try {
  // The synthesis that renders the definitions happens once per process: not part of a study's time.
  void runtime.executions;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const created = await runtime.request('POST', '/studies', spec);
  if (created.status !== 201) throw new Error(`study rejected: ${JSON.stringify(created.body)}`);
  const { studyId, team } = created.body as { studyId: string; team: string };
  await runtime.executions.wait(studyId);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const study = (await runtime.store.getStudy(team, studyId))!;
  const trials = await readAll((p) => runtime.store.listTrials(team, studyId, p));
  const trialRungs = trials.reduce((n, t) => n + (t.jobs ?? []).filter((j) => !j.neverRan).length, 0);
  const busy = utilization(trials, opts.parallelism, new Date())?.busyFraction ?? 0;
  const floor = await floorSeconds(trialRungs, opts.parallelism);
  const jobSeconds = trials.flatMap((t) => (t.jobs ?? []).map((j) => j.seconds ?? 0)).sort((a, b) => a - b);
  const median = jobSeconds[Math.floor(jobSeconds.length / 2)] ?? 0;
  const states = trials.reduce<Record<string, number>>((m, t) => ({ ...m, [t.state]: (m[t.state] ?? 0) + 1 }), {});
  console.log(
    `${opts.scheduler}: study ${study.state}, ${trials.length} trials ${JSON.stringify(states)}, ${trialRungs} jobs in ${seconds.toFixed(1)} s ` +
      `(floor ${floor.toFixed(1)} s), median job ${median.toFixed(2)} s, workers busy ${Math.round(busy * 100)}%, runtime CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, ` +
      `RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  if (study.state !== 'COMPLETED') process.exitCode = 1;
  console.log(JSON.stringify({ trialRungs, seconds: round(seconds), busy: round(busy), floorSeconds: round(floor) }));
} finally {
  await runtime.close();
  await rm(scratch, { recursive: true, force: true });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
