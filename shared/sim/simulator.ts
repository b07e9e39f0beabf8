import { createRng, deriveSeed } from '../rng.js';
import type { Observation, Sampler } from '../samplers/sampler.js';
import type { Scheduler, TrialRecord } from '../schedulers/scheduler.js';
import type { Params } from '../space/schema.js';
import type { SearchSpace } from '../space/space.js';
import { EventQueue } from './event-queue.js';
import type { CurveTable } from './table.js';

export interface SimulationInput {
  table: CurveTable;
  space: SearchSpace;
  scheduler: Scheduler;
  sampler: Sampler;
  workers: number;
  /** Seed of the run: the sampler's generator for suggestion i is seeded with (seed, i). */
  seed: number;
  /** Keep a log of every job start and report (tests read it; benchmarks leave it off). */
  trace?: boolean;
}

export type TraceEntry =
  | { kind: 'start'; time: number; worker: number; trial: number; bracket: number; from: number; row: number }
  | { kind: 'report'; time: number; worker: number; trial: number; epoch: number; score: number; decision: string }
  | { kind: 'idle'; time: number; worker: number };

export interface SimulationResult {
  /** (time, incumbent) each time the incumbent improved, in time order. */
  improvements: { time: number; value: number }[];
  trials: number;
  /** Distinct table rows that reported at least once. */
  rows: number;
  /** Fraction of W * T that workers spent training (reports up to T). */
  busyFraction: number;
  trace: TraceEntry[];
}

interface SimTrial extends TrialRecord {
  row: number;
}

interface Lane {
  trial?: SimTrial;
  /** Simulated time the current job started, and the epoch its checkpoint held then. */
  start: number;
  from: number;
}

/**
 * Replays tuning on simulated time over a table of learning curves (PROTOCOL.md). Every running
 * trial has exactly one pending event, its next epoch report; events are processed in time order,
 * ties by worker index. A worker that becomes free asks at once; a worker told to WAIT asks again
 * (in index order, after the worker whose event freed work) whenever the trial table changes.
 * Resuming a paused trial from its checkpoint costs only the new epochs: a job from epoch a
 * reports epoch e at start + time[e] - time[a].
 */
export function simulate(input: SimulationInput): SimulationResult {
  const { table, space, scheduler, sampler, workers, seed } = input;
  const budget = table.budget;
  const trials: SimTrial[] = [];
  const observations: Observation[] = [];
  const lanes: Lane[] = Array.from({ length: workers }, () => ({ start: 0, from: 0 }));
  const queue = new EventQueue();
  const trace: TraceEntry[] = [];
  const improvements: { time: number; value: number }[] = [];
  const rowsSeen = new Set<number>();
  const maxEpoch = Math.min(scheduler.maxResource, table.maxEpoch);
  let best = -Infinity;
  let busy = 0;
  // What a long-lived sampler process would keep in memory between suggestions of one study.
  const cache = new Map<string, unknown>();

  const schedule = (w: number, trial: SimTrial, now: number) => {
    const lane = lanes[w];
    lane.trial = trial;
    lane.start = now;
    lane.from = trial.resource;
    trial.status = 'RUNNING';
    if (input.trace)
      trace.push({ kind: 'start', time: now, worker: w, trial: trial.id, bracket: trial.bracket, from: trial.resource, row: trial.row });
    queue.push({
      time: now + table.timeAt(trial.row, trial.resource + 1) - table.timeAt(trial.row, trial.resource),
      worker: w,
      epoch: trial.resource + 1,
    });
  };

  const newTrial = (bracket: number): SimTrial => {
    const index = trials.length;
    const pending: Params[] = [];
    for (const l of lanes) if (l.trial) pending.push(l.trial.params);
    const params = sampler.suggest({
      space,
      observations,
      pending,
      maxResource: maxEpoch,
      index,
      rng: createRng(deriveSeed(seed, index)),
      seed,
      cache,
    });
    const trial: SimTrial = { id: index, params, bracket, resource: 0, status: 'RUNNING', scores: [], row: table.nearestRow(params) };
    trials.push(trial);
    return trial;
  };

  /** Gives worker w its next job; false when the scheduler has nothing for it. */
  const ask = (w: number, now: number): boolean => {
    const job = scheduler.next(trials);
    if (job.decision === 'WAIT') {
      lanes[w].trial = undefined;
      if (input.trace) trace.push({ kind: 'idle', time: now, worker: w });
      return false;
    }
    const trial = job.decision === 'NEW' ? newTrial(job.bracket) : trials[job.trialId];
    if (job.decision === 'PROMOTE' && trial.status !== 'PAUSED')
      throw new Error(`scheduler promoted trial ${trial.id} in state ${trial.status}`);
    schedule(w, trial, now);
    return true;
  };

  const idle = new Set<number>();
  const askIdle = (now: number) => {
    for (const w of [...idle].sort((a, b) => a - b)) {
      if (ask(w, now)) idle.delete(w);
      else break; // the scheduler had nothing for this worker: it has nothing for the others either
    }
  };

  for (let w = 0; w < workers; w++) if (!ask(w, 0)) idle.add(w);

  for (let ev = queue.pop(); ev; ev = queue.pop()) {
    // A report after T does not count (one at exactly T does); trials running at T stay unfinished.
    if (ev.time > budget) break;
    const now = ev.time;
    const lane = lanes[ev.worker];
    const trial = lane.trial!;
    const score = table.score(trial.row, ev.epoch);
    trial.resource = ev.epoch;
    trial.scores[ev.epoch - 1] = score;
    rowsSeen.add(trial.row);
    if (score > best) {
      best = score;
      improvements.push({ time: now, value: score });
    }
    if (scheduler.milestones(trial.bracket).includes(ev.epoch)) {
      observations.push({ params: trial.params, score, resource: ev.epoch });
    }

    let decision: string;
    if (ev.epoch >= maxEpoch) {
      trial.status = 'COMPLETE';
      decision = 'COMPLETE';
    } else {
      decision = scheduler.onReport(trials, trial, ev.epoch);
      if (decision === 'PAUSE') trial.status = 'PAUSED';
      else if (decision === 'STOP') trial.status = 'STOPPED';
    }
    if (input.trace) trace.push({ kind: 'report', time: now, worker: ev.worker, trial: trial.id, epoch: ev.epoch, score, decision });

    if (decision === 'CONTINUE') {
      queue.push({
        time: lane.start + table.timeAt(trial.row, ev.epoch + 1) - table.timeAt(trial.row, lane.from),
        worker: ev.worker,
        epoch: ev.epoch + 1,
      });
      continue;
    }
    busy += now - lane.start;
    lane.trial = undefined;
    if (!ask(ev.worker, now)) idle.add(ev.worker);
    askIdle(now);
  }

  // Work in progress at the end counts as busy up to T.
  for (const l of lanes) if (l.trial) busy += Math.max(0, budget - l.start);
  return {
    improvements,
    trials: trials.length,
    rows: rowsSeen.size,
    busyFraction: busy / (workers * budget),
    trace,
  };
}

/** Normalized regret at each checkpoint (fractions of T); 1.0 while nothing has been reported. */
export function regretAt(result: SimulationResult, table: CurveTable, checkpoints: readonly number[]): number[] {
  return checkpoints.map((frac) => {
    const t = frac * table.budget;
    let inc: number | undefined;
    for (const imp of result.improvements) {
      if (imp.time > t) break;
      inc = imp.value;
    }
    return inc === undefined ? 1 : (table.yStar - inc) / (table.yStar - table.yMed);
  });
}
