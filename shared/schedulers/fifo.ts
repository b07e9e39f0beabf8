import type { Scheduler } from './scheduler.js';

/** Every trial trains to the full resource: plain black-box search. */
export function fifoScheduler(maxResource: number): Scheduler {
  return {
    name: 'fifo',
    maxResource,
    next: () => ({ decision: 'NEW', bracket: 0 }),
    onReport: () => 'CONTINUE',
    milestones: () => [maxResource],
  };
}
