import { InvalidInputError, type Issue } from '../errors.js';
import { planBrackets } from '../schedulers/brackets.js';
import { RETRAIN_BRACKET, sweepSize } from '../study/retrain.js';
import type { StudySpec } from '../study/spec.js';
import { defaultInstanceTypes, instancePrices, pricesAsOf, type InstancePrice } from './prices.js';

/**
 * Dollar cost of trials: a job's runtime times the hourly price of the instance it runs on. A
 * spec may name several instance types (Batch picks one); forecasts and budgets take the most
 * expensive of them, so that a budget holds whichever Batch picks. `spot: true` prices at Spot;
 * a slice that falls back to the on-demand queue is charged at the on-demand rate once it ran
 * (shared/study/engine/ledger.ts), beyond its Spot forecast.
 */

export interface PriceTable {
  [instanceType: string]: InstancePrice;
}

/** USD per hour of one job of the spec, or the issues that make it unknown. */
export function hourlyPrice(spec: StudySpec, prices: PriceTable = instancePrices): { usdPerHour?: number; issues: Issue[] } {
  const types = spec.trial.instanceTypes?.length ? spec.trial.instanceTypes : defaultInstanceTypes;
  const issues: Issue[] = [];
  let usdPerHour = 0;
  types.forEach((type, i) => {
    const price = prices[type];
    if (!price) {
      issues.push({
        path: spec.trial.instanceTypes?.length ? `trial.instanceTypes.${i}` : 'trial.instanceTypes',
        message: `no price for ${type} (prices as of ${pricesAsOf}): add it to shared/cost/prices.ts or pick a listed type`,
      });
      return;
    }
    usdPerHour = Math.max(usdPerHour, spec.trial.spot ? price.spot : price.onDemand);
  });
  return issues.length > 0 ? { issues } : { usdPerHour, issues };
}

/** Cost of `seconds` of one job, in USD (per-second billing). */
export function jobCostUsd(usdPerHour: number, seconds: number): number {
  return (usdPerHour * Math.max(0, seconds)) / 3600;
}

/** What one trial-rung job should cost: the resource it trains times the seconds per unit. */
export function jobForecastUsd(usdPerHour: number, secondsPerResource: number, resourceFrom: number, resourceTo: number): number {
  return jobCostUsd(usdPerHour, Math.max(0, resourceTo - resourceFrom) * secondsPerResource);
}

/** The problems that keep a study with a dollar budget from being priced (empty when it can be). */
export function budgetIssues(spec: StudySpec, prices: PriceTable = instancePrices): Issue[] {
  if (spec.limits.maxCostUsd === undefined) return [];
  const issues: Issue[] = [];
  if (spec.trial.secondsPerResource === undefined)
    issues.push({
      path: 'trial.secondsPerResource',
      message: 'is required with limits.maxCostUsd: seconds one resource unit takes, to forecast each job',
    });
  issues.push(...hourlyPrice(spec, prices).issues);
  return issues;
}

export interface CostEstimate {
  pricesAsOf: string;
  usdPerHour: number;
  spot: boolean;
  secondsPerResource: number;
  /** Jobs the plan runs (one per trial-rung) and the resource they train in all. */
  jobs: number;
  resource: number;
  /** GPU-instance hours and dollars if every planned job runs. */
  hours: number;
  usd: number;
  /** The same plan on the other market (on demand when the spec says Spot, and back). */
  otherMarketUsd: number;
  brackets: { index: number; jobs: number; resource: number; usd: number }[];
  /** Where the budget stops the plan, when `limits.maxCostUsd` is below the forecast. */
  overBudget: boolean;
}

/**
 * Forecasts a study's cost from its plan before launch: every trial-rung of every bracket is one
 * job that trains from the previous rung's resource to its own (promoted trials resume from their
 * checkpoints), times `secondsPerResource`, times the hourly price.
 */
export function estimateStudyCost(spec: StudySpec, options: { secondsPerResource?: number; prices?: PriceTable } = {}): CostEstimate {
  const prices = options.prices ?? instancePrices;
  const secondsPerResource = options.secondsPerResource ?? spec.trial.secondsPerResource;
  const issues: Issue[] = [];
  if (secondsPerResource === undefined || !(secondsPerResource > 0))
    issues.push({
      path: 'trial.secondsPerResource',
      message: 'is needed for an estimate: set it in the spec or pass --seconds-per-resource',
    });
  const price = hourlyPrice(spec, prices);
  issues.push(...price.issues);
  if (issues.length > 0 || price.usdPerHour === undefined || secondsPerResource === undefined)
    throw new InvalidInputError(issues, 'cannot estimate the cost');
  const other = hourlyPrice({ ...spec, trial: { ...spec.trial, spot: !spec.trial.spot } }, prices).usdPerHour ?? 0;

  const brackets = planBrackets(spec.strategy.scheduler, spec.limits.maxTrials).map((b) => {
    let jobs = 0;
    let resource = 0;
    b.rungs.forEach((r, i) => {
      const from = i === 0 ? 0 : b.rungs[i - 1].resource;
      jobs += r.trials;
      resource += r.trials * Math.max(0, r.resource - from);
    });
    return { index: b.index, jobs, resource, usd: jobCostUsd(price.usdPerHour!, resource * secondsPerResource) };
  });
  if (spec.retrain) {
    // The retraining phase: at most topK candidates times the sweep, each from scratch to retrain.max.
    const jobs = spec.retrain.topK * sweepSize(spec.retrain.sweep);
    const resource = jobs * spec.retrain.max;
    brackets.push({ index: RETRAIN_BRACKET, jobs, resource, usd: jobCostUsd(price.usdPerHour, resource * secondsPerResource) });
  }
  const jobs = brackets.reduce((s, b) => s + b.jobs, 0);
  const resource = brackets.reduce((s, b) => s + b.resource, 0);
  const usd = jobCostUsd(price.usdPerHour, resource * secondsPerResource);
  return {
    pricesAsOf,
    usdPerHour: price.usdPerHour,
    spot: spec.trial.spot,
    secondsPerResource,
    jobs,
    resource,
    hours: (resource * secondsPerResource) / 3600,
    usd,
    otherMarketUsd: jobCostUsd(other, resource * secondsPerResource),
    brackets,
    overBudget: spec.limits.maxCostUsd !== undefined && usd > spec.limits.maxCostUsd,
  };
}
