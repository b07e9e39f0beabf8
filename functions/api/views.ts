import { utilization } from '../../shared/analysis/utilization.js';
import type { Study, Trial } from '../../shared/study/types.js';

/** What a study looks like on the API: the stored item without store internals. */
export function studyView(study: Study, trials?: Trial[], now = new Date()) {
  // Bookkeeping that is no part of the study's view: its version, the keys of enqueue requests, the job key.
  const { version: _version, enqueueRequests: _requests, jobKey: _jobKey, ...rest } = study;
  if (!trials) return rest;
  const trialCounts: Record<string, number> = {};
  for (const t of trials) trialCounts[t.state] = (trialCounts[t.state] ?? 0) + 1;
  const busy = utilization(trials, study.spec.limits.parallelism, now);
  return { ...rest, trialCounts, ...(busy ? { utilization: busy } : {}) };
}

export function trialView<T extends Trial>(trial: T) {
  const { version: _version, team: _team, jobTokenHash: _jobTokenHash, ...rest } = trial;
  return rest;
}
