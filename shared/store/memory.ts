import { ConflictError, ItemTooLargeError, NotFoundError, RetryableConflictError } from '../errors.js';
import { itemBytes, maxItemBytes } from './item-size.js';
import type { Measurement, Page, PageRequest, Study, Trial } from '../study/types.js';
import {
  measurementPartition,
  STEP_SK_PREFIX,
  STUDY_SK_PREFIX,
  studyKey,
  teamPartition,
  TRIAL_SK_PREFIX,
  trialKey,
  trialPartition,
  type Key,
} from './keys.js';
import { decodeTrialToken, encodeTrialToken, pageLimit, pageOfStudies } from './pagination.js';
import type { IdempotencyRecord, SamplerStateRecord, StudyStore, TrialNumberSource } from './port.js';
import { grantWithoutWrite, type TrialCounter } from './trial-counter.js';
import { checkIdempotencyRecord, checkMeasurement, checkNumberSource, checkSamplerState, checkStudy, checkTrial } from './validate.js';
import { idempotencyKey, samplerStateKey, trialCounterKey, validateClientId } from './keys.js';

/**
 * A StudyStore in process memory, for unit tests and one-shot local runs. It keeps the same keys,
 * page tokens and error semantics as DynamoStore (the contract suite runs against both), and it
 * copies every object in and out (structuredClone), so that callers cannot change stored state
 * by mutating what they passed or got back.
 */
export class MemoryStore implements StudyStore {
  /** pk -> sk -> item. */
  private readonly partitions = new Map<string, Map<string, unknown>>();

  private partition(pk: string): Map<string, unknown> {
    let p = this.partitions.get(pk);
    if (!p) this.partitions.set(pk, (p = new Map()));
    return p;
  }

  private read<T>(key: Key): T | undefined {
    const item = this.partitions.get(key.pk)?.get(key.sk);
    return item === undefined ? undefined : (structuredClone(item) as T);
  }

  private write<T>(key: Key, item: T): T {
    const bytes = itemBytes({ ...(item as Record<string, unknown>), pk: key.pk, sk: key.sk });
    if (bytes > maxItemBytes)
      throw new ItemTooLargeError(`the record ${key.sk} would take ${bytes} bytes, more than the ${maxItemBytes} of one DynamoDB item`);
    this.partition(key.pk).set(key.sk, structuredClone(item));
    return structuredClone(item);
  }

