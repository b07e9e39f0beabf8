import { nextJob, type LaneInput } from '../../../shared/study/lanes.js';
import { finalize, plan, type StartTrialResult } from '../../../shared/study/workflow.js';
import { laneSpec, LaneWorld } from './lanes.js';
import type { StudyRun } from './sweep.js';
import { accuracy, studySpec, team, World, type WorldOptions } from './world.js';

/**
 * A person steers the study while it runs (docs/ask-tell.md, Steering), so that the fault sweep
 * also reaches the writes of the steering routes and of the workflow steps that act on them:
 * enqueued configurations (taken by the next new trial), a stopped trial (pruned when its job
 * returns), a lowered maxTrials. Each request is sent when a given trial first starts a given
 * rung, a moment of the study's own progress, so a run with a fault steers where the reference
 * did; each has its Idempotency-Key, and the client retries a 5xx with it.
 */
interface Steer {
  trialId: string;
  rung: number;
  act: (world: World, studyId: string) => Promise<{ status: number }>;
}

const enqueue: Steer['act'] = (w, id) =>
  w.send(
    'POST',
    `/studies/${id}/trials/enqueue`,
    {
      configs: [
        { x: 0.97, act: 'gelu' },
        { x: 0.55, act: 'relu' },
      ],
    },
    'steer-enqueue',
  );
const stop =
  (trialId: string): Steer['act'] =>
  (w, id) =>
    w.send('POST', `/studies/${id}/trials/${trialId}/stop`, {}, `steer-stop-${trialId}`);
const lower: Steer['act'] = (w, id) => w.send('PATCH', `/studies/${id}`, { limits: { maxTrials: 9 } }, 'steer-lower');

function steered<T extends World>(world: T, steers: Steer[]): T {
  const done = new Set<Steer>();
  const job = world.job.bind(world);
  world.job = async (started: StartTrialResult) => {
    const env = started.job!.env;
    for (const s of steers) {
      if (done.has(s) || s.trialId !== env.RUNG_TRIAL_ID || s.rung !== Number(env.RUNG_RUNG)) continue;
      done.add(s);
      const res = await s.act(world, env.RUNG_STUDY_ID);
      if (res.status >= 300) world.anomalies.push(`steering answered ${res.status}`);
    }
    return job(started);
  };
  return world;
}

/** A Hyperband study: configurations enqueued while the first bracket runs, a trial of it stopped while it trains. */
export const steeredBracketRun: StudyRun = {
  world: (store, mode) =>
    steered(new World({ store, onStepError: mode } satisfies WorldOptions), [
      { trialId: '1', rung: 0, act: enqueue },
      { trialId: '3', rung: 0, act: stop('3') },
    ]),
  create: (world) => world.createStudy(studySpec()),
  label: 'steered study',
};

/** An ASHA lane study: configurations enqueued, a running trial stopped, maxTrials lowered by one. */
export const steeredLaneRun: StudyRun = {
  world: (store, mode) =>
    steered(new LaneWorld({ store, onStepError: mode }), [
      { trialId: '1', rung: 0, act: enqueue },
      { trialId: '4', rung: 0, act: stop('4') },
      { trialId: '5', rung: 0, act: lower },
    ]),
  create: (world) => world.createStudy(laneSpec()),
  label: 'steered lane study',
};

/**
 * A lane study in which one NextJob copy's claim is stranded (shared/study/lanes.ts,
 * releaseStranded): lane 0's second NextJob of round 0 claims a job, but the lane ends as if Step
 * Functions had used another copy's "no job". The next round releases the claim and adopts the
 * trial, so the sweep faults those writes too.
 */
class StrandingLaneWorld extends LaneWorld {
  override async execute(studyId: string): Promise<void> {
    let planned = await this.step(() => plan(this.steps, { team, studyId }));
    let round = 0;
    while (planned.lanes.length > 0) {
      let lanes: { position: LaneInput }[] = planned.lanes.map((l) => ({
        position: { team, studyId, lane: l.lane, round: l.round, jobIndex: 0 },
      }));
      while (lanes.length > 0) {
        const still: typeof lanes = [];
        for (const lane of lanes) {
          const job = await this.step(() => nextJob(this.steps, lane.position));
          const { round: r, lane: l, jobIndex } = lane.position;
          if (!job.run || (r === 0 && l === 0 && jobIndex === 1)) continue; // the stranded claim: the lane ends on it
          lane.position = await this.laneJob(job);
          still.push(lane);
        }
        lanes = still;
      }
      const next = ++round;
      planned = await this.step(() => plan(this.steps, { team, studyId, round: next }));
    }
    await this.step(() => finalize(this.steps, { team, studyId, outcome: 'COMPLETED' }));
  }
}

export const strandedLaneRun: StudyRun = {
  world: (store, mode) => new StrandingLaneWorld({ store, onStepError: mode }),
  create: (world) => world.createStudy(laneSpec()),
  label: 'lane study with a stranded claim',
};

/**
 * An external (ask/tell) study: two workers take turns asking for a trial, reporting three steps
 * and completing it, through the API with idempotency keys; a person enqueues a configuration at
 * the start and stops the study once four trials are done, which ends it STOPPED when no trial runs.
 */
class AskTellWorld extends World {
  override async execute(studyId: string): Promise<void> {
    const base = `/studies/${studyId}`;
    await this.send('POST', `${base}/trials/enqueue`, { configs: [{ x: 0.97, act: 'gelu' }] }, 'ask-enqueue');
    const workers = ['w1', 'w2'];
    let completed = 0;
    for (let turn = 0; workers.length > 0; turn++) {
      if (turn > 40) throw new Error('the workers never finished');
      const worker = workers[turn % workers.length];
      const asked = await this.send('POST', `${base}/trials/suggest`, { clientId: worker }, `ask-${worker}-${turn}`);
      if (asked.status !== 200 && asked.status !== 201) throw new Error(`suggest answered ${asked.status}: ${JSON.stringify(asked.body)}`);
      if (asked.body.done) {
        workers.splice(workers.indexOf(worker), 1);
        continue;
      }
      const trial = asked.body.trial as { trialId: string; params: Record<string, unknown> };
      for (let step = 1; step <= 3; step++) {
        await this.send(
          'POST',
          `${base}/trials/${trial.trialId}/measurements`,
          { step, metrics: { acc: accuracy(trial.params, step) } },
          `m-${trial.trialId}-${step}`,
        );
      }
      const done = await this.send('POST', `${base}/trials/${trial.trialId}/complete`, {}, `complete-${trial.trialId}`);
      if (done.status >= 300) this.anomalies.push(`complete of trial ${trial.trialId} answered ${done.status}`);
      if (++completed === 4) await this.send('POST', `${base}/stop`, {}, 'ask-stop');
    }
  }
}

export const askTellRun: StudyRun = {
  world: (store, mode) => new AskTellWorld({ store, onStepError: mode }),
  create: (world) =>
    world.createStudy(
      studySpec({
        strategy: { sampler: 'random', execution: 'external', seed: 17, scheduler: { type: 'fifo', max: 3 } },
        limits: { maxTrials: 8, parallelism: 2 },
      }),
    ),
  label: 'ask/tell study',
};
