import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, ItemTooLargeError, NotFoundError, RetryableConflictError } from '../../shared/errors.js';
import { maxWorkerGrants, readAll, type SamplerStateRecord, type StudyStore } from '../../shared/store/port.js';
import { maxSamplerStateBytes } from '../../shared/store/validate.js';
import type { Measurement, Study, Trial } from '../../shared/study/types.js';
import { makeMeasurement, makeStudy, makeTrial } from '../support/factories.js';

export interface StoreFixture {
  store: StudyStore;
  cleanup(): Promise<void>;
}

/** Every item of a listing, following its tokens with the given page size. */
async function allPages<T>(
  list: (page: { limit: number; nextToken?: string }) => Promise<{ items: T[]; nextToken?: string }>,
  limit: number,
) {
  const pages: T[][] = [];
  let nextToken: string | undefined;
  do {
    const page = await list({ limit, nextToken });
    pages.push(page.items);
    nextToken = page.nextToken;
  } while (nextToken !== undefined && pages.length < 1000);
  return pages;
}

/** The error a promise rejects with (or undefined if it resolves), so that Act can await it at once. */
async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (err: unknown) => err,
  );
}

function iso(second: number): string {
  return new Date(Date.UTC(2025, 0, 1, 0, 0, second)).toISOString();
}

/**
 * The conformance suite of StudyStore (Optuna runs one storage test suite against every
 * storage): each store passes exactly these tests. `makeStore` must give an empty store.
 */
