import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { executionModes, type ExecutionMode } from '../shared/sim/simulator.js';
import { listMethods } from './methods.js';
import { runLcbench } from './lcbench-suite.js';
import { listNasMethods } from './nas-methods.js';
import { nasSuites, runNas, type NasSuite } from './nas-suite.js';

const seconds = (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number of seconds >= 0');
  return n;
};

const program = new Command()
  .name('bench')
  .description('Replay benchmarks of rung tuners on tabulated learning curves (shared/benchmarks/PROTOCOL.md)')
  .option('--suite <suite>', 'benchmark suite (lcbench, nb201, nasgraph-latency)', 'lcbench')
  .option('--data <file>', 'benchmark table (lcbench: lcbench_yahpo_surrogate_curves.jsonl.gz)')
  .option('--tasks <list>', 'comma-separated subset of tasks (default: every task in the file)')
  .requiredOption('--method <name>', 'method to score; "list" prints them')
  .option('--workers <n>', 'simulated workers W', (v) => parseInt(v, 10), 4)
  .option('--seeds <n>', 'number of seeds', (v) => parseInt(v, 10), 10)
  .option('--seed-start <n>', 'first seed', (v) => parseInt(v, 10), 0)
  .option('--jobs <n>', 'parallel worker threads (default: CPU count)', (v) => parseInt(v, 10), cpus().length)
  .option('--out <file>', 'write the JSON result here instead of stdout')
  .option('--job-start-seconds <s>', 'lcbench: container start latency L paid per job (per-job) or once per worker (warm)', seconds, 0)
  .option(
    '--process-start-seconds <s>',
    "lcbench: start of a job's process P, paid by every job (warm: not by a trial continued at once)",
    seconds,
    0,
  )
  .addOption(
    new Option('--execution <mode>', 'lcbench: per-job (every trial-rung its own container) or warm (W long-lived workers)')
      .choices(executionModes)
      .default('per-job'),
  )
  .parse();

const opts = program.opts<{
  suite: string;
  data?: string;
  tasks?: string;
  method: string;
  workers: number;
  seeds: number;
  seedStart: number;
  jobs: number;
  out?: string;
  jobStartSeconds: number;
  processStartSeconds: number;
  execution: ExecutionMode;
}>();

if (opts.method === 'list') {
  for (const m of listMethods()) console.log(`${m.name.padEnd(22)} ${m.description}`);
  console.log('\nnb201, nasgraph-latency:');
  for (const m of listNasMethods()) console.log(`${m.name.padEnd(22)} ${m.description}`);
  process.exit(0);
}
if (opts.suite !== 'lcbench' && !nasSuites.includes(opts.suite as NasSuite))
  program.error(`unknown suite ${opts.suite} (lcbench, nb201, nasgraph-latency)`);
const data = opts.data ?? program.error('--data is required');
const tasks = opts.tasks
  ? opts.tasks
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  : undefined;
const log = (msg: string) => process.stderr.write(msg + '\n');

// The NAS suites have one worker and no time (PROTOCOL.md); --workers does not apply to them, and
// start costs cannot: say so rather than print numbers that ignored them.
if (nasSuites.includes(opts.suite as NasSuite))
  for (const o of ['jobStartSeconds', 'processStartSeconds', 'execution'])
    if (program.getOptionValueSource(o) !== 'default')
      program.error(`--job-start-seconds, --process-start-seconds and --execution apply to the lcbench suite only (simulated time)`);
const result = nasSuites.includes(opts.suite as NasSuite)
  ? await runNas({
      suite: opts.suite as NasSuite,
      data,
      tasks,
      method: opts.method,
      seeds: opts.seeds,
      seedStart: opts.seedStart,
      jobs: Math.max(1, opts.jobs),
      log,
    })
  : await runLcbench({
      data,
      tasks: opts.tasks
        ? opts.tasks
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined,
      method: opts.method,
      workers: opts.workers,
      seeds: opts.seeds,
      seedStart: opts.seedStart,
      jobs: Math.max(1, opts.jobs),
      execution: { mode: opts.execution, jobStartSeconds: opts.jobStartSeconds, processStartSeconds: opts.processStartSeconds },
      log: (msg) => process.stderr.write(msg + '\n'),
    });
const text = JSON.stringify(result, null, 1);
if (opts.out) writeFileSync(opts.out, text + '\n');
else console.log(text);
