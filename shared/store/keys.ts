import { InvalidInputError } from '../errors.js';

/**
 * The single-table key scheme (resource-name style, Vizier's `studies/{s}/trials/{t}`), on a
 * table that has only the string keys `pk` and `sk` and no index:
 *
 * | item        | pk                                          | sk                    |
 * |-------------|---------------------------------------------|-----------------------|
 * | study       | `TEAM#{team}`                               | `STUDY#{studyId}`     |
 * | trial       | `TEAM#{team}#STUDY#{studyId}`               | `TRIAL#{number:08}`   |
 * | measurement | `TEAM#{team}#STUDY#{studyId}#TRIAL#{trial}` | `STEP#{encodeStep}`   |
 * | idempotency | `TEAM#{team}`                               | `IDEMPOTENCY#{key}`   |
 * | sampler     | `TEAM#{team}#STUDY#{studyId}`               | `SAMPLER#STATE`       |
 *
 * Every key starts with the team. Ids are validated, not escaped: team and study ids match
 * `[A-Za-z0-9_-]{1,128}` and trial ids are canonical decimal numbers below 10^8, so a `#` (or
 * anything else) in an id can never reach another team's or another study's partition.
 */

export const idPattern = /^[A-Za-z0-9_-]{1,128}$/;
/** The trial number as a decimal string, without leading zeros (so that one number has one id). */
export const trialIdPattern = /^(0|[1-9][0-9]{0,7})$/;
/** Steps up to this value keep their integer part within the 16 padded digits of the sort key. */
export const maxStep = Number.MAX_SAFE_INTEGER;
/** The smallest positive number DynamoDB stores (the step is also kept as a number attribute). */
export const minPositiveStep = 1e-130;

const STEP_INT_DIGITS = 16;
const TRIAL_DIGITS = 8;

function invalid(path: string, message: string): InvalidInputError {
  return new InvalidInputError([{ path, message }], 'invalid key');
}

export function validateTeam(team: unknown): string {
  if (typeof team !== 'string' || !idPattern.test(team)) throw invalid('team', 'must be 1 to 128 letters, digits, _ or -');
  return team;
}

export function validateStudyId(studyId: unknown): string {
  if (typeof studyId !== 'string' || !idPattern.test(studyId)) throw invalid('studyId', 'must be 1 to 128 letters, digits, _ or -');
  return studyId;
}

export function validateTrialId(trialId: unknown): string {
  if (typeof trialId !== 'string' || !trialIdPattern.test(trialId))
    throw invalid('trialId', 'must be a trial number below 100000000 written without leading zeros');
  return trialId;
}

/** A trial's id must be its number (the sort key is derived from the id and orders by number). */
export function validateTrialIdentity(trial: { trialId: unknown; number: unknown }): void {
  validateTrialId(trial.trialId);
  if (trial.number !== Number(trial.trialId)) throw invalid('number', 'must equal the trial id');
}

export function validateStep(step: unknown): number {
  if (typeof step !== 'number' || !Number.isFinite(step) || step < 0 || step > maxStep || (step > 0 && step < minPositiveStep))
    throw invalid('step', `must be 0 or a number from ${minPositiveStep} to ${maxStep}`);
  return step === 0 ? 0 : step; // folds -0 into 0
}

export interface Key {
  pk: string;
  sk: string;
}

export const STUDY_SK_PREFIX = 'STUDY#';
export const TRIAL_SK_PREFIX = 'TRIAL#';
export const STEP_SK_PREFIX = 'STEP#';

export function teamPartition(team: string): string {
  return `TEAM#${validateTeam(team)}`;
}

export function studyKey(team: string, studyId: string): Key {
  return { pk: teamPartition(team), sk: `${STUDY_SK_PREFIX}${validateStudyId(studyId)}` };
}

export function trialPartition(team: string, studyId: string): string {
  return `${teamPartition(team)}#STUDY#${validateStudyId(studyId)}`;
}

export function trialSortKey(trialId: string): string {
  return `${TRIAL_SK_PREFIX}${validateTrialId(trialId).padStart(TRIAL_DIGITS, '0')}`;
}

export const trialSortKeyPattern = /^TRIAL#[0-9]{8}$/;

