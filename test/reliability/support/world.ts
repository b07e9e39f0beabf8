import { randomBytes } from 'node:crypto';
import { createApi } from '../../../functions/api/app.js';
import { bearerIdentity } from '../../../runtime/local-api.js';
import { createRng } from '../../../shared/rng.js';
import { planBrackets } from '../../../shared/schedulers/brackets.js';
import { readAll, type StudyStore } from '../../../shared/store/port.js';
import { canonicalJson } from '../../../shared/study/idempotency.js';
import type { ServiceContext } from '../../../shared/study/service.js';
import type { Study, Trial } from '../../../shared/study/types.js';
import { planRetrain } from '../../../shared/study/retrain-plan.js';
import {
  finalize,
  observe,
  plan,
  promote,
  startTrial,
  suggest,
  type BracketInput,
  type StartTrialResult,
  type StepContext,
} from '../../../shared/study/workflow.js';

/**
 * A whole study driven through the real API (Hono app, idempotency keys) and the real workflow
 * steps, with the job replaced by a deterministic stand-in that reports through the API. The
 * driver plays Step Functions: sequential here; the interleaving suite runs the same steps
 * concurrently.
 */

export const team = 'team-a';
export const tokens = { tokenA: { team: 'team-a' }, tokenB: { team: 'team-b' } };

export function studySpec(overrides: Record<string, unknown> = {}) {
  return {
    name: 'reliability',
    objective: { metric: 'acc', goal: 'maximize' },
    parameters: { x: { type: 'float', min: 0, max: 1 }, act: { type: 'categorical', values: ['relu', 'gelu'] } },
    strategy: { sampler: 'random', scheduler: { type: 'hyperband', min: 1, max: 9, eta: 3 }, seed: 17 },
    limits: { maxTrials: 12, parallelism: 3, maxFailedTrials: 10, maxCostUsd: 500 },
    trial: { command: ['train'], instanceTypes: ['g5.xlarge'], secondsPerResource: 60, gpus: 1 },
    ...overrides,
  };
}

/** The stand-in job's learning curve: deterministic in the parameters and the step. */
export function accuracy(params: Record<string, unknown>, step: number): number {
  const x = params.x as number;
  return Math.round((x * (1 - 1 / (step + 1)) + (params.act === 'gelu' ? 0.01 : 0)) * 1e6) / 1e6;
}

/** Trials whose x is below these crash (exit 1 after one report) or never report the objective. */
export const crashBelow = 0.1;
export const silentBelow = 0.16;

export interface WorldOptions {
  store: StudyStore;
  /** A step that throws is retried (Step Functions Retry) or fails the execution, which is then resumed. */
  onStepError: 'retry' | 'resume';
  seed?: number;
  /** Each report sent this many times at once with the same key (a client that retried too early). */
  reportCopies?: (trialId: string, step: number) => number;
}

export class World {
  readonly service: ServiceContext;
  readonly steps: StepContext;
  readonly api: ReturnType<typeof createApi>;
  readonly starts: string[] = [];
  readonly anomalies: string[] = [];
  /** Retried deliveries: client retries and step retries. */
  duplicates = 0;
  jobs = 0;
  resumes = 0;

  /** Moves the clock (a job that trains takes time). */
  readonly advance: (seconds: number) => void;

  constructor(private readonly options: WorldOptions) {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const now = () => new Date((t += 1000));
    this.advance = (seconds) => void (t += seconds * 1000);
    const rng = createRng(options.seed ?? 1);
    this.service = { store: options.store, now, random: () => rng.next() };
    this.steps = { store: options.store, now, artifactBaseUri: 's3://bucket', randomBytes };
    this.api = createApi({
      service: this.service,
      starter: { start: async (_input, name) => void this.starts.push(name) },
      identify: bearerIdentity({ tokens }),
      publicUrl: () => 'http://127.0.0.1:1/v1',
    });
  }

  get store(): StudyStore {
    return this.options.store;
  }

