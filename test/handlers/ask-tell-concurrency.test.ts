import { beforeEach, describe, expect, it } from 'vitest';
import { FaultyStore, InjectedFault } from '../../shared/store/faulty.js';
import { MemoryStore } from '../../shared/store/memory.js';
import { readAll, type StudyStore } from '../../shared/store/port.js';
import { callApi, testApi, useDynalite } from '../support/rest-api.js';

/**
 * Trial numbers of concurrent ask/tell suggests: taken from the study's counter, so racing workers
 * never lose a number to each other (no createTrial finds its number taken), duplicates of one
 * worker's suggest take one trial, and a suggest that stops half way skips no number.
 */
const dynalite = useDynalite();
let table = 0;

/** The store, counting the trial creates that found their number taken (a lost race). */
function counting(inner: StudyStore) {
  const lost = { creates: 0 };
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'createTrial')
        return async (trial: Parameters<StudyStore['createTrial']>[0]) => {
          const out = await target.createTrial(trial);
          if (!out.created) lost.creates++;
          return out;
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, lost };
}

const spec = (maxTrials: number) => ({
  name: 'concurrent',
  objective: { metric: 'loss', goal: 'minimize' },
  parameters: { x: { type: 'float', min: -1, max: 1 } },
  strategy: { execution: 'external', sampler: 'random', seed: 4, scheduler: { type: 'fifo', max: 1 } },
  limits: { maxTrials },
  trial: { command: ['my-worker'] },
});

function apiOn(store: StudyStore) {
  let n = 0;
  const api = testApi({ store, now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, n++ % 60)), random: () => 0.5 });
  return (method: string, path: string, body?: unknown) => callApi(api, method, path, body);
}

const stores: [string, () => Promise<StudyStore>][] = [
  ['memory', async () => new MemoryStore()],
  ['dynalite', async () => dynalite.store(`concurrent-${++table}`)],
];

describe.each(stores)('concurrent suggests on %s', (_name, makeStore) => {
  let inner: StudyStore;
  beforeEach(async () => {
    inner = await makeStore();
  });

  it('gives 48 racing workers 48 distinct numbers, none refused and no number lost to another worker', async () => {
    // Prepare
    const { store, lost } = counting(inner);
    const call = apiOn(store);
    const { body: study } = await call('POST', '/studies', spec(100));
    // Act
    const answers = await Promise.all(
      Array.from({ length: 48 }, (_, i) => call('POST', `/studies/${study.studyId}/trials/suggest`, { clientId: `w${i}` })),
    );
    // Assess
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const numbers = answers.map((a) => a.body.trial.number as number);
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 48 }, (_, i) => i));
    expect(lost.creates).toBe(0);
    const trials = await readAll((p) => inner.listTrials('team-a', study.studyId, p));
    expect(new Set(trials.map((t) => t.clientId)).size).toBe(48);
  });

  it('answers 10 racing duplicates of one worker with one trial, and stops at maxTrials when workers outnumber trials', async () => {
    // Prepare
    const call = apiOn(inner);
    const { body: study } = await call('POST', '/studies', spec(5));
    const base = `/studies/${study.studyId}/trials/suggest`;
    // Act
    const duplicates = await Promise.all(Array.from({ length: 10 }, () => call('POST', base, { clientId: 'same' })));
    const others = await Promise.all(Array.from({ length: 12 }, (_, i) => call('POST', base, { clientId: `o${i}` })));
    // Assess
    expect(new Set(duplicates.map((d) => JSON.stringify(d.body.trial))).size).toBe(1);
    expect(duplicates[0].body.trial).toMatchObject({ trialId: '0', clientId: 'same', state: 'RUNNING' });
    expect(others.map((o) => o.status)).toEqual(others.map(() => 200));
    expect(
      others
        .filter((o) => o.body.trial)
        .map((o) => o.body.trial.number as number)
        .sort(),
    ).toEqual([1, 2, 3, 4]);
    expect(others.filter((o) => o.body.done)).toHaveLength(8);
    const trials = await readAll((p) => inner.listTrials('team-a', study.studyId, p));
    expect(trials.map((t) => t.trialId)).toEqual(['0', '1', '2', '3', '4']);
  });
});

describe('a suggest that stops half way', () => {
  it('after the grant: the retry takes the same number, none skipped, none handed out twice', async () => {
    // Prepare
    const store = new FaultyStore(new MemoryStore());
    const call = apiOn(store);
    const { body: study } = await call('POST', '/studies', spec(2));
    const base = `/studies/${study.studyId}/trials/suggest`;
    // The first suggest writes the study's start, then the grant.
    store.arm({ at: store.writes.length + 2, when: 'after' });
    // Act
    const failed = await call('POST', base, { clientId: 'a' }).catch((e: unknown) => e);
    const retried = await call('POST', base, { clientId: 'a' });
    const other = await call('POST', base, { clientId: 'b' });
    const third = await call('POST', base, { clientId: 'c' });
    const shown = await call('GET', `/studies/${study.studyId}`);
    // Assess
    expect(store.fired?.method).toBe('grantTrialNumber');
    expect(failed instanceof InjectedFault || (failed as { status: number }).status === 500).toBe(true);
    expect(retried.body.trial).toMatchObject({ trialId: '0', clientId: 'a' });
    expect(other.body.trial).toMatchObject({ trialId: '1', clientId: 'b' });
    expect(third.body).toEqual({ done: true, trial: null });
    expect(shown.body).toMatchObject({ state: 'RUNNING', trialCounts: { RUNNING: 2 } });
  });

  it('a worker that never comes back after its grant: its number is filled once the counter reaches maxTrials', async () => {
    // Prepare
    const store = new FaultyStore(new MemoryStore());
    const call = apiOn(store);
    const { body: study } = await call('POST', '/studies', spec(2));
    const base = `/studies/${study.studyId}/trials/suggest`;
    store.arm({ at: store.writes.length + 2, when: 'after' });
    // Act: worker a is granted 0 and stops; b takes 1, then c finds the counter at maxTrials.
    await call('POST', base, { clientId: 'a' }).catch(() => undefined);
    const other = await call('POST', base, { clientId: 'b' });
    const third = await call('POST', base, { clientId: 'c' });
    const late = await call('POST', base, { clientId: 'a' });
    // Assess
    expect(other.body.trial).toMatchObject({ trialId: '1', clientId: 'b' });
    expect(third.body.trial).toMatchObject({ trialId: '0', clientId: 'c' });
    expect(late.body).toEqual({ done: true, trial: null });
  });
});
