import { ConflictError } from '../errors.js';
import { maxWorkerGrants, type TrialNumberSource } from './port.js';

/** The study's trial counter item: the next number and each worker's last grant (README: Trial counter and worker grants). */
export interface TrialCounter {
  next?: number;
  grants?: Record<string, number>;
}

/**
 * What a grant answers without writing, from the counter as it is (StudyStore.grantTrialNumber):
 * the worker's stored grant when it is no longer `replacing` (a duplicate was granted first), or
 * undefined when the counter's next is past `below`; ConflictError for a new worker beyond
 * maxWorkerGrants. `write` when the grant may be written. MemoryStore asks before its write,
 * DynamoStore after a refused conditional update.
 */
export function grantWithoutWrite(
  counter: TrialCounter,
  studyId: string,
  clientId: string,
  source: TrialNumberSource,
  replacing: number | undefined,
): { answer: number | undefined } | 'write' {
  const grants = counter.grants ?? {};
  const granted = grants[clientId];
  if (granted !== replacing) return { answer: granted };
  if ('below' in source && (counter.next ?? source.from) >= source.below) return { answer: undefined };
  if (granted === undefined && Object.keys(grants).length >= maxWorkerGrants)
    throw new ConflictError(`study ${studyId} has had ${maxWorkerGrants} ask/tell workers: reuse their clientIds`);
  return 'write';
}
