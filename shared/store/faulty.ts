import type { Measurement, Page, PageRequest, Study, Trial } from '../study/types.js';
import type { IdempotencyRecord, SamplerStateRecord, StudyStore, TrialNumberSource } from './port.js';

/** The writes of StudyStore: each one is a single conditional item write. */
export const writeMethods = [
  'createStudy',
  'updateStudy',
  'createTrial',
  'updateTrial',
  'putMeasurement',
  'createIdempotencyRecord',
  'updateIdempotencyRecord',
  'putSamplerState',
  'grantTrialNumber',
] as const;
export type WriteMethod = (typeof writeMethods)[number];

/**
 * A fault that the test store raised on purpose. `before`: the write did not happen (a network
 * error, a throttle). `after`: the write happened but the caller never heard (a Lambda that timed
 * out, a connection that dropped on the way back).
 */
export class InjectedFault extends Error {
  constructor(
    readonly write: number,
    readonly when: 'before' | 'after',
    readonly point: string,
  ) {
    super(`injected fault ${when} write ${write} (${point})`);
    this.name = 'InjectedFault';
  }
}

export interface FaultPlan {
  /** 1-based index of the write to fail (counted over every write through this store). */
  at: number;
  when: 'before' | 'after';
  /** A second fault, this many writes after the first fired: a fault while recovering from one. */
  then?: { after: number; when: 'before' | 'after' };
}

export interface WriteRecord {
  n: number;
  method: WriteMethod;
  /** Where the write comes from: `method@function` of the first domain or API frame on the stack. */
  point: string;
}

/** Helpers that only loop around a write: the write point is their caller. */
const helperFrames = new Set(['updateStudyWith', 'updateTrialWith', 'changeStudy', 'changeTrial', 'Object.write', 'FaultyStore.write']);

/** The write point of a call: the first function in shared/ or functions/ outside the store and the retry helpers. */
export function writePointOf(method: WriteMethod, stack: string | undefined): string {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const m = /at (?:async )?([^\s(]+) \((.*?):\d+:\d+\)/.exec(line);
    if (!m) continue;
    const [, fn, file] = m;
    if (!/\/(shared|functions)\//.test(file) || /\/shared\/store\//.test(file) || helperFrames.has(fn)) continue;
    return `${method}@${fn.replace(/^Object\./, '')}`;
  }
  return `${method}@unknown`;
}

/**
 * A StudyStore that fails one chosen write, before or after it reaches the inner store, and
 * records every write with its write point. Reads pass through. For fault-injection tests: every
 * step must survive a fault at any write when it is retried (or the execution resumed).
 */
export class FaultyStore implements StudyStore {
  readonly writes: WriteRecord[] = [];
  /** The first fault that fired. */
  fired?: WriteRecord & { when: 'before' | 'after' };
  /** Every fault that fired, in order. */
  readonly firedAll: (WriteRecord & { when: 'before' | 'after' })[] = [];

  constructor(
    readonly inner: StudyStore,
    private plan?: FaultPlan,
    /** Record write points from the stack (costs a stack trace per write). */
    private readonly tracePoints = true,
  ) {}

  /** Arms (or disarms) the fault; write numbers keep counting. */
  arm(plan: FaultPlan | undefined): void {
    this.plan = plan;
  }

  private async write<T>(method: WriteMethod, run: () => Promise<T>): Promise<T> {
    const record: WriteRecord = {
      n: this.writes.length + 1,
      method,
      point: this.tracePoints ? writePointOf(method, new Error().stack) : method,
    };
    this.writes.push(record);
    const plan = this.plan;
    if (plan && plan.at === record.n && plan.when === 'before') this.fire(record, plan);
    const result = await run();
    if (plan && plan.at === record.n && plan.when === 'after') this.fire(record, plan);
    return result;
  }

  private fire(record: WriteRecord, plan: FaultPlan): never {
    // Without traced points, the point of a fault is traced when it fires (one stack trace per run).
    const point = this.tracePoints ? record.point : writePointOf(record.method, new Error().stack);
    const fired = { ...record, point, when: plan.when };
    this.fired ??= fired;
    this.firedAll.push(fired);
    this.plan = plan.then ? { at: record.n + plan.then.after, when: plan.then.when } : undefined;
    throw new InjectedFault(record.n, plan.when, point);
  }

  createStudy(study: Study): Promise<void> {
    return this.write('createStudy', () => this.inner.createStudy(study));
  }
  getStudy(team: string, studyId: string): Promise<Study | undefined> {
    return this.inner.getStudy(team, studyId);
  }
  listStudies(team: string, page?: PageRequest): Promise<Page<Study>> {
    return this.inner.listStudies(team, page);
  }
  updateStudy(next: Study): Promise<Study> {
    return this.write('updateStudy', () => this.inner.updateStudy(next));
  }
  createTrial(trial: Trial): Promise<{ trial: Trial; created: boolean }> {
    return this.write('createTrial', () => this.inner.createTrial(trial));
  }
  getTrial(team: string, studyId: string, trialId: string): Promise<Trial | undefined> {
    return this.inner.getTrial(team, studyId, trialId);
  }
  listTrials(team: string, studyId: string, page?: PageRequest): Promise<Page<Trial>> {
    return this.inner.listTrials(team, studyId, page);
  }
  updateTrial(next: Trial): Promise<Trial> {
    return this.write('updateTrial', () => this.inner.updateTrial(next));
  }
  putMeasurement(m: Measurement): Promise<boolean> {
    return this.write('putMeasurement', () => this.inner.putMeasurement(m));
  }
  listMeasurements(team: string, studyId: string, trialId: string): Promise<Measurement[]> {
    return this.inner.listMeasurements(team, studyId, trialId);
  }
  createIdempotencyRecord(record: IdempotencyRecord): Promise<{ record: IdempotencyRecord; created: boolean }> {
    return this.write('createIdempotencyRecord', () => this.inner.createIdempotencyRecord(record));
  }
  getIdempotencyRecord(team: string, key: string): Promise<IdempotencyRecord | undefined> {
    return this.inner.getIdempotencyRecord(team, key);
  }
  updateIdempotencyRecord(next: IdempotencyRecord): Promise<IdempotencyRecord> {
    return this.write('updateIdempotencyRecord', () => this.inner.updateIdempotencyRecord(next));
  }
  getSamplerState(team: string, studyId: string): Promise<SamplerStateRecord | undefined> {
    return this.inner.getSamplerState(team, studyId);
  }
  putSamplerState(next: SamplerStateRecord): Promise<SamplerStateRecord> {
    return this.write('putSamplerState', () => this.inner.putSamplerState(next));
  }
  getTrialGrant(team: string, studyId: string, clientId: string): Promise<number | undefined> {
    return this.inner.getTrialGrant(team, studyId, clientId);
  }
  grantTrialNumber(
    team: string,
    studyId: string,
    clientId: string,
    source: TrialNumberSource,
    replacing: number | undefined,
  ): Promise<number | undefined> {
    return this.write('grantTrialNumber', () => this.inner.grantTrialNumber(team, studyId, clientId, source, replacing));
  }
}