  /** One HTTP request as the client sends it. */
  async request(method: string, path: string, body?: unknown, key?: string, token = 'tokenA') {
    const res = await this.api.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any, replayed: res.headers.get('idempotent-replayed') === 'true' };
  }

  /** A client that retries a 5xx with the same Idempotency-Key (as trainer/client.ts does). */
  async send(method: string, path: string, body: unknown, key: string, token = 'tokenA') {
    for (let i = 0; i < 30; i++) {
      const res = await this.request(method, path, body, key, token);
      if (res.status < 500) return res;
      this.duplicates++;
    }
    throw new Error(`${method} ${path}: the client gave up after 30 tries`);
  }

  /** A Task state: a failure is retried, or fails the execution. */
  async step<T>(fn: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (e) {
        if (this.options.onStepError !== 'retry' || i >= 20) throw e;
        this.duplicates++;
      }
    }
  }

  async createStudy(spec: object = studySpec(), key = 'create-study-1'): Promise<string> {
    const created = await this.send('POST', '/studies', spec, key);
    if (created.status !== 201) throw new Error(`create answered ${created.status}: ${JSON.stringify(created.body)}`);
    // The client sends the same request again (it never saw the answer): same study, nothing new.
    const again = await this.send('POST', '/studies', spec, key);
    this.duplicates++;
    if (again.body.studyId !== created.body.studyId || !again.replayed)
      this.anomalies.push(`a repeated create answered ${again.body.studyId}, not ${created.body.studyId}`);
    return created.body.studyId as string;
  }

  /** The study to its end: executions, and after a failed one MarkFailed and a resume. */
  async run(studyId: string): Promise<void> {
    for (let attempt = 0; attempt < 30; attempt++) {
      try {
        await this.execute(studyId);
        return;
      } catch (e) {
        if (this.options.onStepError !== 'resume') throw e;
        // MarkFailed (retried until it lands, as the execution-status rule does), then the person resumes.
        await this.retryForever(() =>
          finalize(this.steps, { team, studyId, outcome: 'FAILED', error: { Error: (e as Error).name, Cause: (e as Error).message } }),
        );
        // The failure came after the study's last write (Finalize timed out after it wrote): nothing to resume.
        if ((await this.store.getStudy(team, studyId))?.state !== 'FAILED') return;
        const resumed = await this.send('POST', `/studies/${studyId}/resume`, {}, `resume-${attempt}`);
        this.resumes++;
        if (resumed.status !== 202) throw new Error(`resume answered ${resumed.status}: ${JSON.stringify(resumed.body)}`);
      }
    }
    throw new Error('the study never finished');
  }

  private async retryForever<T>(fn: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (e) {
        if (i >= 20) throw e;
        this.duplicates++;
      }
    }
  }

  /** One execution, as StudyMachine and BracketMachine run it (one slot at a time). */
  async execute(studyId: string): Promise<void> {
    const planned = await this.step(() => plan(this.steps, { team, studyId }));
    for (const b of planned.brackets) await this.bracket(b);
    // PlanRetrain, then the retraining bracket (a study without `retrain` plans none).
    const retrain = await this.step(() => planRetrain(this.steps, { team, studyId, phase: 'retrain' }));
    for (const b of retrain.brackets) await this.bracket(b);
    await this.step(() => finalize(this.steps, { team, studyId, outcome: 'COMPLETED' }));
  }

  /** One BracketMachine execution. */
  private async bracket(b: BracketInput): Promise<void> {
    let rung = await this.step(() => suggest(this.steps, b));
    while (!rung.done) {
      for (const slot of rung.trials) {
        const started = await this.step(() => startTrial(this.steps, slot));
        if (!started.run) continue;
        const jobError = await this.job(started);
        await this.step(() => observe(this.steps, { ...slot, run: true, ...(jobError ? { jobError } : {}) }));
      }
      const current = rung;
      rung = await this.step(() => promote(this.steps, current));
    }
  }

  /** The training job: reports each step of its slice through the API, or crashes, or stays silent. */
  async job(started: StartTrialResult): Promise<{ Error: string; Cause: string } | undefined> {
    const env = started.job!.env;
    const rung = Number(env.RUNG_RUNG);
    const before = await this.store.getTrial(team, env.RUNG_STUDY_ID, env.RUNG_TRIAL_ID);
    if (before?.rungValues[rung] !== undefined) this.anomalies.push(`trial ${env.RUNG_TRIAL_ID} rung ${rung} ran again after it was done`);
    this.jobs++;
    const params = JSON.parse(env.RUNG_PARAMS) as Record<string, unknown>;
    const from = Number(env.RUNG_RESOURCE_FROM);
    const to = Number(env.RUNG_RESOURCE_TO);
    const x = params.x as number;
    const last = x < crashBelow ? from + 1 : x < silentBelow ? from : to;
    // Trains for 0.5 to 1.5 times the spec's 60 s per resource unit: some jobs overrun their forecast.
    this.advance((to - from) * 60 * (0.5 + x));
    for (let step = from + 1; step <= last; step++) {
      const path = `/studies/${env.RUNG_STUDY_ID}/trials/${env.RUNG_TRIAL_ID}/measurements`;
      const copies = this.options.reportCopies?.(env.RUNG_TRIAL_ID, step) ?? 1;
      this.duplicates += copies - 1;
      const answers = await Promise.all(
        Array.from({ length: copies }, () =>
          this.send('POST', path, { step, metrics: { acc: accuracy(params, step) } }, `m-${env.RUNG_TRIAL_ID}-${step}`),
        ),
      );
      for (const res of answers)
        if (res.status !== 201 && res.status !== 200)
          this.anomalies.push(`report of trial ${env.RUNG_TRIAL_ID} step ${step} answered ${res.status}`);
      if (new Set(answers.map((a) => JSON.stringify([a.status, a.body]))).size > 1)
        this.anomalies.push(`copies of one report (trial ${env.RUNG_TRIAL_ID} step ${step}) answered differently`);
    }
    return x < crashBelow ? { Error: 'States.TaskFailed', Cause: 'exit code 1' } : undefined;
  }
}

