import { budgetIssues } from '../cost/cost.js';
import type { Issue } from '../errors.js';
import { bracketHistoryEvents, historyEventLimit, planBrackets } from '../schedulers/brackets.js';
import type { StudySpec } from './spec.js';

/**
 * What a spec that parses must still pass before a study is created from it: the budget's
 * requirements and the Step Functions history-event limit of its largest bracket. `createStudy`
 * rejects a spec with any of them and `rung validate` reports them, each with its path and rule.
 */
export function creationIssues(spec: StudySpec): Issue[] {
  const issues = budgetIssues(spec);
  // ASHA lanes bound their own history (a lane ends after maxJobsPerLane jobs); brackets do not.
  const brackets = spec.strategy.scheduler.type === 'asha' ? [] : planBrackets(spec.strategy.scheduler, spec.limits.maxTrials);
  const largest = Math.max(0, ...brackets.map(bracketHistoryEvents));
  if (largest > historyEventLimit) {
    issues.push({
      path: 'limits.maxTrials',
      message: `one bracket would need about ${largest} Step Functions history events (limit ${historyEventLimit}): lower maxTrials or use hyperband`,
    });
  }
  return issues;
}
