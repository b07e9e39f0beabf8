import type { Trial } from '../study/types.js';

export interface Utilization {
  /** Job-seconds the study's workers trained. */
  busySeconds: number;
  /** From the first job's start to the last job's end (or `now` while one runs). */
  spanSeconds: number;
  /**
   * busySeconds / (parallelism × spanSeconds): how much of the paid-for worker time trained. Rung
   * barriers, short rungs and per-job start costs all show up here (DESIGN.md, where GPU time goes).
   */
  busyFraction: number;
}

/** The GPU (worker) busy fraction of a study from its trials' job records; undefined before any job. */
export function utilization(trials: Pick<Trial, 'jobs'>[], parallelism: number, now: Date): Utilization | undefined {
  // A record closed as never run (a stranded lane claim, shared/study/lanes.ts) is no worker time.
  const jobs = trials.flatMap((t) => (t.jobs ?? []).filter((j) => !j.neverRan));
  if (jobs.length === 0 || parallelism < 1) return undefined;
  const at = (iso: string | undefined) => (iso ? Date.parse(iso) : now.getTime());
  const start = Math.min(...jobs.map((j) => at(j.startedAt)));
  const end = Math.max(...jobs.map((j) => at(j.endedAt)));
  const busySeconds = jobs.reduce((sum, j) => sum + (j.seconds ?? (at(j.endedAt) - at(j.startedAt)) / 1000), 0);
  const spanSeconds = Math.max(0, (end - start) / 1000);
  const busyFraction = spanSeconds > 0 ? Math.min(1, busySeconds / (parallelism * spanSeconds)) : 0;
  return { busySeconds, spanSeconds, busyFraction };
}
