import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../shared/store/memory.js';
import { nextJob } from '../../shared/study/lanes.js';
import { plan } from '../../shared/study/workflow.js';
import { laneSpec, LaneWorld } from '../reliability/support/lanes.js';
import { team } from '../reliability/support/world.js';

describe('a claim stranded by a duplicate NextJob', () => {
  it('is released and adopted by the next round, its job record closed as never run at no cost', async () => {
    // Prepare: lane 0 of round 0 claims trial 0, but Step Functions used another copy's "no job" and the lane ended.
    const store = new MemoryStore();
    const world = new LaneWorld({ store, onStepError: 'retry' });
    const studyId = await world.createStudy(laneSpec());
    await plan(world.steps, { team, studyId });
    const stranded = await nextJob(world.steps, { team, studyId, lane: 0, round: 0, jobIndex: 0 });
    // Act: the next round's first lane asks.
    const replanned = await plan(world.steps, { team, studyId, round: 1 });
    const job = await nextJob(world.steps, { team, studyId, lane: 0, round: 1, jobIndex: 0 });
    // Assess: the stranded trial's slice runs now, under the new claim; the old record cost nothing and holds no reservation.
    expect(stranded).toMatchObject({ run: true, trialId: '0', rung: 0 });
    expect(replanned.lanes.length).toBeGreaterThan(0);
    expect(job).toMatchObject({ run: true, trialId: '0', rung: 0 });
    const trial = (await store.getTrial(team, studyId, '0'))!;
    expect(trial).toMatchObject({ state: 'RUNNING', claim: '1:1:0:0' });
    expect(trial.jobs!.map((j) => ({ neverRan: j.neverRan ?? false, costUsd: j.costUsd, ended: j.endedAt !== undefined }))).toEqual([
      { neverRan: true, costUsd: 0, ended: true },
      { neverRan: false, costUsd: undefined, ended: false },
    ]);
    expect(Object.keys((await store.getStudy(team, studyId))!.cost!.reservedUsd)).toEqual(['0#1']);
  });
});
