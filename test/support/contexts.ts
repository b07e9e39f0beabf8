import { randomBytes } from 'node:crypto';
import { createRng } from '../../shared/rng.js';
import { MemoryStore } from '../../shared/store/memory.js';
import type { ServiceContext } from '../../shared/study/service.js';
import type { StepContext } from '../../shared/study/workflow.js';

/**
 * The API's and the workflow's contexts over one in-memory store, with a clock that advances one
 * second per reading and seeded randomness: domain tests drive the steps by hand with these.
 */
export function memoryContexts(seed = 1) {
  const store = new MemoryStore();
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const now = () => new Date((clock += 1000));
  const rng = createRng(seed);
  const service: ServiceContext = { store, now, random: () => rng.next() };
  const steps: StepContext = { store, now, artifactBaseUri: 's3://bucket', randomBytes };
  return { store, service, steps };
}
