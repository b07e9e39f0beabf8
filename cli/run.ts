import { constants } from 'node:os';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { InvalidInputError } from '../shared/errors.js';
import { planBrackets } from '../shared/schedulers/brackets.js';
import { readAll } from '../shared/store/port.js';
import { orient } from '../shared/study/best.js';
import { finishedStudyStates, type Study, type Trial } from '../shared/study/types.js';
import { startEmbedded } from '../runtime/embedded.js';
import { paretoOf } from '../shared/analysis/pareto.js';
import { utilization } from '../shared/analysis/utilization.js';
import { dashboardFiles } from '../dashboard/build.js';
import { sweepSize } from '../shared/study/retrain.js';
import { mountDashboard } from '../dashboard/serve.js';
import { announceServer } from './connection.js';
import { dataFolder } from './data-dir.js';
import { listenError } from './errors.js';
import { dashboardUrl } from './serve.js';
import { formatParams, formatValue, paretoText, trialsTable } from './output.js';
import { loadSpecFile } from './spec-file.js';

const finishedTrial = new Set(['COMPLETE', 'PRUNED', 'FAILED', 'INFEASIBLE']);

export function progressLine(study: Study, trials: Trial[], planned: number) {
  const running = trials.filter((t) => t.state === 'RUNNING');
  // Only final states: a PAUSED trial runs again at its next rung, so counting it would go backwards.
  const done = trials.filter((t) => finishedTrial.has(t.state)).length;
  const where =
    running.length === 0
      ? ''
      : running[0].phase === 'retrain'
        ? 'retraining from scratch'
        : `bracket ${running[0].bracket} rung ${Math.max(...running.map((t) => t.rung))}`;
  // While the retraining runs, `best` waits for its first result: show the search's meanwhile.
  const shown = study.best ?? study.retrain?.searchBest;
  const best = shown ? `${study.best ? 'best' : 'search best'} ${formatValue(shown.value)} (trial ${shown.trialId})` : 'best -';
  return { done, planned, text: `${running.length} running · ${where || study.state.toLowerCase()} · ${best}` };
}

/** The exit status of a command ended by a signal, as shells report it: 130 for SIGINT, 143 for SIGTERM. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

/** The signals that stop a study gracefully (the first) or at once (the second). */
const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** How long a stopped study may take to wind down: the jobs' 30 s between SIGTERM and SIGKILL, and a margin. */
const stopWaitMs = 45_000;
/** After a second signal: how long the runtime may take to record the ending before the process exits anyway. */
const forcedExitMs = 5_000;
/** The terminal escape that shows the cursor again (the progress bar hides it). */
const showCursor = '\x1b[?25h';

/**
 * `rung run spec.yaml`: one study on the embedded runtime, with progress, ending with the best trials.
 * A first SIGINT/SIGTERM/SIGHUP stops the study as `POST /studies/{id}/stop` does, terminates its
 * running jobs (SIGTERM, SIGKILL 30 s later), waits for the study to end STOPPED and prints it; the
 * command then exits 128 + the signal's number (130, 143). A second signal kills the jobs and exits at once.
 */