export function trialKey(team: string, studyId: string, trialId: string): Key {
  return { pk: trialPartition(team, studyId), sk: trialSortKey(trialId) };
}

export function measurementPartition(team: string, studyId: string, trialId: string): string {
  return `${trialPartition(team, studyId)}#TRIAL#${validateTrialId(trialId)}`;
}

export function measurementKey(team: string, studyId: string, trialId: string, step: number): Key {
  return { pk: measurementPartition(team, studyId, trialId), sk: `${STEP_SK_PREFIX}${encodeStep(step)}` };
}

/**
 * Writes a non-negative step so that string order is numeric order: the integer part padded to
 * 16 digits, then `.` and the fraction digits of the shortest round-trip decimal, without
 * trailing zeros (`1` -> `0000000000000001`, `1.25` -> `0000000000000001.25`). Distinct doubles
 * give distinct strings; `.` sorts below every digit, so `1` < `1.25` < `1.5` < `2`.
 */
export function encodeStep(step: number): string {
  const [intPart, fracPart] = plainDecimal(validateStep(step));
  return fracPart ? `${intPart.padStart(STEP_INT_DIGITS, '0')}.${fracPart}` : intPart.padStart(STEP_INT_DIGITS, '0');
}

export function decodeStep(encoded: string): number {
  if (!/^[0-9]{16}(\.[0-9]*[1-9])?$/.test(encoded)) throw invalid('step', 'not an encoded step');
  return Number(encoded);
}

/** The shortest round-trip decimal of a non-negative finite number, without exponent. */
function plainDecimal(x: number): [string, string] {
  const s = String(x);
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(s);
  if (!m) throw invalid('step', `cannot encode ${s}`);
  const digits = m[1] + (m[2] ?? '');
  // Position of the decimal point within `digits`.
  const point = m[1].length + Number(m[3] ?? 0);
  let intPart: string;
  let fracPart: string;
  if (point <= 0) {
    intPart = '0';
    fracPart = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    intPart = digits + '0'.repeat(point - digits.length);
    fracPart = '';
  } else {
    intPart = digits.slice(0, point);
    fracPart = digits.slice(point);
  }
  intPart = intPart.replace(/^0+(?=\d)/, '');
  fracPart = fracPart.replace(/0+$/, '');
  return [intPart, fracPart];
}

export const IDEMPOTENCY_SK_PREFIX = 'IDEMPOTENCY#';
/** Idempotency keys: UUIDs and the like. */
export const idempotencyKeyPattern = /^[A-Za-z0-9_.:-]{1,128}$/;

export function validateIdempotencyKey(key: unknown): string {
  if (typeof key !== 'string' || !idempotencyKeyPattern.test(key))
    throw new InvalidInputError(
      [{ path: 'Idempotency-Key', message: 'must be 1 to 128 letters, digits, _ . : or - (a UUID, say)' }],
      'invalid header',
    );
  return key;
}

export function idempotencyKey(team: string, key: string): Key {
  return { pk: teamPartition(team), sk: `${IDEMPOTENCY_SK_PREFIX}${validateIdempotencyKey(key)}` };
}

/** The study's sampler state sits in the trials' partition; trial listings read only `TRIAL#` keys. */
export const SAMPLER_STATE_SK = 'SAMPLER#STATE';

export function samplerStateKey(team: string, studyId: string): Key {
  return { pk: trialPartition(team, studyId), sk: SAMPLER_STATE_SK };
}

/** The study's trial-number counter sits in the trials' partition too (ask/tell suggest, shared/study/ask-tell.ts). */
export const TRIAL_COUNTER_SK = 'COUNTER#TRIAL';

export function trialCounterKey(team: string, studyId: string): Key {
  return { pk: trialPartition(team, studyId), sk: TRIAL_COUNTER_SK };
}

/** An ask/tell worker's name (`clientId` of a suggest). */
export const clientIdPattern = /^[A-Za-z0-9_.:@-]{1,128}$/;

export function validateClientId(clientId: unknown): string {
  if (typeof clientId !== 'string' || !clientIdPattern.test(clientId))
    throw invalid('clientId', 'must be 1-128 letters, digits or _ . : @ -');
  return clientId;
}
