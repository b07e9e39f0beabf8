import { budgetIssues } from '../cost/cost.js';
import type { Issue } from '../errors.js';
import { bracketHistoryEvents, historyEventLimit, planBrackets } from '../schedulers/brackets.js';
import { overrideSizeIssues } from './job-overrides.js';
import type { StudySpec } from './spec.js';

/**
 * Step Functions runs at most 40 iterations of an inline Map at once, whatever its MaxConcurrency
 * says, and a workflow study runs its jobs (and its ASHA lanes) in inline Maps: more would be
 * accepted and silently run at 40. External (ask/tell) studies run no Map.
 */
export const maxWorkflowParallelism = 40;

/**
 * Brackets of one study. Each travels in the StudyMachine's state (about 150 bytes: the state
 * payload limit is 256 KiB) and costs its history about 8 events (the limit is 25,000), so 1,000
 * brackets stay well inside both. Hyperband with max/min = 3 and maxTrials 10,000 would make 4,000.
 */
export const maxBrackets = 1000;

/** The issue with `limits.parallelism` of a workflow study, if any. */
export function parallelismIssue(execution: 'workflow' | 'external', parallelism: number): Issue | undefined {
  if (execution === 'external' || parallelism <= maxWorkflowParallelism) return undefined;
  return {
    path: 'limits.parallelism',
    message: `at most ${maxWorkflowParallelism} for a workflow study (Step Functions runs at most ${maxWorkflowParallelism} iterations of an inline Map at once); external studies take up to 256`,
  };
}

/**
 * The issue with `limits.maxTrials`, if any: a workflow study plans at most maxBrackets brackets, and its largest must fit the Step
 * Functions history-event limit (ASHA lanes bound their own history: a lane ends after
 * maxJobsPerLane jobs; brackets do not). External (ask/tell) studies run no workflow, so no
 * history bounds them. Study creation and PATCH both apply this one rule.
 */
export function maxTrialsIssue(spec: Pick<StudySpec, 'strategy'>, maxTrials: number): Issue | undefined {
  if (spec.strategy.execution === 'external' || spec.strategy.scheduler.type === 'asha') return undefined;
  const brackets = planBrackets(spec.strategy.scheduler, maxTrials);
  if (brackets.length > maxBrackets) {
    return {
      path: 'limits.maxTrials',
      message: `the scheduler would plan ${brackets.length} brackets, more than the ${maxBrackets} a study's workflow runs (each travels in the StudyMachine's 256 KiB state and its 25,000-event history): lower maxTrials or widen scheduler.min..max`,
    };
  }
  const largest = Math.max(0, ...brackets.map(bracketHistoryEvents));
  if (largest <= historyEventLimit) return undefined;
  return {
    path: 'limits.maxTrials',
    message: `one bracket would need about ${largest} Step Functions history events (limit ${historyEventLimit}): lower maxTrials or use hyperband`,
  };
}

/**
 * What a spec that parses must still pass before a study is created from it: the budget's
 * requirements, the parallelism and maxTrials rules above, and the size of its job overrides. `createStudy`
 * rejects a spec with any of them and `rung validate` reports them, each with its path and rule.
 */
export function creationIssues(spec: StudySpec): Issue[] {
  const issues = budgetIssues(spec);
  const parallelism = parallelismIssue(spec.strategy.execution, spec.limits.parallelism);
  if (parallelism) issues.push(parallelism);
  issues.push(...overrideSizeIssues(spec));
  const maxTrials = maxTrialsIssue(spec, spec.limits.maxTrials);
  if (maxTrials) issues.push(maxTrials);
  return issues;
}
