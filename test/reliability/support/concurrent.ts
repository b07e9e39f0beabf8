import fc from 'fast-check';
import { createRng } from '../../../shared/rng.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import type { StudyStore } from '../../../shared/store/port.js';
import { finalize, observe, plan, promote, startTrial, suggest, type RungPlan, type TrialSlot } from '../../../shared/study/workflow.js';
import { anomalies, record } from './counters.js';
import { Interleaver, interleaved } from './interleaver.js';
import { accountingAnomalies, outcome, team, World } from './world.js';

/**
 * Concurrency: the steps of a study delivered several times at once (Step Functions delivers at
 * least once; here every delivery races), every rung's trials at once, reports sent as copies
 * with one key, stale StartTrial deliveries racing Observe. Each run interleaves the store calls
 * in an order drawn from its seed. Whatever the order: no trial created twice, no measurement lost
 * or stored twice, no trial promoted twice or beyond the plan, and the study ends exactly as the
 * sequential run does.
 */

const deliveries = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  plan: fc.integer({ min: 1, max: 2 }),
  suggest: fc.integer({ min: 1, max: 3 }),
  start: fc.integer({ min: 1, max: 3 }),
  observe: fc.integer({ min: 1, max: 3 }),
  promote: fc.integer({ min: 1, max: 3 }),
  finalize: fc.integer({ min: 1, max: 2 }),
  reportCopies: fc.integer({ min: 1, max: 3 }),
  staleStarts: fc.boolean(),
});
type Deliveries = typeof deliveries extends fc.Arbitrary<infer T> ? T : never;

function copies<T>(n: number, fn: () => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, fn));
}

async function sequentialReference(spec: object) {
  const store = new MemoryStore();
  const world = new World({ store, onStepError: 'retry' });
  const studyId = await world.createStudy(spec);
  await world.run(studyId);
  return { studyId, result: await outcome(store, studyId) };
}

/** One study with every step delivered `d.*` times at once; returns what went wrong. */
async function concurrentStudy(
  inner: StudyStore,
  spec: object,
  d: Deliveries,
): Promise<{ studyId: string; found: string[]; duplicates: number; released: number; exhausted: boolean }> {
  const rng = createRng(d.seed);
  const il = new Interleaver(() => rng.next());
  const world = new World({
    store: interleaved(inner, il),
    onStepError: 'retry',
    reportCopies: (trialId, step) => 1 + ((Number(trialId) * 7 + step + d.seed) % d.reportCopies),
  });
  const found: string[] = [];
  const same = <T>(what: string, results: T[]) => {
    if (new Set(results.map((r) => JSON.stringify(r))).size > 1) found.push(`${what}: duplicate deliveries answered differently`);
    return results[0];
  };
  const s = world.steps;
  const slotFlow = async (slot: TrialSlot) => {
    const starts = await copies(d.start, () => world.step(() => startTrial(s, slot)));
    const started = starts.find((r) => r.run);
    if (!started) return;
    same(
      `StartTrial ${slot.trialId}`,
      starts.filter((r) => r.run),
    );
    const jobError = await world.job(started);
    const input = { ...slot, run: true, ...(jobError ? { jobError } : {}) };
    await Promise.all([
      copies(d.observe, () => world.step(() => observe(s, input))),
      d.staleStarts ? world.step(() => startTrial(s, slot)) : undefined,
    ]);
  };
  const studyId = await il.run(
    (async () => {
      // Two clients create at once with one key: one study.
      const [a, b] = await copies(2, () => world.send('POST', '/studies', spec, 'create-study-1'));
      world.duplicates++;
      if (a.body.studyId !== b.body.studyId) found.push(`one key created ${a.body.studyId} and ${b.body.studyId}`);
      const id = a.body.studyId as string;
      const planned = same('Plan', await copies(d.plan, () => world.step(() => plan(s, { team, studyId: id }))));
      for (const bracket of planned.brackets) {
        let rung: RungPlan = same('Suggest', await copies(d.suggest, () => world.step(() => suggest(s, bracket))));
        while (!rung.done) {
          await Promise.all(rung.trials.map(slotFlow));
          const current = rung;
          rung = same('Promote', await copies(d.promote, () => world.step(() => promote(s, current))));
        }
      }
      await copies(d.finalize, () => world.step(() => finalize(s, { team, studyId: id, outcome: 'COMPLETED' })));
      return id;
    })(),
  );
  const deliveredTwice = d.plan + d.suggest + d.start + d.observe + d.promote + d.finalize - 6;
  found.push(...world.anomalies, ...(await accountingAnomalies(inner, studyId)));
  const exhausted = (await inner.getStudy(team, studyId))?.cost?.budgetExhausted === true;
  return { studyId, found, duplicates: world.duplicates + deliveredTwice, released: il.released, exhausted };
}

export async function property(makeStore: () => Promise<StudyStore>, spec: object, numRuns: number, compare: boolean) {
  const reference = await sequentialReference(spec);
  let runs = 0;
  let duplicates = 0;
  let exhausted = 0;
  const found: string[] = [];
  await fc.assert(
    fc.asyncProperty(deliveries, async (d) => {
      const store = await makeStore();
      const run = await concurrentStudy(store, spec, d);
      runs++;
      duplicates += run.duplicates;
      if (run.exhausted) exhausted++;
      const problems = [...run.found];
      if (compare && (await outcome(store, run.studyId)) !== reference.result)
        problems.push('the study ended differently from the sequential run');
      if (problems.length > 0) found.push(`seed ${d.seed}: ${problems.join('; ')}`);
      return problems.length === 0;
    }),
    { numRuns, seed: 20260101, endOnFailure: true },
  );
  record({ interleavings: runs, duplicates });
  return { found: anomalies(found), exhausted, runs };
}