/** What must come out the same whatever the faults and interleavings: no timestamps, versions or job times. */
export async function outcome(store: StudyStore, studyId: string) {
  const study = (await store.getStudy(team, studyId))!;
  const trials = await readAll((p) => store.listTrials(team, studyId, p));
  const rows = [];
  for (const t of trials) {
    const measurements = await store.listMeasurements(team, studyId, t.trialId);
    rows.push({
      id: t.trialId,
      bracket: t.bracket,
      rung: t.rung,
      params: t.params,
      state: t.state,
      resource: t.resource,
      rungValues: t.rungValues,
      value: t.value,
      error: t.state === 'FAILED' ? t.error : undefined,
      measurements: measurements.map((m) => [m.step, m.metrics]),
    });
  }
  return canonicalJson({ state: study.state, best: study.best, trials: rows });
}

/** Invariants of any finished study: money and jobs accounted once, nothing left open. */
export async function accountingAnomalies(store: StudyStore, studyId: string): Promise<string[]> {
  const found: string[] = [];
  const study = (await store.getStudy(team, studyId)) as Study;
  const trials = await readAll((p) => store.listTrials(team, studyId, p));
  const studies = await readAll((p) => store.listStudies(team, p));
  if (studies.length !== 1) found.push(`${studies.length} studies for one create`);
  const jobCost = trials.reduce((s, t: Trial) => s + (t.jobs ?? []).reduce((a, j) => a + (j.costUsd ?? 0), 0), 0);
  if (study.cost) {
    if (Object.keys(study.cost.reservedUsd).length > 0) found.push(`reservations left: ${Object.keys(study.cost.reservedUsd).join(', ')}`);
    if (Math.abs(study.cost.spentUsd - jobCost) > 1e-6) found.push(`spent ${study.cost.spentUsd} but the jobs cost ${jobCost}`);
  }
  if (study.costUsd !== undefined && Math.abs(study.costUsd - jobCost) > 1e-6)
    found.push(`study costUsd ${study.costUsd} but the jobs cost ${jobCost}`);
  // A budget holds up to the overrun of jobs beyond their forecasts.
  const max = study.spec.limits.maxCostUsd;
  if (max !== undefined) {
    const jobs = trials.flatMap((t) => t.jobs ?? []);
    const overrun = jobs.reduce((s, j) => s + Math.max(0, (j.costUsd ?? 0) - (j.forecastUsd ?? 0)), 0);
    if (jobCost > max + overrun + 1e-9) found.push(`spent ${jobCost} over the budget ${max} by more than the overruns (${overrun})`);
    if (jobs.some((j) => j.forecastUsd === undefined)) found.push('a job started without a forecast under a budget');
  }
  // Promotions never exceed what the plan allows at each rung.
  for (const bracket of planBrackets(study.spec.strategy.scheduler, study.spec.limits.maxTrials)) {
    bracket.rungs.forEach((r, i) => {
      const reached = trials.filter(
        (t) => t.bracket === bracket.index && (t.rung > i || (t.rung === i && (t.jobs ?? []).some((j) => j.rung === i))),
      ).length;
      if (reached > r.trials) found.push(`bracket ${bracket.index} rung ${i}: ${reached} trials ran, the plan allows ${r.trials}`);
    });
  }
  for (const t of trials) {
    if ((t.jobs ?? []).some((j) => j.endedAt === undefined)) found.push(`trial ${t.trialId} has a job that never ended`);
    if (!['COMPLETE', 'PRUNED', 'FAILED'].includes(t.state)) found.push(`trial ${t.trialId} ended ${t.state}`);
  }
  return found;
}
