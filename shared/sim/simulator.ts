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
  /** How jobs get onto workers and what starting them costs; default: nothing (the protocol's replay). */
  execution?: Execution;
}

/**
 * What starting work costs. A job is one trial trained from one epoch until it pauses, stops or
 * completes (one trial-rung, or several when ASHA lets a trial continue through its rungs).
 *
 * - `per-job`: every job is a fresh container, as each trial-rung is its own AWS Batch job today.
 *   It pays the container start L (scheduling, instance start, image pull, process start, CUDA
 *   initialisation, data loading) and then the process start P before its first epoch; resuming a
 *   paused trial is a new job and pays L + P again.
 * - `warm`: W long-lived workers. Each pays L once, when it starts at t = 0 (it is told its first
 *   job at t = 0 as in the protocol and trains from L + P). After that a job pays only P, the start
 *   of the job's process in a worker that runs each job as its own process; a worker that calls the
 *   training function inside its one long-lived process has P = 0 (the benchmark's default). A
 *   worker that goes on with the very trial it just paused, promoted at once (ASHA promoting a trial
 *   right at its rung), does not even pay P: the model and data are still in memory, no checkpoint
 *   round trip.
 *
 * Start time runs on the wall clock (it counts against T) but is not training: busyFraction counts
 * only training seconds. With L = P = 0 both modes are exactly the protocol's replay.
 */
export interface Execution {
  mode: ExecutionMode;
  /** L, seconds. */
  jobStartSeconds: number;
  /** P, seconds. */
  processStartSeconds: number;
}

export const executionModes = ['per-job', 'warm'] as const;
export type ExecutionMode = (typeof executionModes)[number];
export const noStartCost: Execution = { mode: 'per-job', jobStartSeconds: 0, processStartSeconds: 0 };

export type TraceEntry =
  /** `time`: the worker was given the job; `training`: its first epoch began (after any start cost). */
  | { kind: 'start'; time: number; training: number; worker: number; trial: number; bracket: number; from: number; row: number }
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
  /** Fraction of W * T that went to starting containers and processes (Execution), up to T. */
  startFraction: number;
  trace: TraceEntry[];
}

interface SimTrial extends TrialRecord {
  row: number;
}

interface Lane {
  trial?: SimTrial;
  /** Simulated time the current job began training (after its start cost), and the epoch its checkpoint held then. */
  start: number;
  from: number;
  /** The trial this worker's last job paused, and when: warm workers go on with it at no cost. */
  paused?: { trial: number; at: number };
}

/**
 * Replays tuning on simulated time over a table of learning curves (PROTOCOL.md). Every running
 * trial has exactly one pending event, its next epoch report; events are processed in time order,
 * ties by worker index. A worker that becomes free asks at once; a worker told to WAIT asks again
 * (in index order, after the worker whose event freed work) whenever the trial table changes.
 * Resuming a paused trial from its checkpoint costs only the new epochs: a job from epoch a
 * reports epoch e at start + time[e] - time[a], where start is when it begins training: the time it
 * was given to the worker plus its start cost (Execution; none by default).
 */
export function simulate(input: SimulationInput): SimulationResult {
  const { table, space, scheduler, sampler, workers, seed } = input;
  const execution = input.execution ?? noStartCost;
  const { mode, jobStartSeconds: L, processStartSeconds: P } = execution;
  if (!executionModes.includes(mode)) throw new Error(`execution.mode must be one of ${executionModes.join(', ')}, got ${mode}`);
  for (const [k, v] of [
    ['jobStartSeconds', L],
    ['processStartSeconds', P],
  ] as const)
    if (!Number.isFinite(v) || v < 0) throw new Error(`execution.${k} must be a finite number >= 0, got ${v}`);
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
  // Warm workers boot once, at t = 0, whether or not the scheduler has work for them.
  let starting = mode === 'warm' ? workers * Math.min(L, budget) : 0;
  // What a long-lived sampler process would keep in memory between suggestions of one study.
  const cache = new Map<string, unknown>();

  /** When a job given to worker w at `now` begins training (Execution); `now` itself when starts are free. */
  const trainingStart = (lane: Lane, trial: SimTrial, now: number): number => {
    if (mode === 'per-job') return now + (L + P);
    const ready = Math.max(now, L);
    const sameTrialAtOnce = lane.paused?.trial === trial.id && lane.paused.at === now;
    return ready + (sameTrialAtOnce ? 0 : P);
  };

  const schedule = (w: number, trial: SimTrial, now: number) => {
    const lane = lanes[w];
    const training = trainingStart(lane, trial, now);
    // The job's own start (a warm worker's boot is counted once, above), clipped to [0, T].
    starting += Math.max(0, Math.min(training, budget) - Math.min(mode === 'warm' ? Math.max(now, L) : now, budget));
    lane.trial = trial;
    lane.start = training;
    lane.from = trial.resource;
    lane.paused = undefined;
    trial.status = 'RUNNING';
    if (input.trace)
      trace.push({
        kind: 'start',
        time: now,
        training,
        worker: w,
        trial: trial.id,
        bracket: trial.bracket,
        from: trial.resource,
        row: trial.row,
      });
    queue.push({
      time: training + table.timeAt(trial.row, trial.resource + 1) - table.timeAt(trial.row, trial.resource),
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
    if (decision === 'PAUSE') lane.paused = { trial: trial.id, at: now };
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
    startFraction: starting / (workers * budget),
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
