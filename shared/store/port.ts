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

/**
 * The trial number an ask/tell worker's suggest is for (shared/study/ask-tell.ts): duplicates of
 * one suggest racing each other claim with a compare-and-set on this item, so they take one number.
 */
export interface WorkerClaimRecord {
  team: string;
  studyId: string;
  /** The worker (`clientId` of the suggest). */
  clientId: string;
  number: number;
  updatedAt: string;
  /** Compare-and-set version; 0 means "no claim stored yet". */
  version: number;
}

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

  /**
   * Hands out the study's next trial number with one atomic single-item update of its counter (an
   * item of its own, so no compare-and-set on the study races with it): each number goes to one
   * caller, however many race, and none waits for another. A counter not there yet starts at
   * `from`. Undefined, changing nothing, when the next number would be `below` or more.
   */
  nextTrialNumber(team: string, studyId: string, range: { from: number; below: number }): Promise<number | undefined>;
  getWorkerClaim(team: string, studyId: string, clientId: string): Promise<WorkerClaimRecord | undefined>;
  /** As putSamplerState: version 0 creates; RetryableConflictError when another version (or, for 0, any claim) is stored. */
  putWorkerClaim(next: WorkerClaimRecord): Promise<WorkerClaimRecord>;
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