export function describeStoreContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`StudyStore contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: StudyStore;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('studies', () => {
      it('reads back a created study', async () => {
        // Prepare
        const study = makeStudy({ apiUrl: 'http://127.0.0.1:1/v1', best: { trialId: '3', value: 0.9, resource: 9, params: { lr: 0.01 } } });

        // Act
        await store.createStudy(study);
        const got = await store.getStudy('team-a', 'study-1');

        // Assess
        expect(got).toEqual(study);
      });

      it('refuses to create a study twice and keeps the first', async () => {
        // Prepare
        await store.createStudy(makeStudy({ name: 'first' }));

        // Act
        const second = await caught(store.createStudy(makeStudy({ name: 'second' })));

        // Assess
        expect(second).toBeInstanceOf(ConflictError);
        expect((await store.getStudy('team-a', 'study-1'))?.name).toBe('first');
      });

      it('returns undefined for a missing study', async () => {
        // Act
        const got = await store.getStudy('team-a', 'nope');

        // Assess
        expect(got).toBeUndefined();
      });

      it('updates by compare-and-set and increments the version', async () => {
        // Prepare
        const study = makeStudy({ version: 3 });
        await store.createStudy(study);

        // Act
        const updated = await store.updateStudy({ ...study, state: 'RUNNING', attempt: 1 });
        const again = await store.updateStudy({ ...updated, state: 'STOPPING' });

        // Assess
        expect(updated).toEqual({ ...study, state: 'RUNNING', attempt: 1, version: 4 });
        expect(again.version).toBe(5);
        expect(await store.getStudy('team-a', 'study-1')).toEqual(again);
      });

      it('refuses an update from a stale version and keeps the stored study', async () => {
        // Prepare
        const study = makeStudy();
        await store.createStudy(study);
        const current = await store.updateStudy({ ...study, state: 'RUNNING' });

        // Act
        const stale = await caught(store.updateStudy({ ...study, state: 'FAILED' }));

        // Assess
        expect(stale).toBeInstanceOf(RetryableConflictError);
        expect(await store.getStudy('team-a', 'study-1')).toEqual(current);
      });

      it('refuses an update from a future version', async () => {
        // Prepare
        const study = makeStudy();
        await store.createStudy(study);

        // Act
        const ahead = await caught(store.updateStudy({ ...study, version: 7 }));

        // Assess
        expect(ahead).toBeInstanceOf(RetryableConflictError);
      });

      it('reports an update of a missing study as NotFoundError and creates nothing', async () => {
        // Act
        const update = await caught(store.updateStudy(makeStudy({ studyId: 'ghost' })));

        // Assess
        expect(update).toBeInstanceOf(NotFoundError);
        expect(await store.getStudy('team-a', 'ghost')).toBeUndefined();
      });

      it('lists an empty team as one empty page', async () => {
        // Act
        const page = await store.listStudies('team-empty');

        // Assess
        expect(page).toEqual({ items: [] });
      });

      it('lists studies newest first, ties by id, through pages without loss or repeat', async () => {
        // Prepare: 7 studies in scrambled order, two sharing a creation time.
        const created = [
          makeStudy({ studyId: 's3', createdAt: iso(3) }),
          makeStudy({ studyId: 's1', createdAt: iso(1) }),
          makeStudy({ studyId: 's6b', createdAt: iso(6) }),
          makeStudy({ studyId: 's5', createdAt: iso(5) }),
          makeStudy({ studyId: 's6a', createdAt: iso(6) }),
          makeStudy({ studyId: 's2', createdAt: iso(2) }),
          makeStudy({ studyId: 's4', createdAt: iso(4) }),
        ];
        for (const s of created) await store.createStudy(s);

        // Act
        const pages = await allPages((p) => store.listStudies('team-a', p), 2);

        // Assess
        expect(pages.map((p) => p.map((s) => s.studyId))).toEqual([['s6a', 's6b'], ['s5', 's4'], ['s3', 's2'], ['s1']]);
        expect(pages.flat()[0]).toEqual(created[4]);
      });

      it('gives no token on a last page that is exactly full', async () => {
        // Prepare
        for (let i = 0; i < 4; i++) await store.createStudy(makeStudy({ studyId: `s${i}`, createdAt: iso(i) }));

        // Act
        const first = await store.listStudies('team-a', { limit: 2 });
        const second = await store.listStudies('team-a', { limit: 2, nextToken: first.nextToken });
        const whole = await store.listStudies('team-a', { limit: 4 });

        // Assess
        expect(first.nextToken).toEqual(expect.any(String));
        expect(second.items.map((s) => s.studyId)).toEqual(['s1', 's0']);
        expect(second.nextToken).toBeUndefined();
        expect(whole.nextToken).toBeUndefined();
      });

      it('keeps paging stable when a newer study is created between pages', async () => {
        // Prepare
        for (let i = 0; i < 4; i++) await store.createStudy(makeStudy({ studyId: `s${i}`, createdAt: iso(i) }));
        const first = await store.listStudies('team-a', { limit: 2 });

        // Act
        await store.createStudy(makeStudy({ studyId: 'late', createdAt: iso(30) }));
        const second = await store.listStudies('team-a', { limit: 2, nextToken: first.nextToken });

        // Assess
        expect(first.items.map((s) => s.studyId)).toEqual(['s3', 's2']);
        expect(second.items.map((s) => s.studyId)).toEqual(['s1', 's0']);
      });

      it('serves 20 concurrent updates from one version to exactly one writer', async () => {
        // Prepare
        const study = makeStudy();
        await store.createStudy(study);

        // Act
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => store.updateStudy({ ...study, name: `writer-${i}` })),
        );

        // Assess
        const won = results.filter((r): r is PromiseFulfilledResult<Study> => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost.every((r) => r.reason instanceof RetryableConflictError)).toBe(true);
        expect(await store.getStudy('team-a', 'study-1')).toEqual({ ...study, name: won[0].value.name, version: 1 });
      });
    });

    describe('item size', () => {
      it("refuses a study update over DynamoDB's 400 KB as ItemTooLargeError and keeps the stored study", async () => {
        // Prepare: 60 configurations of 7 KB each (about 420 KB) on the study item.
        const study = makeStudy();
        await store.createStudy(study);
        const enqueued = Array.from({ length: 60 }, (_, i) => ({ id: `q${i}`, params: { text: 'x'.repeat(7000) }, at: iso(i) }));

        // Act
        const error = await caught(store.updateStudy({ ...study, enqueued }));

        // Assess
        expect(error).toBeInstanceOf(ItemTooLargeError);
        expect(await store.getStudy('team-a', 'study-1')).toEqual(study);
      });

      it('takes an update just under the limit', async () => {
        // Prepare: 50 configurations of 7 KB each (about 350 KB).
        const study = makeStudy();
        await store.createStudy(study);
        const enqueued = Array.from({ length: 50 }, (_, i) => ({ id: `q${i}`, params: { text: 'x'.repeat(7000) }, at: iso(i) }));

        // Act
        const updated = await store.updateStudy({ ...study, enqueued });

        // Assess
        expect(updated.enqueued).toHaveLength(50);
      });
    });

    describe('trials', () => {
      it('creates a trial once and returns the first content to later creates', async () => {
        // Prepare
        const first = makeTrial({ number: 5, params: { lr: 0.01 } });

        // Act
        const a = await store.createTrial(first);
        const b = await store.createTrial(makeTrial({ number: 5, params: { lr: 0.09 }, state: 'RUNNING' }));

        // Assess
        expect(a).toEqual({ trial: first, created: true });
        expect(b).toEqual({ trial: first, created: false });
        expect(await store.getTrial('team-a', 'study-1', '5')).toEqual(first);
      });

      it('returns undefined for a missing trial', async () => {
        // Act
        const got = await store.getTrial('team-a', 'study-1', '12');

        // Assess
        expect(got).toBeUndefined();
      });

      it('updates by compare-and-set, refuses stale versions, reports missing trials', async () => {
        // Prepare
        const trial = makeTrial({ number: 1 });
        await store.createTrial(trial);

        // Act
        const running = await store.updateTrial({ ...trial, state: 'RUNNING', startedAt: iso(1) });
        const stale = await caught(store.updateTrial({ ...trial, state: 'FAILED' }));
        const missing = await caught(store.updateTrial(makeTrial({ number: 2 })));

        // Assess
        expect(running).toEqual({ ...trial, state: 'RUNNING', startedAt: iso(1), version: 1 });
        expect(stale).toBeInstanceOf(RetryableConflictError);
        expect(missing).toBeInstanceOf(NotFoundError);
        expect(await store.getTrial('team-a', 'study-1', '1')).toEqual(running);
        expect(await store.getTrial('team-a', 'study-1', '2')).toBeUndefined();
      });

      it('lists trials in number order (not string order) through pages', async () => {
        // Prepare
        const numbers = [100, 2, 11, 0, 9, 10, 1, 99_999_999];
        for (const number of numbers) await store.createTrial(makeTrial({ number }));

        // Act
        const pages = await allPages((p) => store.listTrials('team-a', 'study-1', p), 3);

        // Assess
        expect(pages.map((p) => p.map((t) => t.number))).toEqual([
          [0, 1, 2],
          [9, 10, 11],
          [100, 99_999_999],
        ]);
      });

      it('lists an empty study and keeps studies apart', async () => {
        // Prepare
        await store.createTrial(makeTrial({ studyId: 'other', number: 1 }));

        // Act
        const page = await store.listTrials('team-a', 'study-1');

        // Assess
        expect(page).toEqual({ items: [] });
      });

      it('gives no token when a page holds every trial exactly', async () => {
        // Prepare
        for (let number = 0; number < 3; number++) await store.createTrial(makeTrial({ number }));

        // Act
        const page = await store.listTrials('team-a', 'study-1', { limit: 3 });

        // Assess
        expect(page.items).toHaveLength(3);
        expect(page.nextToken).toBeUndefined();
      });

      it('serves 20 concurrent updates from one version to exactly one writer', async () => {
        // Prepare
        const trial = makeTrial({ number: 3 });
        await store.createTrial(trial);

        // Act
        const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store.updateTrial({ ...trial, resource: i })));

        // Assess
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(rejected.map((r) => r.reason).every((e) => e instanceof RetryableConflictError)).toBe(true);
        expect((await store.getTrial('team-a', 'study-1', '3'))?.version).toBe(1);
      });

      it('serves 20 concurrent creates of one trial to exactly one creator', async () => {
        // Act
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.createTrial(makeTrial({ number: 4, resource: i }))));

        // Assess
        const winners = results.filter((r) => r.created);
        expect(winners).toHaveLength(1);
        expect(results.every((r) => r.trial.resource === winners[0].trial.resource)).toBe(true);
      });

      it('refuses a trial whose id is not its number', async () => {
        // Act
        const mismatched = await caught(store.createTrial(makeTrial({ trialId: '3', number: 4 })));
        const padded = await caught(store.createTrial(makeTrial({ trialId: '007', number: 7 })));

        // Assess
        expect(mismatched).toBeInstanceOf(InvalidInputError);
        expect(padded).toBeInstanceOf(InvalidInputError);
      });
    });

    describe('measurements', () => {
      it('stores one measurement per step and keeps the first values', async () => {
        // Prepare
        const first = makeMeasurement({ step: 3, metrics: { acc: 0.7, loss: 0.3 } });

        // Act
        const a = await store.putMeasurement(first);
        const b = await store.putMeasurement(makeMeasurement({ step: 3, metrics: { acc: 0.1 } }));

        // Assess
        expect([a, b]).toEqual([true, false]);
        expect(await store.listMeasurements('team-a', 'study-1', '0')).toEqual([first]);
      });

      it('lists measurements in numeric step order, fractional steps included', async () => {
        // Prepare
        const steps = [10, 0.5, 2, 1.25, 100, 0, 1, 1.5, 1e-7, 123_456_789.125];
        for (const step of steps) await store.putMeasurement(makeMeasurement({ step, metrics: { acc: step } }));

        // Act
        const listed = await store.listMeasurements('team-a', 'study-1', '0');

        // Assess
        expect(listed.map((m) => m.step)).toEqual([...steps].sort((a, b) => a - b));
        expect(listed.every((m) => m.metrics.acc === m.step)).toBe(true);
      });

      it('keeps the measurements of trials 1 and 10 apart', async () => {
        // Prepare
        await store.putMeasurement(makeMeasurement({ trialId: '1', step: 1 }));
        await store.putMeasurement(makeMeasurement({ trialId: '10', step: 2 }));

        // Act
        const one = await store.listMeasurements('team-a', 'study-1', '1');
        const ten = await store.listMeasurements('team-a', 'study-1', '10');

        // Assess
        expect(one.map((m) => m.step)).toEqual([1]);
        expect(ten.map((m) => m.step)).toEqual([2]);
      });

      it('lists no measurements for a trial without any', async () => {
        // Act
        const listed = await store.listMeasurements('team-a', 'study-1', '8');

        // Assess
        expect(listed).toEqual([]);
      });

      it.each([
        ['a negative step', { step: -1 }],
        ['a NaN step', { step: Number.NaN }],
        ['an infinite step', { step: Number.POSITIVE_INFINITY }],
        ['a step below what DynamoDB holds', { step: 1e-140 }],
        ['a NaN metric', { metrics: { loss: Number.NaN } }],
        ['an infinite metric', { metrics: { loss: Number.NEGATIVE_INFINITY } }],
        ['a metric beyond what DynamoDB holds', { metrics: { loss: 1e200 } }],
        ['a non-number metric', { metrics: { loss: '0.1' as unknown as number } }],
      ])('refuses %s and stores nothing', async (_, overrides) => {
        // Act
        const put = await caught(store.putMeasurement(makeMeasurement(overrides as Partial<Measurement>)));

        // Assess
        expect(put).toBeInstanceOf(InvalidInputError);
        expect(await store.listMeasurements('team-a', 'study-1', '0')).toEqual([]);
      });
    });

    describe('trial counter and worker grants', () => {
      // Each call as a new worker: the counter alone.
      let worker = 0;
      const next = (studyId: string, range: { from: number; below: number }) =>
        store.grantTrialNumber('team-a', studyId, `w${worker++}`, range, undefined);

      it('hands out numbers from `from` on, one each, until `below`; other studies count apart; trials are not listed with it', async () => {
        // Prepare
        await store.createTrial(makeTrial({ number: 0 }));

        // Act
        const first = await next('study-1', { from: 1, below: 4 });
        // Once started, `from` no longer matters.
        const second = await next('study-1', { from: 0, below: 4 });
        const third = await next('study-1', { from: 0, below: 4 });
        const past = await next('study-1', { from: 0, below: 4 });
        const raised = await next('study-1', { from: 0, below: 5 });
        const other = await next('study-2', { from: 0, below: 5 });
        const none = await next('study-3', { from: 2, below: 2 });

        // Assess
        expect([first, second, third, past, raised, other, none]).toEqual([1, 2, 3, undefined, 4, 0, undefined]);
        expect((await store.listTrials('team-a', 'study-1')).items.map((t) => t.trialId)).toEqual(['0']);
      });

      it('gives each of 40 racing workers its own number, none refused', async () => {
        // Act
        const numbers = await Promise.all(Array.from({ length: 40 }, () => next('study-1', { from: 0, below: 1000 })));

        // Assess
        expect([...numbers].sort((a, b) => a! - b!)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      });

      it('records the grant in the same write, so duplicates of one suggest, racing or retried, take one number', async () => {
        // Act
        const racing = await Promise.all(
          Array.from({ length: 6 }, () => store.grantTrialNumber('team-a', 'study-1', 'w-1@host:7', { from: 0, below: 100 }, undefined)),
        );
        const held = await store.getTrialGrant('team-a', 'study-1', 'w-1@host:7');
        const retried = await store.grantTrialNumber('team-a', 'study-1', 'w-1@host:7', { from: 0, below: 100 }, undefined);
        const replaced = await store.grantTrialNumber('team-a', 'study-1', 'w-1@host:7', { from: 0, below: 100 }, held);
        const stale = await store.grantTrialNumber('team-a', 'study-1', 'w-1@host:7', { from: 0, below: 100 }, held);
        const gap = await store.grantTrialNumber('team-a', 'study-1', 'w-2', { number: 7 }, undefined);
        const otherStudy = await store.getTrialGrant('team-a', 'study-2', 'w-1@host:7');
        const counted = await next('study-1', { from: 0, below: 100 });

        // Assess
        expect(racing).toEqual(Array(6).fill(0));
        expect([held, retried, replaced, stale, gap, otherStudy, counted]).toEqual([0, 0, 1, 1, 7, undefined, 2]);
        expect(await store.getTrialGrant('team-a', 'study-1', 'w-1@host:7')).toBe(1);
      });

      it(`holds at most ${maxWorkerGrants} workers per study: a new one beyond is a ConflictError, known ones go on`, async () => {
        // Prepare
        for (let i = 0; i < maxWorkerGrants; i += 100)
          await Promise.all(
            Array.from({ length: 100 }, (_, j) => store.grantTrialNumber('team-a', 'study-1', `w${i + j}`, { number: 0 }, undefined)),
          );

        // Act
        const beyond = await caught(store.grantTrialNumber('team-a', 'study-1', 'one-more', { from: 0, below: 10 }, undefined));
        const known = await store.grantTrialNumber('team-a', 'study-1', 'w5', { from: 0, below: 10 }, 0);

        // Assess
        expect(beyond).toBeInstanceOf(ConflictError);
        expect(known).toBe(0);
        expect(await store.getTrialGrant('team-a', 'study-1', 'one-more')).toBeUndefined();
      });

      it('refuses a range or number outside the trial numbers and a bad worker name, and changes nothing', async () => {
        // Act
        const negative = await caught(store.grantTrialNumber('team-a', 'study-1', 'w', { from: -1, below: 3 }, undefined));
        const huge = await caught(store.grantTrialNumber('team-a', 'study-1', 'w', { from: 0, below: 1e9 }, undefined));
        const fraction = await caught(store.grantTrialNumber('team-a', 'study-1', 'w', { number: 1.5 }, undefined));
        const badId = await caught(store.grantTrialNumber('team-a', 'study-1', 'a#b', { from: 0, below: 3 }, undefined));

        // Assess
        for (const e of [negative, huge, fraction, badId]) expect(e).toBeInstanceOf(InvalidInputError);
        expect(await next('study-1', { from: 0, below: 3 })).toBe(0);
      });
    });

    describe('sampler state', () => {
      const state = (overrides: Partial<SamplerStateRecord> = {}): SamplerStateRecord => ({
        team: 'team-a',
        studyId: 'study-1',
        sampler: 'rl',
        state: '{"consumed":3}',
        updatedAt: iso(1),
        version: 0,
        ...overrides,
      });

      it('has none for a new study, stores one from version 0 and replaces it by compare-and-set', async () => {
        // Act
        const before = await store.getSamplerState('team-a', 'study-1');
        const created = await store.putSamplerState(state());
        const replaced = await store.putSamplerState(state({ state: '{"consumed":5}', version: created.version }));

        // Assess
        expect(before).toBeUndefined();
        expect(created.version).toBe(1);
        expect(replaced).toEqual(state({ state: '{"consumed":5}', version: 2 }));
        expect(await store.getSamplerState('team-a', 'study-1')).toEqual(replaced);
      });

      it('refuses a write from version 0 over a stored state, from a stale version, and from a version never stored', async () => {
        // Prepare
        const stored = await store.putSamplerState(state());
        await store.putSamplerState(state({ state: '{"consumed":4}', version: stored.version }));

        // Act
        const again = await caught(store.putSamplerState(state({ state: '{"consumed":9}' })));
        const stale = await caught(store.putSamplerState(state({ state: '{"consumed":9}', version: stored.version })));
        const ghost = await caught(store.putSamplerState(state({ studyId: 'study-2', version: 3 })));

        // Assess
        expect(again).toBeInstanceOf(RetryableConflictError);
        expect(stale).toBeInstanceOf(RetryableConflictError);
        expect(ghost).toBeInstanceOf(RetryableConflictError);
        expect((await store.getSamplerState('team-a', 'study-1'))?.state).toBe('{"consumed":4}');
        expect(await store.getSamplerState('team-a', 'study-2')).toBeUndefined();
      });

      it('serves 20 concurrent first writes to exactly one writer', async () => {
        // Act
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => store.putSamplerState(state({ state: `{"consumed":${i}}` }))),
        );

        // Assess
        const won = results.filter((r): r is PromiseFulfilledResult<SamplerStateRecord> => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        expect(
          results
            .filter((r) => r.status === 'rejected')
            .every((r) => (r as PromiseRejectedResult).reason instanceof RetryableConflictError),
        ).toBe(true);
        expect(await store.getSamplerState('team-a', 'study-1')).toEqual(won[0].value);
      });

      it('keeps the state out of trial listings and apart from other studies and teams', async () => {
        // Prepare
        await store.createTrial(makeTrial({ number: 0 }));
        await store.createTrial(makeTrial({ number: 1 }));
        await store.putSamplerState(state());

        // Act
        const pages = await allPages((p) => store.listTrials('team-a', 'study-1', p), 1);
        const otherStudy = await store.getSamplerState('team-a', 'study-2');
        const otherTeam = await store.getSamplerState('team-b', 'study-1');

        // Assess
        expect(pages.flat().map((t) => t.trialId)).toEqual(['0', '1']);
        expect(pages).toHaveLength(2);
        expect(otherStudy).toBeUndefined();
        expect(otherTeam).toBeUndefined();
      });

      it('stores a state at the size limit and refuses one byte more, or a bad key', async () => {
        // Prepare: the limit in UTF-8 bytes, with a two-byte character at the end.
        const atLimit = `"${'0'.repeat(maxSamplerStateBytes - 4)}é"`;
        const over = `"${'0'.repeat(maxSamplerStateBytes - 3)}é"`;

        // Act
        const stored = await store.putSamplerState(state({ state: atLimit }));
        const refused = await caught(store.putSamplerState(state({ state: over, version: stored.version })));
        const badStudy = await caught(store.putSamplerState(state({ studyId: 'a#b' })));

        // Assess
        expect((await store.getSamplerState('team-a', 'study-1'))?.state).toBe(atLimit);
        expect(refused).toBeInstanceOf(InvalidInputError);
        expect(badStudy).toBeInstanceOf(InvalidInputError);
      });

      it('keeps the stored state safe from mutation of what was passed or returned', async () => {
        // Prepare
        const record = state();
        const stored = await store.putSamplerState(record);

        // Act
        record.state = 'changed';
        stored.state = 'changed';
        (await store.getSamplerState('team-a', 'study-1'))!.state = 'changed';

        // Assess
        expect((await store.getSamplerState('team-a', 'study-1'))?.state).toBe('{"consumed":3}');
      });
    });

    describe('pagination requests', () => {
      const garbage = [
        ['not base64url', '%%%'],
        ['base64url of no JSON', Buffer.from('not json').toString('base64url')],
        ['a JSON array', Buffer.from('[1]').toString('base64url')],
        ['a foreign key', Buffer.from(JSON.stringify({ t: 'TEAM#b' })).toString('base64url')],
        ['a foreign cursor', Buffer.from(JSON.stringify({ c: 'x', s: 'a#b' })).toString('base64url')],
        ['an empty string', ''],
        ['a huge string', 'A'.repeat(5000)],
      ];

      it.each(garbage)('refuses %s as a trial token', async (_, nextToken) => {
        // Act
        const list = await caught(store.listTrials('team-a', 'study-1', { nextToken }));

        // Assess
        expect(list).toBeInstanceOf(InvalidInputError);
      });

      it.each(garbage)('refuses %s as a study token', async (_, nextToken) => {
        // Act
        const list = await caught(store.listStudies('team-a', { nextToken }));

        // Assess
        expect(list).toBeInstanceOf(InvalidInputError);
      });

      it("refuses one listing's token in the other listing", async () => {
        // Prepare
        for (let i = 0; i < 2; i++) {
          await store.createStudy(makeStudy({ studyId: `s${i}` }));
          await store.createTrial(makeTrial({ number: i }));
        }
        const studyToken = (await store.listStudies('team-a', { limit: 1 })).nextToken;
        const trialToken = (await store.listTrials('team-a', 'study-1', { limit: 1 })).nextToken;

        // Act
        const trialsWithStudyToken = await caught(store.listTrials('team-a', 'study-1', { nextToken: studyToken }));
        const studiesWithTrialToken = await caught(store.listStudies('team-a', { nextToken: trialToken }));

        // Assess
        expect(trialsWithStudyToken).toBeInstanceOf(InvalidInputError);
        expect(studiesWithTrialToken).toBeInstanceOf(InvalidInputError);
      });

      it.each([0, -1, 1.5, 1001, Number.NaN])('refuses the page size %s', async (limit) => {
        // Act
        const studies = await caught(store.listStudies('team-a', { limit }));
        const trials = await caught(store.listTrials('team-a', 'study-1', { limit }));

        // Assess
        expect(studies).toBeInstanceOf(InvalidInputError);
        expect(trials).toBeInstanceOf(InvalidInputError);
      });
    });

    describe('team isolation', () => {
      beforeEach(async () => {
        await store.createStudy(makeStudy());
        await store.createTrial(makeTrial({ number: 1 }));
        await store.putMeasurement(makeMeasurement({ trialId: '1' }));
      });

      it("does not show team A's items to team B", async () => {
        // Act
        const study = await store.getStudy('team-b', 'study-1');
        const studies = await store.listStudies('team-b');
        const trial = await store.getTrial('team-b', 'study-1', '1');
        const trials = await store.listTrials('team-b', 'study-1');
        const measurements = await store.listMeasurements('team-b', 'study-1', '1');

        // Assess
        expect(study).toBeUndefined();
        expect(studies).toEqual({ items: [] });
        expect(trial).toBeUndefined();
        expect(trials).toEqual({ items: [] });
        expect(measurements).toEqual([]);
      });

      it("does not let team B update team A's items", async () => {
        // Act
        const study = await caught(store.updateStudy(makeStudy({ team: 'team-b', state: 'FAILED' })));
        const trial = await caught(store.updateTrial(makeTrial({ team: 'team-b', number: 1, state: 'FAILED' })));

        // Assess
        expect(study).toBeInstanceOf(NotFoundError);
        expect(trial).toBeInstanceOf(NotFoundError);
        expect((await store.getStudy('team-a', 'study-1'))?.state).toBe('PENDING');
        expect((await store.getTrial('team-a', 'study-1', '1'))?.state).toBe('WAITING');
      });

      it("lets team B create items with team A's ids without touching A's", async () => {
        // Act
        await store.createStudy(makeStudy({ team: 'team-b', name: 'b' }));
        const trial = await store.createTrial(makeTrial({ team: 'team-b', number: 1, state: 'RUNNING' }));
        const put = await store.putMeasurement(makeMeasurement({ team: 'team-b', trialId: '1', metrics: { acc: 0.9 } }));

        // Assess
        expect(trial.created).toBe(true);
        expect(put).toBe(true);
        expect((await store.getStudy('team-a', 'study-1'))?.name).toBe('demo');
        expect((await store.listMeasurements('team-a', 'study-1', '1'))[0].metrics).toEqual({ acc: 0.5 });
      });

      it('keeps key-like fields of an item from moving it to another partition', async () => {
        // Prepare
        const sneaky = { ...makeStudy({ studyId: 'sneaky' }), pk: 'TEAM#team-b', sk: 'STUDY#sneaky' } as Study;

        // Act
        await store.createStudy(sneaky);

        // Assess
        expect(await store.getStudy('team-b', 'sneaky')).toBeUndefined();
        expect(await store.getStudy('team-a', 'sneaky')).toBeDefined();
      });

      const badTeams = ['team-a#STUDY#study-1', 'TEAM#team-a', '', 'a b', 'x'.repeat(129), 'é'];
      const badStudyIds = ['study-1#TRIAL#1', '#', '', 'a/b', 'y'.repeat(129)];
      const badTrialIds = ['1#', '#1', '', '01', '-1', '1.5', '123456789', 'a'];

      it.each(badTeams)('refuses the team %j in every method', async (team) => {
        // Act
        const calls: Array<Promise<unknown>> = [
          store.createStudy(makeStudy({ team })),
          store.getStudy(team, 'study-1'),
          store.listStudies(team),
          store.updateStudy(makeStudy({ team })),
          store.createTrial(makeTrial({ team, number: 1 })),
          store.getTrial(team, 'study-1', '1'),
          store.listTrials(team, 'study-1'),
          store.updateTrial(makeTrial({ team, number: 1 })),
          store.putMeasurement(makeMeasurement({ team, trialId: '1' })),
          store.listMeasurements(team, 'study-1', '1'),
        ];

        // Assess
        for (const err of await Promise.all(calls.map(caught))) expect(err).toBeInstanceOf(InvalidInputError);
      });

      it.each(badStudyIds)('refuses the study id %j in every method', async (studyId) => {
        // Act
        const calls: Array<Promise<unknown>> = [
          store.createStudy(makeStudy({ studyId })),
          store.getStudy('team-a', studyId),
          store.updateStudy(makeStudy({ studyId })),
          store.createTrial(makeTrial({ studyId, number: 1 })),
          store.getTrial('team-a', studyId, '1'),
          store.listTrials('team-a', studyId),
          store.updateTrial(makeTrial({ studyId, number: 1 })),
          store.putMeasurement(makeMeasurement({ studyId, trialId: '1' })),
          store.listMeasurements('team-a', studyId, '1'),
        ];

        // Assess
        for (const err of await Promise.all(calls.map(caught))) expect(err).toBeInstanceOf(InvalidInputError);
      });

      it.each(badTrialIds)('refuses the trial id %j in every method', async (trialId) => {
        // Act
        const calls: Array<Promise<unknown>> = [
          store.createTrial(makeTrial({ trialId, number: 1 })),
          store.getTrial('team-a', 'study-1', trialId),
          store.updateTrial(makeTrial({ trialId, number: 1 })),
          store.putMeasurement(makeMeasurement({ trialId })),
          store.listMeasurements('team-a', 'study-1', trialId),
        ];

        // Assess
        for (const err of await Promise.all(calls.map(caught))) expect(err).toBeInstanceOf(InvalidInputError);
      });
    });

    describe('copies', () => {
      it('keeps stored studies safe from mutation of what was passed or returned', async () => {
        // Prepare
        const study = makeStudy();
        await store.createStudy(study);
        const expected = structuredClone(study);

        // Act
        study.name = 'changed after create';
        study.spec.limits.maxTrials = 999;
        const got = (await store.getStudy('team-a', 'study-1'))!;
        got.spec.objective.metric = 'changed after get';
        const listed = (await store.listStudies('team-a')).items[0];
        listed.state = 'FAILED';

        // Assess
        expect(await store.getStudy('team-a', 'study-1')).toEqual(expected);
      });

      it('keeps stored studies safe from mutation of what an update returned', async () => {
        // Prepare
        const study = makeStudy();
        await store.createStudy(study);
        const next = { ...structuredClone(study), state: 'RUNNING' as const };

        // Act
        const updated = await store.updateStudy(next);
        const expected = structuredClone(updated);
        updated.spec.parameters.lr = { type: 'categorical', values: ['x'] };
        next.name = 'changed after update';

        // Assess
        expect(await store.getStudy('team-a', 'study-1')).toEqual(expected);
      });

      it('keeps stored trials and measurements safe from mutation', async () => {
        // Prepare
        const trial = makeTrial({ number: 2, rungValues: [0.1] });
        const m = makeMeasurement({ trialId: '2', metrics: { acc: 0.5 } });
        const created = await store.createTrial(trial);
        await store.putMeasurement(m);

        // Act
        trial.rungValues.push(0.2);
        created.trial.params.lr = 0.5;
        (await store.getTrial('team-a', 'study-1', '2'))!.rungValues.push(0.3);
        (await store.listTrials('team-a', 'study-1')).items[0].params.lr = 0.6;
        (await store.updateTrial(makeTrial({ number: 2, rungValues: [0.1] }))).rungValues.push(0.4);
        m.metrics.acc = 0.9;
        (await store.listMeasurements('team-a', 'study-1', '2'))[0].metrics.acc = 0.8;

        // Assess
        expect(await store.getTrial('team-a', 'study-1', '2')).toEqual(makeTrial({ number: 2, rungValues: [0.1], version: 1 }));
        expect((await store.listMeasurements('team-a', 'study-1', '2'))[0].metrics).toEqual({ acc: 0.5 });
      });
    });

    describe('properties', () => {
      it('lists, for any sequence of trial creates with repeats, exactly the first write of each trial', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.record({ number: fc.integer({ min: 0, max: 25 }), resource: fc.integer({ min: 0, max: 1000 }) }), {
              maxLength: 30,
            }),
            fc.integer({ min: 1, max: 7 }),
            async (ops, limit) => {
              // Prepare
              const { store: s, cleanup } = await makeStore();
              try {
                const firsts = new Map<number, Trial>();

                // Act
                for (const op of ops) {
                  const trial = makeTrial(op);
                  const result = await s.createTrial(trial);
                  // Assess (each write)
                  expect(result.created).toBe(!firsts.has(op.number));
                  if (!firsts.has(op.number)) firsts.set(op.number, trial);
                  expect(result.trial).toEqual(firsts.get(op.number));
                }
                const pages = await allPages((p) => s.listTrials('team-a', 'study-1', p), limit);

                // Assess
                const expected = [...firsts.values()].sort((a, b) => a.number - b.number);
                expect(pages.flat()).toEqual(expected);
                expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
                expect(pages.length === 1 || pages[pages.length - 1].length > 0).toBe(true);
                expect(await readAll((p) => s.listTrials('team-a', 'study-1', p))).toEqual(expected);
              } finally {
                await cleanup();
              }
            },
          ),
          { numRuns: 20 },
        );
      });

      it('lists, for any sequence of measurements with repeated steps, the first write of each step in step order', async () => {
        const step = fc.oneof(
          fc.integer({ min: 0, max: 50 }),
          fc.constantFrom(0.5, 1.25, 2.5, 1e-3),
          fc.double({ min: 0, max: 1e6, noNaN: true }).filter((x) => x === 0 || x >= 1e-9),
        );
        await fc.assert(
          fc.asyncProperty(
            fc.array(
              fc.record({
                trialId: fc.constantFrom('1', '10'),
                step,
                acc: fc.double({ min: -1, max: 1, noNaN: true }).map((x) => (Math.abs(x) < 1e-100 ? 0 : x)),
              }),
              {
                maxLength: 30,
              },
            ),
            async (ops) => {
              // Prepare
              const { store: s, cleanup } = await makeStore();
              try {
                const firsts = new Map<string, Measurement>();

                // Act
                for (const op of ops) {
                  const m = makeMeasurement({ trialId: op.trialId, step: op.step, metrics: { acc: op.acc === 0 ? 0 : op.acc } });
                  const key = `${op.trialId}/${op.step === 0 ? 0 : op.step}`;
                  const stored = await s.putMeasurement(m);
                  // Assess (each write)
                  expect(stored).toBe(!firsts.has(key));
                  if (!firsts.has(key)) firsts.set(key, { ...m, step: m.step === 0 ? 0 : m.step });
                }

                // Assess
                for (const trialId of ['1', '10']) {
                  const expected = [...firsts.values()].filter((m) => m.trialId === trialId).sort((a, b) => a.step - b.step);
                  expect(await s.listMeasurements('team-a', 'study-1', trialId)).toEqual(expected);
                }
              } finally {
                await cleanup();
              }
            },
          ),
          { numRuns: 20 },
        );
      });
    });
  });
}
