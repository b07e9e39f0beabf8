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

/** `rung run spec.yaml`: one study on the embedded runtime, with progress, ending with the best trials. */
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
  const onSignal = () => {
    void runtime.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  try {
    const created = await runtime.request('POST', '/studies', raw);
    if (created.status === 400) throw new InvalidInputError(created.body.error.details ?? [], 'invalid study spec');
    if (created.status !== 201) throw new Error(created.body.error?.message ?? `HTTP ${created.status}`);
    const { studyId, team } = created.body as Study;
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

    const interactive = process.stdout.isTTY && !opts.json;
    const bar = interactive
      ? new SingleBar({ format: ' {bar} {value}/{total} trials · {text}', barsize: 24, hideCursor: true, clearOnComplete: false })
      : undefined;
    bar?.start(planned, 0, { text: 'starting' });
    let lastLine = '';
    const poll = async () => {
      const study = await runtime.store.getStudy(team, studyId);
      if (!study) return;
      const trials = await readAll((p) => runtime.store.listTrials(team, studyId, p));
      const line = progressLine(study, trials, planned);
      if (bar) bar.update(line.done, { text: line.text });
      else if (!opts.json && `${line.done}` !== lastLine) {
        lastLine = `${line.done}`;
        console.log(`  ${line.done}/${line.planned} trials · ${line.text}`);
      }
    };
    const timer = setInterval(() => void poll().catch(() => undefined), interactive ? 250 : 2000);
    await runtime.executions.wait(studyId).catch(() => undefined);
    clearInterval(timer);
    await poll();
    bar?.stop();

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
    }
    return finishedStudyStates.includes(study.state) && study.state !== 'FAILED' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    forget();
    await runtime.close();
  }
}
