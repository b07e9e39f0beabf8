import { describe, expect, it } from 'vitest';
import { budgetIssues, estimateStudyCost, hourlyPrice, jobForecastUsd } from '../../shared/cost/cost.js';
import { instancePrices, pricesAsOf } from '../../shared/cost/prices.js';
import { parseStudySpec } from '../../shared/study/spec.js';

const spec = (overrides: { limits?: object; trial?: object; strategy?: object } = {}) =>
  parseStudySpec({
    name: 'cost',
    objective: { metric: 'acc', goal: 'maximize' },
    parameters: { x: { type: 'float', min: 0, max: 1 } },
    strategy: { scheduler: { type: 'hyperband', min: 1, max: 9, eta: 3 }, ...overrides.strategy },
    limits: { maxTrials: 13, ...overrides.limits },
    trial: { command: ['train'], instanceTypes: ['g5.xlarge', 'g6.xlarge'], secondsPerResource: 120, ...overrides.trial },
  });

describe('cost', () => {
  it('prices a job at the most expensive listed instance type, Spot or on demand as the spec says', () => {
    expect(hourlyPrice(spec()).usdPerHour).toBe(instancePrices['g5.xlarge'].spot);
    expect(hourlyPrice(spec({ trial: { spot: false } })).usdPerHour).toBe(instancePrices['g5.xlarge'].onDemand);
    expect(jobForecastUsd(3.6, 10, 3, 9)).toBeCloseTo(0.06, 12);
  });

  it('forecasts a Hyperband study from its plan: each trial-rung trains from the previous rung to its own', () => {
    // Prepare: hyperband 1..9, eta 3, 13 trials = bracket 0 (9 -> 3 -> 1 at 1, 3, 9) and bracket 1 (4 of 5: 4 -> 1 at 3, 9).
    const s = spec();
    // Act
    const estimate = estimateStudyCost(s);
    // Assess: bracket 0: 9*1 + 3*2 + 1*6 = 21 units; bracket 1: 4*3 + 1*6 = 18 units.
    expect(estimate.brackets.map((b) => [b.jobs, b.resource])).toEqual([
      [13, 21],
      [5, 18],
    ]);
    expect(estimate.jobs).toBe(18);
    expect(estimate.resource).toBe(39);
    expect(estimate.usd).toBeCloseTo((39 * 120 * instancePrices['g5.xlarge'].spot) / 3600, 10);
    expect(estimate.otherMarketUsd).toBeCloseTo((39 * 120 * instancePrices['g5.xlarge'].onDemand) / 3600, 10);
    expect(estimate.pricesAsOf).toBe(pricesAsOf);
    expect(estimateStudyCost(s, { secondsPerResource: 240 }).usd).toBeCloseTo(2 * estimate.usd, 10);
  });

  it('flags a forecast over the budget', () => {
    expect(estimateStudyCost(spec({ limits: { maxCostUsd: 0.01 } })).overBudget).toBe(true);
    expect(estimateStudyCost(spec({ limits: { maxCostUsd: 1000 } })).overBudget).toBe(false);
  });

  it('names what is missing to price a budget: seconds per resource and unknown instance types', () => {
    expect(
      budgetIssues(spec({ limits: { maxCostUsd: 5 }, trial: { secondsPerResource: undefined, instanceTypes: ['g5.xlarge', 'zz9.huge'] } })),
    ).toEqual([
      { path: 'trial.secondsPerResource', message: expect.stringContaining('required with limits.maxCostUsd') },
      { path: 'trial.instanceTypes.1', message: expect.stringContaining('no price for zz9.huge') },
    ]);
    expect(budgetIssues(spec())).toEqual([]);
    expect(() => estimateStudyCost(spec({ trial: { secondsPerResource: undefined } }))).toThrow(/secondsPerResource/);
  });
});
