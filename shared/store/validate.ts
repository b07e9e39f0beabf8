import { InvalidInputError } from '../errors.js';
import type { Measurement, Study, Trial } from '../study/types.js';
import {
  idempotencyKey,
  measurementKey,
  samplerStateKey,
  studyKey,
  trialKey,
  validateStep,
  validateTrialIdentity,
  type Key,
} from './keys.js';
import type { IdempotencyRecord, SamplerStateRecord, TrialNumberSource } from './port.js';

/**
 * Checks that every store applies before a write, so that all stores accept and refuse the same
 * inputs. Only what the storage itself needs is checked here (keys, versions, numbers DynamoDB
 * can hold); the meaning of a study or a trial is the domain's business.
 */

function invalid(path: string, message: string): InvalidInputError {
  return new InvalidInputError([{ path, message }], 'invalid item');
}

function checkVersion(version: unknown): void {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0)
    throw invalid('version', 'must be a non-negative integer');
}

export function checkStudy(study: Study): Key {
  if (typeof study !== 'object' || study === null) throw invalid('', 'must be a study');
  checkVersion(study.version);
  return studyKey(study.team, study.studyId);
}

export function checkTrial(trial: Trial): Key {
  if (typeof trial !== 'object' || trial === null) throw invalid('', 'must be a trial');
  checkVersion(trial.version);
  validateTrialIdentity(trial);
  return trialKey(trial.team, trial.studyId, trial.trialId);
}

/** What a DynamoDB number can hold: 0, or a magnitude from 1e-130 to below 1e126. */
export function isStorableNumber(value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  const magnitude = Math.abs(value);
  return magnitude === 0 || (magnitude >= 1e-130 && magnitude < 1e126);
}

/** DynamoDB numbers cannot be NaN or infinite: a diverged metric must be reported some other way. */
export function checkMeasurement(m: Measurement): Key {
  if (typeof m !== 'object' || m === null) throw invalid('', 'must be a measurement');
  validateStep(m.step);
  if (typeof m.metrics !== 'object' || m.metrics === null || Array.isArray(m.metrics))
    throw invalid('metrics', 'must be an object of numbers');
  for (const [name, value] of Object.entries(m.metrics)) {
    if (!isStorableNumber(value)) throw invalid(`metrics.${name}`, 'must be a finite number, 0 or of magnitude from 1e-130 to 9.99e125');
  }
  (m.candidates ?? []).forEach((c, i) => {
    for (const [name, value] of [...Object.entries(c.metrics), ...Object.entries(c.params)]) {
      if (typeof value === 'number' && !isStorableNumber(value))
        throw invalid(
          `candidates.${i}.${name in c.metrics ? 'metrics' : 'params'}.${name}`,
          'must be a finite number, 0 or of magnitude from 1e-130 to 9.99e125',
        );
    }
  });
  return measurementKey(m.team, m.studyId, m.trialId, m.step);
}

export function checkIdempotencyRecord(record: IdempotencyRecord): Key {
  if (typeof record !== 'object' || record === null) throw invalid('', 'must be an idempotency record');
  checkVersion(record.version);
  if (!Number.isSafeInteger(record.expiresAt)) throw invalid('expiresAt', 'must be epoch seconds');
  return idempotencyKey(record.team, record.key);
}

/**
 * The largest sampler state a store accepts, in UTF-8 bytes: DynamoDB items hold at most 400 KB
 * (names and values together), and the rest of the item (keys, sampler, dates) is far below the
 * 100 KB left. A sampler whose state would be larger is not stored (shared/study/observed.ts).
 */
export const maxSamplerStateBytes = 300_000;
const samplerNamePattern = /^[a-z0-9-]{1,64}$/;

export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

export function checkSamplerState(record: SamplerStateRecord): Key {
  if (typeof record !== 'object' || record === null) throw invalid('', 'must be a sampler state');
  checkVersion(record.version);
  if (typeof record.sampler !== 'string' || !samplerNamePattern.test(record.sampler)) throw invalid('sampler', 'must be a sampler name');
  if (typeof record.state !== 'string') throw invalid('state', 'must be JSON text');
  if (utf8Bytes(record.state) > maxSamplerStateBytes) throw invalid('state', `must be at most ${maxSamplerStateBytes} bytes`);
  return samplerStateKey(record.team, record.studyId);
}

/** A range of trial numbers to hand out from: non-negative integers, `below` at most the 10^8 that trial ids hold. */
export function checkNumberRange(range: { from: number; below: number }): void {
  for (const [name, value] of Object.entries(range))
    if (!Number.isSafeInteger(value) || value < 0 || value > 1e8) throw invalid(name, 'must be an integer from 0 to 100000000');
}

/** Where a granted trial number comes from (StudyStore.grantTrialNumber), and the grant it replaces. */
export function checkNumberSource(source: TrialNumberSource, replacing: number | undefined): void {
  if ('number' in source) checkTrialNumber('number', source.number);
  else checkNumberRange(source);
  if (replacing !== undefined) checkTrialNumber('replacing', replacing);
}

function checkTrialNumber(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 1e8) throw invalid(name, 'must be a trial number from 0 to 99999999');
}
