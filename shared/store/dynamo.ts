import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, type TranslateConfig } from '@aws-sdk/lib-dynamodb';
import { ConflictError, ItemTooLargeError, NotFoundError, RetryableConflictError } from '../errors.js';
import { maxItemBytes } from './item-size.js';
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
import { decodeStudyToken, decodeTrialToken, encodeTrialToken, pageLimit, pageOfStudies } from './pagination.js';
import { maxWorkerGrants, type IdempotencyRecord, type SamplerStateRecord, type StudyStore, type TrialNumberSource } from './port.js';
import { grantWithoutWrite, type TrialCounter } from './trial-counter.js';
import { checkIdempotencyRecord, checkMeasurement, checkNumberSource, checkSamplerState, checkStudy, checkTrial } from './validate.js';
import { idempotencyKey, samplerStateKey, trialCounterKey, validateClientId } from './keys.js';

export interface DynamoStoreOptions {
  /**
   * A plain client is wrapped with the translation this store wants (undefined values removed,
   * numbers read back as JS numbers). A document client is used as it is: its own options apply.
   */
  client: DynamoDBDocumentClient | DynamoDBClient;
  tableName: string;
}

/** How DynamoStore marshals items when it wraps a plain DynamoDBClient. */
export const translateConfig: TranslateConfig = {
  marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false, allowImpreciseNumbers: true },
  unmarshallOptions: { wrapNumbers: (value: string) => Number(value) },
};

type Entity = 'study' | 'trial' | 'measurement' | 'idempotency' | 'samplerState' | 'trialCounter';
const keyAttributes = ['pk', 'sk', 'entity'] as const;

function isConditionalCheckFailed(err: unknown): err is { name: string; Item?: unknown } {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'ConditionalCheckFailedException';
}

/** DynamoDB's (and dynalite's) refusal of an item over 400 KB, as the domain's error; other errors as they are. */
function itemSizeError(err: unknown, key: Key): unknown {
  const e = err as { name?: unknown; message?: unknown };
  if (e?.name === 'ValidationException' && typeof e.message === 'string' && /item size/i.test(e.message))
    return new ItemTooLargeError(`the record ${key.sk} would take more than the ${maxItemBytes} bytes of one DynamoDB item`, {
      cause: err,
    });
  return err;
}

/** A deep copy without undefined values, whatever the client's marshall options say. */
function prune<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => prune(v)) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = prune(v);
    return out as T;
  }
  return value;
}

function toItem(key: Key, entity: Entity, value: object): Record<string, unknown> {
  // The key attributes come last so that no field of the value can replace them.
  return { ...prune(value), pk: key.pk, sk: key.sk, entity };
}

function fromItem<T>(item: Record<string, unknown>): T {
  const out = { ...item };
  for (const a of keyAttributes) delete out[a];
  return out as T;
}

/**
 * The StudyStore on one DynamoDB table (`pk`, `sk` strings, no index; see keys.ts), on AWS and on
 * dynalite. GetItem, PutItem, Query and one UpdateItem: every change is one conditional PutItem of
 * the whole item (attribute_not_exists to create, `version = :v` to compare-and-set), except the
 * trial counter's atomic increment (UpdateItem SET if_not_exists + 1), never a transaction or a scan. Reads are strongly consistent, so that a compare-and-set loop sees its own writes.
 */
