import { describe, expect, it } from 'vitest';
import { FaultyStore, writeMethods } from '../../shared/store/faulty.js';
import { MemoryStore } from '../../shared/store/memory.js';
import { anomalies, record } from './support/counters.js';
import { accountingAnomalies, outcome, World } from './support/world.js';

/**
 * Fault injection at every write: for each write k of a whole study (API creates and reports with
 * idempotency keys, every workflow step), a run where write k fails before it happens and one
 * where it happens but the caller sees an error (a Lambda timeout). With the steps retried the
 * study ends exactly as without faults; with the execution failed and the study resumed, too,
 * without running a finished trial-rung again.
 */

async function reference() {
  const store = new FaultyStore(new MemoryStore());
  const world = new World({ store, onStepError: 'retry' });
  const studyId = await world.createStudy();
  await world.run(studyId);
  return { store, world, studyId, result: await outcome(store, studyId) };
}

async function sweep(mode: 'retry' | 'resume') {
  const ref = await reference();
  expect(await accountingAnomalies(ref.store, ref.studyId)).toEqual([]);
  const total = ref.store.writes.length;
  const pointsInRun = new Set(ref.store.writes.map((w) => w.point));
  const hit = new Set<string>();
  const found: string[] = [];
  let faults = 0;
  let duplicates = 0;
  for (let at = 1; at <= total; at++) {
    for (const when of ['before', 'after'] as const) {
      const store = new FaultyStore(new MemoryStore(), { at, when });
      const world = new World({ store, onStepError: mode });
      try {
        const studyId = await world.createStudy();
        await world.run(studyId);
        if (studyId !== ref.studyId) found.push(`${when} write ${at}: study id ${studyId}, not ${ref.studyId}`);
        const result = await outcome(store.inner, studyId);
        if (result !== ref.result) found.push(`${when} write ${at} (${store.fired?.point}): the study ended differently`);
        for (const a of await accountingAnomalies(store.inner, studyId)) found.push(`${when} write ${at} (${store.fired?.point}): ${a}`);
      } catch (e) {
        found.push(`${when} write ${at} (${store.fired?.point}): ${(e as Error).message}`);
      }
      for (const a of world.anomalies) found.push(`${when} write ${at} (${store.fired?.point}): ${a}`);
      if (store.fired) {
        faults++;
        hit.add(store.fired.point);
      }
      duplicates += world.duplicates;
    }
  }
  record({ faults, duplicates, writePoints: [...hit] });
  return { total, faults, pointsInRun, hit, found: anomalies(found) };
}

describe('fault injection at every write point', () => {
  it('a reference study writes through every write method of the store', async () => {
    const ref = await reference();
    const methods = new Set(ref.store.writes.map((w) => w.method));
    expect([...methods].sort()).toEqual([...writeMethods].sort());
    // Measurements reported once per step, and the jobs are the plan's trial-rungs.
    expect(ref.world.anomalies).toEqual([]);
  });

  it('retried steps: a fault before or after any write leaves the study as if nothing happened', async () => {
    const result = await sweep('retry');
    expect(result.found).toEqual([]);
    expect(result.faults).toBe(2 * result.total);
    expect([...result.hit].sort()).toEqual([...result.pointsInRun].sort());
  });

  it('failed executions: MarkFailed, resume, and the study ends as if nothing happened', async () => {
    const result = await sweep('resume');
    expect(result.found).toEqual([]);
    expect(result.faults).toBe(2 * result.total);
    expect([...result.hit].sort()).toEqual([...result.pointsInRun].sort());
  });
});