  /** The partition's items ordered by sort key, as a DynamoDB Query returns them. */
  private query<T>(pk: string): Array<[string, T]> {
    const p = this.partitions.get(pk);
    if (!p) return [];
    return [...p.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sk, item]) => [sk, structuredClone(item) as T]);
  }

  private compareAndSet<T extends { version: number }>(key: Key, next: T, what: string): T {
    const current = this.partitions.get(key.pk)?.get(key.sk) as T | undefined;
    if (current === undefined) throw new NotFoundError(`${what} not found`);
    if (current.version !== next.version)
      throw new RetryableConflictError(`${what} changed: expected version ${next.version}, found ${current.version}`);
    return this.write(key, { ...next, version: next.version + 1 });
  }

  async createStudy(study: Study): Promise<void> {
    const key = checkStudy(study);
    if (this.partitions.get(key.pk)?.has(key.sk)) throw new ConflictError(`study ${study.studyId} already exists`);
    this.write(key, study);
  }

  async getStudy(team: string, studyId: string): Promise<Study | undefined> {
    return this.read<Study>(studyKey(team, studyId));
  }

  async listStudies(team: string, page?: PageRequest): Promise<Page<Study>> {
    const pk = teamPartition(team);
    const all = this.query<Study>(pk)
      .filter(([sk]) => sk.startsWith(STUDY_SK_PREFIX))
      .map(([, study]) => study);
    return pageOfStudies(all, page);
  }

  async updateStudy(next: Study): Promise<Study> {
    const key = checkStudy(next);
    return this.compareAndSet(key, next, `study ${next.studyId}`);
  }

  async createTrial(trial: Trial): Promise<{ trial: Trial; created: boolean }> {
    const key = checkTrial(trial);
    const existing = this.read<Trial>(key);
    if (existing) return { trial: existing, created: false };
    return { trial: this.write(key, trial), created: true };
  }

  async getTrial(team: string, studyId: string, trialId: string): Promise<Trial | undefined> {
    return this.read<Trial>(trialKey(team, studyId, trialId));
  }

  async listTrials(team: string, studyId: string, page?: PageRequest): Promise<Page<Trial>> {
    const pk = trialPartition(team, studyId);
    const limit = pageLimit(page);
    const after = page?.nextToken === undefined ? undefined : decodeTrialToken(page.nextToken);
    const rest = this.query<Trial>(pk).filter(([sk]) => sk.startsWith(TRIAL_SK_PREFIX) && (after === undefined || sk > after));
    const items = rest.slice(0, limit);
    const last = items[items.length - 1];
    return rest.length > limit
      ? { items: items.map(([, t]) => t), nextToken: encodeTrialToken(last[0]) }
      : { items: items.map(([, t]) => t) };
  }

  async updateTrial(next: Trial): Promise<Trial> {
    const key = checkTrial(next);
    return this.compareAndSet(key, next, `trial ${next.trialId}`);
  }

  async putMeasurement(m: Measurement): Promise<boolean> {
    const key = checkMeasurement(m);
    if (this.partitions.get(key.pk)?.has(key.sk)) return false;
    this.write(key, { ...m, step: m.step === 0 ? 0 : m.step });
    return true;
  }

  async listMeasurements(team: string, studyId: string, trialId: string): Promise<Measurement[]> {
    return this.query<Measurement>(measurementPartition(team, studyId, trialId))
      .filter(([sk]) => sk.startsWith(STEP_SK_PREFIX))
      .map(([, m]) => m);
  }

  async createIdempotencyRecord(record: IdempotencyRecord): Promise<{ record: IdempotencyRecord; created: boolean }> {
    const key = checkIdempotencyRecord(record);
    const existing = this.read<IdempotencyRecord>(key);
    if (existing) return { record: existing, created: false };
    return { record: this.write(key, record), created: true };
  }

  async getIdempotencyRecord(team: string, key: string): Promise<IdempotencyRecord | undefined> {
    return this.read<IdempotencyRecord>(idempotencyKey(team, key));
  }

  async updateIdempotencyRecord(next: IdempotencyRecord): Promise<IdempotencyRecord> {
    return this.compareAndSet(checkIdempotencyRecord(next), next, `idempotency key ${next.key}`);
  }

  async getSamplerState(team: string, studyId: string): Promise<SamplerStateRecord | undefined> {
    return this.read<SamplerStateRecord>(samplerStateKey(team, studyId));
  }

  async putSamplerState(next: SamplerStateRecord): Promise<SamplerStateRecord> {
    const key = checkSamplerState(next);
    // A stored state has version 1 or more: 0 stands for "none stored".
    const stored = (this.partitions.get(key.pk)?.get(key.sk) as SamplerStateRecord | undefined)?.version ?? 0;
    if (stored !== next.version)
      throw new RetryableConflictError(`sampler state of study ${next.studyId} changed: expected version ${next.version}, found ${stored}`);
    return this.write(key, { ...next, version: next.version + 1 });
  }

  async getTrialGrant(team: string, studyId: string, clientId: string): Promise<number | undefined> {
    return this.read<TrialCounter>(trialCounterKey(team, studyId))?.grants?.[validateClientId(clientId)];
  }

  async grantTrialNumber(
    team: string,
    studyId: string,
    clientId: string,
    source: TrialNumberSource,
    replacing: number | undefined,
  ): Promise<number | undefined> {
    checkNumberSource(source, replacing);
    const key = trialCounterKey(team, studyId);
    const counter = this.read<TrialCounter>(key) ?? {};
    const without = grantWithoutWrite(counter, studyId, validateClientId(clientId), source, replacing);
    if (without !== 'write') return without.answer;
    const number = 'number' in source ? source.number : (counter.next ?? source.from);
    this.write(key, { ...counter, ...('from' in source ? { next: number + 1 } : {}), grants: { ...counter.grants, [clientId]: number } });
    return number;
  }
}
