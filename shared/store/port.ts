import type { Measurement, Page, PageRequest, Study, Trial } from '../study/types.js';

/** What an API write with an `Idempotency-Key` left behind (shared/study/idempotency.ts). */
export interface IdempotencyRecord {
  team: string;
  key: string;
  /** Method, path and body of the request that claimed the key. */
  fingerprint: string;
  /** DONE: the request answered `response` (records are written only after a success). */
  state: 'DONE';
  response?: { status: number; body: string };
  createdAt: string;
  /** Epoch seconds after which the key is free again (the table's TTL attribute). */
  expiresAt: number;
  version: number;
}

/**
 * State a study's sampler keeps between calls (shared/samplers/sampler.ts SamplerState; the
 * REINFORCE controller's policy). A cache of a pure function of the study's results: readers
 * check it and replay when it is missing, stale or unreadable, so losing it changes no decision.
 */
export interface SamplerStateRecord {
  team: string;
  studyId: string;
  /** The sampler that wrote it (`strategy.sampler`). */
  sampler: string;
  /** The sampler's state as JSON text, opaque to the store; at most maxSamplerStateBytes of UTF-8. */
  state: string;
  updatedAt: string;
  /** Compare-and-set version; 0 means "no state stored yet". */
  version: number;
}

/** How a trial number is granted (StudyStore.grantTrialNumber): the counter's next below `below`, or one given `number`. */
export type TrialNumberSource = { from: number; below: number } | { number: number };

/** Distinct ask/tell workers (clientIds) one study may have: their grants share one item of at most 400 KB. */
export const maxWorkerGrants = 2000;

/**
 * The only shared state of rung (Optuna's Storage, Vizier's datastore). Every method is one
 * single-item read or one conditional single-item write, so that the same contract holds on
 * DynamoDB, on dynalite (which has no transactions) and in memory. Multi-item changes are
 * ordered by the callers so that a crash between two writes leaves a state the next call repairs.
 *
 * Every key starts with the team: no method can reach another team's items.
 *
 * Errors: `ConflictError` when a create finds the item, `RetryableConflictError` when a
 * compare-and-set finds another version, `NotFoundError` when an update finds no item.
 */
export interface StudyStore {
  /** Creates the study; ConflictError if a study with that id exists for the team. */
  createStudy(study: Study): Promise<void>;
  getStudy(team: string, studyId: string): Promise<Study | undefined>;
  /** Newest first. */
  listStudies(team: string, page?: PageRequest): Promise<Page<Study>>;
  /**
   * Writes `next` if the stored version equals `next.version`; stores and returns it with
   * version + 1. RetryableConflictError otherwise; NotFoundError if the study is gone.
   */
  updateStudy(next: Study): Promise<Study>;

  /** Creates the trial unless one with its id exists. Returns the stored trial and whether this call created it. */
  createTrial(trial: Trial): Promise<{ trial: Trial; created: boolean }>;
  getTrial(team: string, studyId: string, trialId: string): Promise<Trial | undefined>;
  /** In trial-number order. */
  listTrials(team: string, studyId: string, page?: PageRequest): Promise<Page<Trial>>;
  /** Compare-and-set on version, as updateStudy. */
  updateTrial(next: Trial): Promise<Trial>;

  /**
   * Stores a measurement once per (trial, step): a second put for the same step changes nothing
   * and returns false (duplicate deliveries and retried jobs never double-count).
   */
  putMeasurement(m: Measurement): Promise<boolean>;
  /** In step order. */
  listMeasurements(team: string, studyId: string, trialId: string): Promise<Measurement[]>;

  /** Creates the record unless one with its key exists. Returns the stored record and whether this call created it. */
  createIdempotencyRecord(record: IdempotencyRecord): Promise<{ record: IdempotencyRecord; created: boolean }>;
  getIdempotencyRecord(team: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Compare-and-set on version, as updateStudy. */
  updateIdempotencyRecord(next: IdempotencyRecord): Promise<IdempotencyRecord>;

  getSamplerState(team: string, studyId: string): Promise<SamplerStateRecord | undefined>;
  /**
   * Writes `next` if the stored version equals `next.version`, where version 0 means that no state
   * is stored (one write creates or replaces); stores and returns it with version + 1.
   * RetryableConflictError when another version (or, for version 0, any state) is stored.
   */
  putSamplerState(next: SamplerStateRecord): Promise<SamplerStateRecord>;

  /** The trial number last granted to the ask/tell worker `clientId` of the study, if any. */
  getTrialGrant(team: string, studyId: string, clientId: string): Promise<number | undefined>;
  /**
   * Grants the worker a trial number with one atomic single-item update of the study's counter (an
   * item of its own, so no compare-and-set on the study races with it), which records the grant in
   * the same write: a caller that never heard the answer finds its number with getTrialGrant, so a
   * crash loses no number. With `{ from, below }` the number is the counter's next (a counter not
   * there yet starts at `from`): each goes to one caller, however many race, and none waits for
   * another. With `{ number }` it is that one. The write happens only while the worker's grant is
   * `replacing` (undefined: none); else nothing changes and the stored grant is returned (a
   * duplicate of the same suggest was granted first). Undefined, changing nothing, when the
   * counter's next would be `below` or more. ConflictError when the study has maxWorkerGrants
   * workers already and this is a new one.
   */
  grantTrialNumber(
    team: string,
    studyId: string,
    clientId: string,
    source: TrialNumberSource,
    replacing: number | undefined,
  ): Promise<number | undefined>;
}

/** Reads every page of a paginated listing. */
export async function readAll<T>(list: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let nextToken: string | undefined;
  do {
    const page = await list({ limit: 1000, nextToken });
    out.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}
