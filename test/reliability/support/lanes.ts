import fc from 'fast-check';
import { createRng } from '../../../shared/rng.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import { readAll, type StudyStore } from '../../../shared/store/port.js';
import { orient } from '../../../shared/study/best.js';
import { nextJob, observeJob, type LaneInput, type LaneJob } from '../../../shared/study/lanes.js';
import type { Trial } from '../../../shared/study/types.js';
import { finalize, plan, type StartTrialResult } from '../../../shared/study/workflow.js';
import { anomalies, record } from './counters.js';
import { Interleaver, interleaved } from './interleaver.js';
import { accountingAnomalies, studySpec, team, World, type WorldOptions } from './world.js';
import { reference, sweep, type StudyRun } from './sweep.js';

/**
 * The asynchronous path (docs/workflow.md, LaneMachine) driven as the World drives brackets:
 * Plan, then each lane NextJob -> the job reports through the API -> ObserveJob -> NextJob ...
 * until it gets no job, Replan (round + 1) while lanes come back, then Finalize. Sequentially the
 * lanes take turns one job at a time (a deterministic run); the interleaving property runs them
 * at once with duplicated deliveries.
 */

export const eta = 3;

export function laneSpec(overrides: Record<string, unknown> = {}) {
  return studySpec({
    strategy: { sampler: 'random', scheduler: { type: 'asha', min: 1, max: 9, eta }, seed: 17 },
    limits: { maxTrials: 10, parallelism: 3, maxFailedTrials: 10, maxCostUsd: 500 },
    ...overrides,
  });
}

type Lane = { position: LaneInput };

export class LaneWorld extends World {
  constructor(options: WorldOptions) {
    super(options);
  }

  /** One execution of StudyMachine on the lane path: Plan, RunLanes, Replan until no lanes, Finalize. */
  override async execute(studyId: string): Promise<void> {
    let planned = await this.step(() => plan(this.steps, { team, studyId }));
    let round = 0;
    while (planned.lanes.length > 0) {
      let lanes: Lane[] = planned.lanes.map((l) => ({ position: { team, studyId, lane: l.lane, round: l.round, jobIndex: 0 } }));
      // The lanes take turns, one job each.
      while (lanes.length > 0) {
        const still: Lane[] = [];
        for (const lane of lanes) {
          const job = await this.step(() => nextJob(this.steps, lane.position));
          if (!job.run) continue;
          lane.position = await this.laneJob(job);
          still.push(lane);
        }
        lanes = still;
      }
      const r = ++round;
      planned = await this.step(() => plan(this.steps, { team, studyId, round: r }));
    }
    await this.step(() => finalize(this.steps, { team, studyId, outcome: 'COMPLETED' }));
  }

  /** TrainTrial then ObserveJob (a failed job goes to ObserveJob with its error, as the Catch does). */
  async laneJob(job: LaneJob, observeCopies = 1): Promise<LaneInput> {
    const jobError = await this.job(job as unknown as StartTrialResult);
    const input = { ...job, trialId: job.trialId!, rung: job.rung!, ...(jobError ? { jobError } : {}) };
    const next = await Promise.all(Array.from({ length: observeCopies }, () => this.step(() => observeJob(this.steps, input))));
    return next[0];
  }
}

/** The lane study as the fault sweep runs it (support/sweep.ts). */
export const laneRun: StudyRun = {
  world: (store, mode) => new LaneWorld({ store, onStepError: mode }),
  create: (world) => world.createStudy(laneSpec()),
  label: 'lane study',
};

export const laneReference = () => reference(laneRun);

/** Fault before and after every write of the reference lane study (see sweep.ts). */
export const laneSweep = (mode: 'retry' | 'resume') => sweep(mode, laneRun);

/**
 * The store under the interleaver, watching each write as it lands (the interleaver serializes
 * store calls, so the inner store's state at a write is the state at the moment of the write):
 * a trial created twice, a trial-rung run twice, a measurement stored twice, a promotion from
 * outside the top floor(n / eta) of its rung that is not the documented finishing promotion.
 */
