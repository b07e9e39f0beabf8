import { planBrackets } from '../schedulers/brackets.js';
import { rungLevels } from '../schedulers/rungs.js';
import type { Study, Trial } from './types.js';

/** Whether the study's trials come from ask/tell workers rather than from its workflow. */
export function isExternal(study: Pick<Study, 'spec'>): boolean {
  return study.spec.strategy.execution === 'external';
}

/**
 * The resource levels at which an external (ask/tell) study records a trial's rung results:
 * ASHA's geometry min, min*eta, ... max for multi-fidelity schedulers, just `max` for fifo.
 * `rungValues[k]` of an external trial is its objective at `levels[k]`.
 */
export function externalLevels(study: Pick<Study, 'spec'>): number[] {
  const s = study.spec.strategy.scheduler;
  if (s.type === 'fifo') return [s.max];
  return rungLevels(s.min, s.max, s.eta, Number.isInteger(s.min) && Number.isInteger(s.max));
}

/** The rung levels an ASHA study's lanes climb (its trials' `rungValues[k]` are at `levels[k]`). */
export function rungLevelsOf(study: Pick<Study, 'spec'> & { studyId?: string }): number[] {
  const s = study.spec.strategy.scheduler;
  if (s.type !== 'asha') throw new Error(`study ${study.studyId} does not run lanes`);
  return rungLevels(s.min, s.max, s.eta, Number.isInteger(s.min) && Number.isInteger(s.max));
}

/** The largest resource a trial of the study trains to. */
export function maxResourceOf(study: Pick<Study, 'spec'>): number {
  return study.spec.strategy.scheduler.max;
}

/**
 * The resource at which `trial.rungValues[rung]` was measured: the bracket plan's rung for a
 * synchronous workflow study, the ASHA level for a lane (asha) or an external one.
 */
export function rungResource(study: Pick<Study, 'spec'>, trial: Pick<Trial, 'bracket'>, rung: number): number | undefined {
  if (isExternal(study)) return externalLevels(study)[rung];
  if (study.spec.strategy.scheduler.type === 'asha') return rungLevelsOf(study)[rung];
  const bracket = planBrackets(study.spec.strategy.scheduler, study.spec.limits.maxTrials)[trial.bracket];
  return bracket?.rungs[rung]?.resource;
}

/** Every rung boundary of the study (sorted, distinct): where learning curves are cut. */
export function rungBoundaries(study: Pick<Study, 'spec'>): number[] {
  if (isExternal(study)) return externalLevels(study);
  const all = planBrackets(study.spec.strategy.scheduler, study.spec.limits.maxTrials).flatMap((b) => b.rungs.map((r) => r.resource));
  return [...new Set(all)].sort((a, b) => a - b);
}