export class DynamoStore implements StudyStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoStoreOptions) {
    this.doc =
      options.client instanceof DynamoDBDocumentClient
        ? options.client
        : DynamoDBDocumentClient.from(options.client as DynamoDBClient, translateConfig);
    this.tableName = options.tableName;
  }

  private async get<T>(key: Key): Promise<T | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return out.Item ? fromItem<T>(out.Item) : undefined;
  }

  /** Puts the item unless its key exists; false when it does. */
  private async putNew(key: Key, entity: Entity, value: object): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(key, entity, value),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw itemSizeError(err, key);
    }
  }

  /** Writes `next` with version + 1 if the stored version is `next.version`. */
  private async compareAndSet<T extends { version: number }>(key: Key, entity: Entity, next: T, what: string): Promise<T> {
    const stored = { ...next, version: next.version + 1 };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(key, entity, stored),
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': next.version },
          // DynamoDB returns the item that failed the condition; dynalite ignores this, and a
          // missing item returns nothing either way, so without it we read to tell the two apart.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw itemSizeError(err, key);
      const exists = err.Item !== undefined || (await this.get<T>(key)) !== undefined;
      if (!exists) throw new NotFoundError(`${what} not found`, { cause: err });
      throw new RetryableConflictError(`${what} changed since version ${next.version}`, { cause: err });
    }
    return prune(stored);
  }

  /** Up to `limit` items of a partition whose sort keys start with `prefix`, after `startSk`. */
  private async query<T>(pk: string, prefix: string, limit = Infinity, startSk?: string): Promise<Array<{ sk: string; value: T }>> {
    const out: Array<{ sk: string; value: T }> = [];
    let start: Record<string, unknown> | undefined = startSk === undefined ? undefined : { pk, sk: startSk };
    do {
      const left = limit - out.length;
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
          ExclusiveStartKey: start,
          ConsistentRead: true,
          ...(Number.isFinite(left) ? { Limit: left } : {}),
        }),
      );
      for (const item of page.Items ?? []) out.push({ sk: item.sk as string, value: fromItem<T>(item) });
      start = page.LastEvaluatedKey;
    } while (start !== undefined && out.length < limit);
    return out;
  }

  async createStudy(study: Study): Promise<void> {
    const key = checkStudy(study);
    if (!(await this.putNew(key, 'study', study))) throw new ConflictError(`study ${study.studyId} already exists`);
  }

  async getStudy(team: string, studyId: string): Promise<Study | undefined> {
    return this.get<Study>(studyKey(team, studyId));
  }

  /**
   * Reads the team's whole partition and sorts it newest first: the table has no index on
   * createdAt, and a team keeps at most thousands of studies. Page tokens are cursors.
   */
  async listStudies(team: string, page?: PageRequest): Promise<Page<Study>> {
    const pk = teamPartition(team);
    // Checks the request before reading anything.
    pageLimit(page);
    if (page?.nextToken !== undefined) decodeStudyToken(page.nextToken);
    const all = await this.query<Study>(pk, STUDY_SK_PREFIX);
    return pageOfStudies(
      all.map((r) => r.value),
      page,
    );
  }

  async updateStudy(next: Study): Promise<Study> {
    return this.compareAndSet(checkStudy(next), 'study', next, `study ${next.studyId}`);
  }

  async createTrial(trial: Trial): Promise<{ trial: Trial; created: boolean }> {
    const key = checkTrial(trial);
    if (await this.putNew(key, 'trial', trial)) return { trial: prune(trial), created: true };
    // Items are never deleted, so the trial that won is there to read.
    const existing = await this.get<Trial>(key);
    if (!existing) throw new RetryableConflictError(`trial ${trial.trialId} vanished while being created`);
    return { trial: existing, created: false };
  }

  async getTrial(team: string, studyId: string, trialId: string): Promise<Trial | undefined> {
    return this.get<Trial>(trialKey(team, studyId, trialId));
  }

  /** Reads one item beyond the page, so that the last page never carries a token. */
  async listTrials(team: string, studyId: string, page?: PageRequest): Promise<Page<Trial>> {
    const pk = trialPartition(team, studyId);
    const limit = pageLimit(page);
    const after = page?.nextToken === undefined ? undefined : decodeTrialToken(page.nextToken);
    const rows = await this.query<Trial>(pk, TRIAL_SK_PREFIX, limit + 1, after);
    const items = rows.slice(0, limit);
    if (rows.length <= limit) return { items: items.map((r) => r.value) };
    return { items: items.map((r) => r.value), nextToken: encodeTrialToken(items[items.length - 1].sk) };
  }

  async updateTrial(next: Trial): Promise<Trial> {
    return this.compareAndSet(checkTrial(next), 'trial', next, `trial ${next.trialId}`);
  }

  async putMeasurement(m: Measurement): Promise<boolean> {
    const key = checkMeasurement(m);
    return this.putNew(key, 'measurement', { ...m, step: m.step === 0 ? 0 : m.step });
  }

  async listMeasurements(team: string, studyId: string, trialId: string): Promise<Measurement[]> {
    const rows = await this.query<Measurement>(measurementPartition(team, studyId, trialId), STEP_SK_PREFIX);
    return rows.map((r) => r.value);
  }

  async createIdempotencyRecord(record: IdempotencyRecord): Promise<{ record: IdempotencyRecord; created: boolean }> {
    const key = checkIdempotencyRecord(record);
    if (await this.putNew(key, 'idempotency', record)) return { record: prune(record), created: true };
    const existing = await this.get<IdempotencyRecord>(key);
    // Removed by TTL between the two calls: the caller tries again.
    if (!existing) throw new RetryableConflictError(`idempotency key ${record.key} vanished while being claimed`);
    return { record: existing, created: false };
  }

  async getIdempotencyRecord(team: string, key: string): Promise<IdempotencyRecord | undefined> {
    return this.get<IdempotencyRecord>(idempotencyKey(team, key));
  }

  async updateIdempotencyRecord(next: IdempotencyRecord): Promise<IdempotencyRecord> {
    return this.compareAndSet(checkIdempotencyRecord(next), 'idempotency', next, `idempotency key ${next.key}`);
  }

  async getSamplerState(team: string, studyId: string): Promise<SamplerStateRecord | undefined> {
    return this.get<SamplerStateRecord>(samplerStateKey(team, studyId));
  }

  /** One conditional PutItem: absent for version 0, else the stored version; either failure is a lost race. */
  async putSamplerState(next: SamplerStateRecord): Promise<SamplerStateRecord> {
    return this.putVersioned(checkSamplerState(next), 'samplerState', next, `sampler state of study ${next.studyId}`);
  }

  private async putVersioned<T extends { version: number }>(key: Key, entity: Entity, next: T, what: string): Promise<T> {
    const stored = { ...next, version: next.version + 1 };
    const condition =
      next.version === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: '#version = :version',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':version': next.version },
          };
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: toItem(key, entity, stored), ...condition }));
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw itemSizeError(err, key);
      throw new RetryableConflictError(`${what} changed since version ${next.version}`, { cause: err });
    }
    return prune(stored);
  }

  async getTrialGrant(team: string, studyId: string, clientId: string): Promise<number | undefined> {
    const counter = await this.get<TrialCounter>(trialCounterKey(team, studyId));
    return counter?.grants?.[validateClientId(clientId)];
  }

  /**
   * One UpdateItem sets the counter and the worker's grant together (every operand reads the item
   * as it was, so the grant is the counter's value before the increment). A refusal is explained
   * from the item as it then is; the first grant of a study creates the grants map first, as a
   * nested path cannot be set under a missing map.
   */
  async grantTrialNumber(
    team: string,
    studyId: string,
    clientId: string,
    source: TrialNumberSource,
    replacing: number | undefined,
  ): Promise<number | undefined> {
    checkNumberSource(source, replacing);
    validateClientId(clientId);
    const key = trialCounterKey(team, studyId);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const out = await this.doc.send(
          new UpdateCommand({ TableName: this.tableName, Key: key, ...grantUpdate(clientId, source, replacing) }),
        );
        return 'number' in source ? source.number : Number(out.Attributes!.next) - 1;
      } catch (err) {
        if (!isConditionalCheckFailed(err) && !isMissingMap(err)) throw itemSizeError(err, key);
      }
      const counter = await this.get<TrialCounter>(key);
      if (!counter?.grants) {
        await this.createGrants(key);
        continue;
      }
      const without = grantWithoutWrite(counter, studyId, clientId, source, replacing);
      if (without !== 'write') return without.answer;
    }
    throw new RetryableConflictError(`the trial counter of study ${studyId} kept changing: try again`);
  }

  /** An empty grants map on the counter item (kept when one is there: a racing first grant made it). */
  private async createGrants(key: Key): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #grants = :empty, #entity = :entity',
          ConditionExpression: 'attribute_not_exists(#grants)',
          ExpressionAttributeNames: { '#grants': 'grants', '#entity': 'entity' },
          ExpressionAttributeValues: { ':empty': {}, ':entity': 'trialCounter' },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }
}