function watched(inner: StudyStore, found: string[]): StudyStore {
  /** Trial ids in the order their value at each rung landed. */
  const arrivals: string[][] = [];
  const all = (studyId: string) => readAll((p) => inner.listTrials(team, studyId, p));
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property === 'createTrial') {
        return async (trial: Trial) => {
          const res = await inner.createTrial(trial);
          if (res.created && (await all(trial.studyId)).filter((t) => t.number === trial.number).length !== 1)
            found.push(`trial number ${trial.number} created twice`);
          return res;
        };
      }
      if (property === 'putMeasurement') {
        return async (m: Parameters<StudyStore['putMeasurement']>[0]) => {
          const before = await inner.listMeasurements(m.team, m.studyId, m.trialId);
          const stored = await inner.putMeasurement(m);
          if (stored && before.some((b) => b.step === m.step)) found.push(`trial ${m.trialId} step ${m.step} stored twice`);
          return stored;
        };
      }
      if (property === 'updateTrial') {
        return async (next: Trial) => {
          const prev = await inner.getTrial(next.team, next.studyId, next.trialId);
          const trials = await all(next.studyId);
          const written = await inner.updateTrial(next);
          // PAUSED without a result at its rung -> RUNNING at that rung is an adoption (lanes.ts), not a promotion.
          const adoption = prev?.rungValues[prev.rung] === undefined && written.rung === prev?.rung;
          if (prev && prev.state === 'PAUSED' && written.state === 'RUNNING' && !adoption)
            checkPromotion(prev, written, trials, arrivals[prev.rung] ?? [], found);
          written.rungValues.forEach((v, k) => {
            if (v !== undefined && v !== null && prev?.rungValues[k] === undefined) (arrivals[k] ??= []).push(written.trialId);
          });
          if (prev && prev.state === 'RUNNING' && prev.rungValues[prev.rung] !== undefined)
            found.push(`trial ${prev.trialId} ran rung ${prev.rung} again`);
          return written;
        };
      }
      return value;
    },
  });
}

/**
 * ASHA's rule at the moment of the promotion: NextJob decides on the trials it read, and its
 * claim lands later (other results may land in between, and the claim is a write on the trial
 * alone), so the moment is that read: the trial must rank in the top floor(m / eta) of the first m
 * results of its rung for some m up to now.
 */
function checkPromotion(prev: Trial, next: Trial, trials: Trial[], arrived: string[], found: string[]) {
  const study = { goal: 'maximize' as const, maxTrials: laneSpec().limits.maxTrials };
  const k = prev.rung;
  if (next.rung !== k + 1) found.push(`trial ${prev.trialId} went from PAUSED at rung ${k} to RUNNING at rung ${next.rung}`);
  if (prev.rungValues[k] === undefined) return void found.push(`trial ${prev.trialId} promoted from rung ${k} without a value there`);
  const score = (t: Trial) => orient(study.goal, t.rungValues[k]);
  const byId = new Map(trials.map((t) => [t.trialId, t]));
  const atRung = arrived.map((id) => byId.get(id)!);
  let rank = -1;
  for (let m = 1; m <= atRung.length; m++) {
    const prefix = atRung.slice(0, m).sort((a, b) => score(b) - score(a) || a.number - b.number);
    rank = prefix.findIndex((t) => t.trialId === prev.trialId);
    if (rank >= 0 && rank < Math.floor(m / eta)) return;
  }
  // The finishing promotion: every trial created, none running or complete, the best paused trial of the highest paused rung.
  const paused = trials.filter((t) => t.state === 'PAUSED' && !t.stopRequested);
  const top = Math.max(...paused.map((t) => t.rung));
  const best = paused.filter((t) => t.rung === top).sort((a, b) => score(b) - score(a) || a.number - b.number)[0];
  const finishing =
    trials.length >= study.maxTrials && !trials.some((t) => t.state === 'RUNNING' || t.state === 'WAITING' || t.state === 'COMPLETE');
  if (!finishing || top !== k || best?.trialId !== prev.trialId)
    found.push(
      `trial ${prev.trialId} promoted from rung ${k} at rank ${rank} of ${atRung.length}${finishing ? ' (not the finishing best)' : ''} [${trials.map((t) => `${t.trialId}:${t.state}@${t.rung}`).join(' ')}]`,
    );
}

const deliveries = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  plan: fc.integer({ min: 1, max: 2 }),
  next: fc.integer({ min: 1, max: 3 }),
  observe: fc.integer({ min: 1, max: 3 }),
  finalize: fc.integer({ min: 1, max: 2 }),
  reportCopies: fc.integer({ min: 1, max: 3 }),
  parallelism: fc.integer({ min: 2, max: 4 }),
});
type Deliveries = typeof deliveries extends fc.Arbitrary<infer T> ? T : never;

function copies<T>(n: number, fn: () => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, fn));
}

