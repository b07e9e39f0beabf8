import { rungResource } from '../ladder.js';
import { observationOf } from '../objectives.js';
import type { RungResult } from '../observed.js';
import { searchTrials } from '../retrain.js';
import type { Study, Trial } from '../types.js';

/**
 * The search's rung results as the sampler sees them, one per finished rung of each search trial,
 * at the resource the rung was measured at (shared/study/ladder.ts: the bracket plan, or the ASHA
 * ladder of a lane or external study). With objectives or constraints each also carries
 * feasibility and every objective (shared/study/objectives.ts). Retraining trials are not search
 * results, so no sampler sees them.
 */
export function resultsOf(study: Study, trials: Trial[]): RungResult[] {
  return searchTrials(trials).flatMap((t) =>
    t.rungValues.flatMap((v, rung) =>
      v === undefined || v === null
        ? []
        : [{ trial: t, rung, observation: observationOf(study.spec, t, rung, v, rungResource(study, t, rung) ?? 0) }],
    ),
  );
}