/** DynamoDB's refusal to set a nested path under a map that is not there. */
function isMissingMap(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown };
  return e?.name === 'ValidationException' && typeof e.message === 'string' && /document path/i.test(e.message);
}

/** The UpdateItem of one grant: the counter's next number (and its increment) or a given number, while the worker's grant is `replacing`. */
function grantUpdate(clientId: string, source: TrialNumberSource, replacing: number | undefined) {
  const names: Record<string, string> = { '#grants': 'grants', '#client': clientId, '#entity': 'entity' };
  const values: Record<string, unknown> = { ':entity': 'trialCounter' };
  const conditions = ['attribute_exists(#grants)'];
  if (replacing === undefined) {
    // A new worker adds an entry: the map stays within maxWorkerGrants.
    conditions.push('attribute_not_exists(#grants.#client)', 'size(#grants) < :cap');
    values[':cap'] = maxWorkerGrants;
  } else {
    conditions.push('#grants.#client = :replacing');
    values[':replacing'] = replacing;
  }
  let update: string;
  if ('number' in source) {
    update = 'SET #grants.#client = :number, #entity = :entity';
    values[':number'] = source.number;
  } else {
    names['#next'] = 'next';
    update = 'SET #next = if_not_exists(#next, :from) + :one, #grants.#client = if_not_exists(#next, :from), #entity = :entity';
    // A missing attribute fails any comparison: without the first clause an absent counter would never start.
    conditions.push(source.from < source.below ? '(attribute_not_exists(#next) OR #next < :below)' : '#next < :below');
    Object.assign(values, { ':from': source.from, ':one': 1, ':below': source.below });
  }
  return {
    UpdateExpression: update,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValues: 'UPDATED_NEW' as const,
  };
}