export async function runCommand(file: string, opts: { data: string; port?: number; json?: boolean }): Promise<number> {
  const { raw, spec } = await loadSpecFile(file);
  const dataDir = dataFolder(opts.data, 'create');
  const started = Date.now();
  // The dashboard beside the API (as `rung serve` has it), so that the study can be watched live.
  const files = opts.json ? undefined : await dashboardFiles();
  const runtime = await startEmbedded({
    dataDir,
    jobCwd: path.dirname(path.resolve(file)),
    port: opts.port,
    ...(files ? { mount: (root: Parameters<typeof mountDashboard>[0]) => mountDashboard(root, files) } : {}),
  }).catch((e: unknown) => {
    throw listenError(e, opts.port);
  });
  const forget = announceServer(dataDir, runtime.apiUrl!);
  const interactive = process.stdout.isTTY && !opts.json;
  let bar: SingleBar | undefined;
  const stopBar = () => {
    bar?.stop();
    bar = undefined;
  };
  // The bar hides the cursor: every way out shows it again (process.exit included).
  const restoreCursor = () => {
    if (interactive) process.stdout.write(showCursor);
  };
  process.on('exit', restoreCursor);

  /** The study, once created: what a signal stops. */
  let created: string | undefined;
  let interrupted: NodeJS.Signals | undefined;
  let stopping: Promise<void> | undefined;
  let stopTimer: NodeJS.Timeout | undefined;
  const terminated = 'Terminated: the study was stopped (rung run was interrupted)';
  // The execution of a study asked to stop ends STOPPED when aborted (its ending is recorded as the
  // execution-status rule does on AWS): the command then goes on to print the study.
  const abort = () => runtime.executions.abortAll();
  // The same path as POST /studies/{id}/stop, then TerminateJob for the running jobs. Stopping first
  // means that no trial starts in place of a terminated one.
  const stopStudy = async () => {
    const studyId = created;
    if (!studyId) return;
    const res = await runtime.request('POST', `/studies/${encodeURIComponent(studyId)}/stop`).catch((e: unknown) => ({
      status: 0,
      body: { error: { message: e instanceof Error ? e.message : String(e) } },
    }));
    // 409: it ended meanwhile, and there is nothing to stop.
    if (res.status !== 202 && res.status !== 200 && res.status !== 409)
      console.error(`could not stop study ${studyId}: ${res.body.error?.message ?? `HTTP ${res.status}`}`);
    runtime.batch.terminateAll(terminated);
    // A bounded wait: the jobs have 30 s to exit before SIGKILL; past the bound the executions are aborted.
    stopTimer = setTimeout(abort, stopWaitMs);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      // The second signal: no more waiting for the jobs, nor for the workflow to wind down.
      console.error(`${signal}: killing the running jobs and exiting now`);
      runtime.batch.terminateAll(terminated, true);
      if (stopping) void stopping.then(abort);
      setTimeout(() => process.exit(signalExitCode(interrupted!)), forcedExitMs).unref();
      return;
    }
    interrupted = signal;
    stopBar();
    const again = signal === 'SIGINT' ? 'Ctrl-C again' : `${signal} again`;
    console.error(
      `\n${signal}: stopping ${created ? `study ${created}` : 'the study'}: no new trial starts, running jobs get SIGTERM (SIGKILL after 30 s); ${again} to kill them now`,
    );
    if (created) stopping = stopStudy();
  };
  for (const signal of stopSignals) process.on(signal, onSignal);
  try {
    const res = await runtime.request('POST', '/studies', raw);
    if (res.status === 400) throw new InvalidInputError(res.body.error.details ?? [], 'invalid study spec');
    if (res.status !== 201) throw new Error(res.body.error?.message ?? `HTTP ${res.status}`);
    const { studyId, team } = res.body as Study;
    created = studyId;
    // Interrupted while the study was being created: stop it now that it exists.
    if (interrupted) await (stopping = stopStudy());
    // The retraining phase adds at most topK times the sweep's combinations.
    const retraining = spec.retrain ? spec.retrain.topK * sweepSize(spec.retrain.sweep) : 0;
    const planned = planBrackets(spec.strategy.scheduler, spec.limits.maxTrials).reduce((n, b) => n + b.rungs[0].trials, 0) + retraining;
    if (!opts.json) {
      const then = retraining > 0 ? ` (${retraining} of them retraining the search's best from scratch)` : '';
      console.log(
        `study ${studyId}: ${spec.strategy.sampler} sampler, ${spec.strategy.scheduler.type}, ${planned} trial${planned === 1 ? '' : 's'}${then}, parallelism ${spec.limits.parallelism}`,
      );
      console.log(`API ${runtime.apiUrl} · data ${dataDir}`);
      console.log(`watch it live: ${dashboardUrl(runtime.apiUrl!, runtime.token)}&study=${studyId}`);
    }

    if (interactive && !interrupted) {
      bar = new SingleBar({ format: ' {bar} {value}/{total} trials · {text}', barsize: 24, hideCursor: true, clearOnComplete: false });
      bar.start(planned, 0, { text: 'starting' });
    }
    let lastLine = '';
    const poll = async () => {
      const study = await runtime.store.getStudy(team, studyId);
      if (!study) return;
      const trials = await readAll((p) => runtime.store.listTrials(team, studyId, p));
      const line = progressLine(study, trials, planned);
      if (bar) bar.update(line.done, { text: line.text });
      else if (!opts.json && !interrupted && `${line.done}` !== lastLine) {
        lastLine = `${line.done}`;
        console.log(`  ${line.done}/${line.planned} trials · ${line.text}`);
      }
    };
    const timer = setInterval(() => void poll().catch(() => undefined), interactive ? 250 : 2000);
    await runtime.executions.wait(studyId).catch(() => undefined);
    clearInterval(timer);
    await poll();
    stopBar();

    const study = (await runtime.store.getStudy(team, studyId))!;
    const trials = await readAll((p) => runtime.store.listTrials(team, studyId, p));
    const seconds = (Date.now() - started) / 1000;
    if (opts.json) {
      console.log(JSON.stringify({ study, trials, seconds }));
    } else {
      const goal = spec.objective.goal;
      const top = trials
        .filter((t) => t.value !== undefined)
        .sort((a, b) => b.resource - a.resource || orient(goal, b.value!) - orient(goal, a.value!))
        .slice(0, 10);
      console.log(`\nstudy ${studyId} ${study.state} in ${seconds.toFixed(1)} s: ${trials.length} trial${trials.length === 1 ? '' : 's'}`);
      if (study.error) console.log(`error: ${study.error}`);
      if (top.length > 0) console.log(trialsTable(top, spec.objective.metric));
      if (study.best)
        console.log(
          `best: trial ${study.best.trialId} ${spec.objective.metric}=${formatValue(study.best.value)} · ${formatParams(study.best.params)}`,
        );
      const searchBest = study.retrain?.searchBest;
      if (study.retrain && study.retrain.trials > 0 && searchBest)
        console.log(
          `retrained ${study.retrain.trials} from scratch; the search's own best was trial ${searchBest.trialId} ${spec.objective.metric}=${formatValue(searchBest.value)} at ${searchBest.resource} ${spec.strategy.scheduler.resource}`,
        );
      // A Pareto study's answer is its front, not one trial.
      if (spec.objectives) console.log(`Pareto front: ${paretoText(paretoOf(spec, trials))}`);
      const busy = utilization(trials, spec.limits.parallelism, new Date());
      if (busy)
        console.log(
          `workers busy ${Math.round(busy.busyFraction * 100)}% of the time (${busy.busySeconds.toFixed(0)} job-seconds on ${spec.limits.parallelism} worker${spec.limits.parallelism === 1 ? '' : 's'} over ${busy.spanSeconds.toFixed(0)} s)`,
        );
      console.log(`data: ${dataDir} (database db/, checkpoints artifacts/, job logs logs/)`);
      const more = (cmd: string) =>
        `npx rung ${cmd} ${studyId}${dataDir === path.resolve('.rung') ? '' : ` --data ${/[\s'"]/.test(opts.data) ? JSON.stringify(opts.data) : opts.data}`}`;
      console.log(`more: ${[more('status'), more('trials'), ...(spec.objectives ? [more('pareto')] : [])].join(' · ')}`);
      // A stopped study does not resume; a new one can start from its best configurations.
      if (interrupted)
        console.log(`continue: start a new study with strategy.warmStart: { studies: [${studyId}] } to run its best configurations first`);
    }
    if (interrupted) return signalExitCode(interrupted);
    return finishedStudyStates.includes(study.state) && study.state !== 'FAILED' ? 0 : 1;
  } finally {
    clearTimeout(stopTimer);
    stopBar();
    forget();
    await runtime.close();
    for (const signal of stopSignals) process.off(signal, onSignal);
    process.off('exit', restoreCursor);
    restoreCursor();
  }
}
