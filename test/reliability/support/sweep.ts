import { expect } from 'vitest';
import { FaultyStore, type FaultPlan } from '../../../shared/store/faulty.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import { anomalies, record } from './counters.js';
import { accountingAnomalies, outcome, World } from './world.js';

/**
 * Fault injection at every write: for each write k of a whole study (API creates and reports with
 * idempotency keys, every workflow step), a run where write k fails before it happens and one
 * where it happens but the caller sees an error (a Lambda timeout). With the steps retried the
 * study ends exactly as without faults; with the execution failed and the study resumed, too,
 * without running a finished trial-rung again.
 */

/** How a kind of study is run from scratch on a store (the bracket World, or the LaneWorld). */
export interface StudyRun {
  world(store: FaultyStore, mode: 'retry' | 'resume'): World;
  create(world: World): Promise<string>;
  /** Names the kind in anomaly messages. */
  label: string;
}

const bracketRun: StudyRun = {
  world: (store, mode) => new World({ store, onStepError: mode }),
  create: (world) => world.createStudy(),
  label: 'study',
};

export async function reference(run: StudyRun = bracketRun) {
  const store = new FaultyStore(new MemoryStore());
  const world = run.world(store, 'retry');
  const studyId = await run.create(world);
  await world.run(studyId);
  return { store, world, studyId, result: await outcome(store, studyId) };
}

/**
 * With `recovery`, each write k is also faulted again while the study recovers from the first
 * fault: a second fault a few writes later (the offset and its side vary with k), which lands in
 * the retried step, in MarkFailed, in the resume or in the resumed attempt's repairs (adoptions).
 */
export async function sweep(mode: 'retry' | 'resume', run: StudyRun = bracketRun, options: { recovery?: boolean } = {}) {
  const ref = await reference(run);
  expect(ref.world.anomalies).toEqual([]);
  expect(await accountingAnomalies(ref.store, ref.studyId)).toEqual([]);
  const total = ref.store.writes.length;
  const pointsInRun = new Set(ref.store.writes.map((w) => w.point));
  const hit = new Set<string>();
  /** Write points hit by a second fault, during recovery (not all are written by the reference). */
  const recoveryHit = new Set<string>();
  const found: string[] = [];
  let faults = 0;
  let duplicates = 0;
  const cases: FaultPlan[] = Array.from({ length: total }, (_, i) => i + 1).flatMap((at) =>
    (['before', 'after'] as const).flatMap((when) => {
      const single: FaultPlan = { at, when };
      if (!options.recovery) return [single];
      const then = { after: 1 + ((at * 7) % 23), when: at % 2 === 0 ? ('before' as const) : ('after' as const) };
      return [single, { at, when, then }];
    }),
  );
  for (const plan of cases) {
    const { at, when } = plan;
    // The run is the reference's up to the fault (it is deterministic): its write point is the reference's.
    const store = new FaultyStore(new MemoryStore(), plan, false);
    const point = `${ref.store.writes[at - 1].point}${plan.then ? `, then ${plan.then.when} write +${plan.then.after}` : ''}`;
    const world = run.world(store, mode);
    try {
      const studyId = await run.create(world);
      await world.run(studyId);
      if (studyId !== ref.studyId) found.push(`${when} write ${at}: study id ${studyId}, not ${ref.studyId}`);
      const result = await outcome(store.inner, studyId);
      if (result !== ref.result) found.push(`${when} write ${at} (${point}): the ${run.label} ended differently`);
      for (const a of await accountingAnomalies(store.inner, studyId)) found.push(`${when} write ${at} (${point}): ${a}`);
    } catch (e) {
      found.push(`${when} write ${at} (${point}): ${(e as Error).message}`);
    }
    for (const a of world.anomalies) found.push(`${when} write ${at} (${point}): ${a}`);
    if (store.fired) {
      hit.add(ref.store.writes[at - 1].point);
      if (store.fired.method !== ref.store.writes[at - 1].method)
        found.push(`${when} write ${at}: hit ${store.fired.method}, the reference wrote ${point}`);
    }
    faults += store.firedAll.length;
    for (const f of store.firedAll.slice(1)) recoveryHit.add(f.point);
    duplicates += world.duplicates;
  }
  record({ faults, duplicates, writePoints: [...hit, ...recoveryHit] });
  return { total, cases: cases.length, faults, pointsInRun, hit, recoveryHit, found: anomalies(found) };
}