/** One lane study with every lane at once and every step delivered `d.*` times at once. */
export async function concurrentLanes(d: Deliveries) {
  const inner = new MemoryStore();
  const found: string[] = [];
  const rng = createRng(d.seed);
  const il = new Interleaver(() => rng.next());
  const world = new LaneWorld({
    store: interleaved(watched(inner, found), il),
    onStepError: 'retry',
    reportCopies: (trialId, step) => 1 + ((Number(trialId) * 7 + step + d.seed) % d.reportCopies),
  });
  const spec = laneSpec({ limits: { maxTrials: 10, parallelism: d.parallelism, maxFailedTrials: 10, maxCostUsd: 500 } });
  const s = world.steps;
  const claims: string[] = [];
  let delivered = 0;
  const same = <T>(what: string, results: T[]) => {
    delivered += results.length - 1;
    if (new Set(results.map((r) => JSON.stringify(r))).size > 1)
      found.push(
        `${what}: duplicate deliveries answered differently (${results.map((r) => JSON.stringify(r, ['run', 'trialId', 'rung', 'lanes', 'lane'])).join(' / ')})`,
      );
    return results[0];
  };
  const runLane = async (position: LaneInput) => {
    for (;;) {
      // Duplicate deliveries of NextJob race each other and the other lanes, and Step Functions
      // uses one answer (chosen by the seed): a copy may answer none while another claims a job,
      // or two copies claim different jobs. The claim the lane does not use is stranded until the
      // next round releases it (lanes.ts, releaseStranded).
      const answers = await copies(d.next, () => world.step(() => nextJob(s, position)));
      delivered += d.next - 1;
      const job = answers[(d.seed + position.lane + position.jobIndex) % answers.length];
      if (!job.run) return;
      // Redeliveries after the answer find a claim of this position and claim nothing new. (When
      // racing copies claimed two jobs they may name the other, which the lane never runs.)
      if (d.next > 1) {
        const late = await copies(d.next - 1, () => world.step(() => nextJob(s, position)));
        delivered += late.length;
        if (late.some((l) => !l.run)) found.push(`NextJob ${JSON.stringify(position)} redelivered after a job answered none`);
      }
      claims.push(`${job.trialId}@${job.rung}`);
      position = await world.laneJob(job, d.observe);
      delivered += d.observe - 1;
    }
  };
  const studyId = await il.run(
    (async () => {
      const id = (await world.createStudy(spec)) as string;
      let planned = same('Plan', await copies(d.plan, () => world.step(() => plan(s, { team, studyId: id }))));
      let round = 0;
      while (planned.lanes.length > 0) {
        await Promise.all(planned.lanes.map((l) => runLane({ team, studyId: id, lane: l.lane, round: l.round, jobIndex: 0 })));
        const r = ++round;
        if (r > 50) throw new Error('Replan never ended the rounds');
        planned = same(`Replan ${r}`, await copies(d.plan, () => world.step(() => plan(s, { team, studyId: id, round: r }))));
      }
      await copies(d.finalize, () => world.step(() => finalize(s, { team, studyId: id, outcome: 'COMPLETED' })));
      delivered += d.finalize - 1;
      return id;
    })(),
  );
  const dup = claims.filter((c, i) => claims.indexOf(c) !== i);
  if (dup.length > 0) found.push(`trial-rungs claimed twice: ${dup.join(', ')}`);
  found.push(...world.anomalies, ...(await accountingAnomalies(inner, studyId)));
  const study = (await inner.getStudy(team, studyId))!;
  if (study.state !== 'COMPLETED') found.push(`the study ended ${study.state}`);
  const trials = await readAll((p) => inner.listTrials(team, studyId, p));
  if (trials.length !== 10) found.push(`${trials.length} trials, not 10`);
  if (!trials.some((t) => t.state === 'COMPLETE')) found.push('no trial trained to the full budget');
  for (const t of trials) {
    // Each job record is a job a lane ran, but a stranded claim's, which is closed as never run, at no cost.
    const ran = claims.filter((c) => c.startsWith(`${t.trialId}@`)).length;
    const records = (t.jobs ?? []).filter((j) => !j.neverRan);
    if (records.length !== ran) found.push(`trial ${t.trialId} has ${records.length} job records, lanes ran ${ran} jobs`);
    if ((t.jobs ?? []).some((j) => j.neverRan && j.costUsd !== 0)) found.push(`trial ${t.trialId}: a job that never ran was billed`);
    if (t.state === 'FAILED' && (t.error ?? '').startsWith('interrupted')) found.push(`trial ${t.trialId} ended ${t.error}`);
    const steps = (await inner.listMeasurements(team, studyId, t.trialId)).map((m) => m.step);
    if (new Set(steps).size !== steps.length || steps.some((x, i) => x !== i + 1))
      found.push(`trial ${t.trialId} measurements ${steps.join(',')}`);
  }
  return { found, duplicates: world.duplicates + delivered, released: il.released };
}

export async function laneProperty(numRuns: number) {
  let runs = 0;
  let duplicates = 0;
  const found: string[] = [];
  // The first failing case ends the run; what it found is the assertion's message.
  const report = await fc.check(
    fc.asyncProperty(deliveries, async (d) => {
      const run = await concurrentLanes(d);
      runs++;
      duplicates += run.duplicates;
      if (run.found.length > 0) found.push(`${JSON.stringify(d)}: ${run.found.join('; ')}`);
      return run.found.length === 0;
    }),
    { numRuns, seed: 20260102, endOnFailure: true },
  );
  if (report.failed && found.length === 0) found.push(`the property failed: ${String(report.errorInstance ?? report.counterexample)}`);
  record({ interleavings: runs, duplicates });
  return { found: anomalies(found), runs };
}
