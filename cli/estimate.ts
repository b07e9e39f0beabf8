import { estimateStudyCost } from '../shared/cost/cost.js';
import { pricesRegion } from '../shared/cost/prices.js';
import { RETRAIN_BRACKET } from '../shared/study/retrain.js';
import { plural } from './output.js';
import { loadSpecFile } from './spec-file.js';

/** `rung estimate spec.yaml`: the study's cost if every planned job runs, before launch. */
export async function estimateCommand(file: string, opts: { secondsPerResource?: number; json?: boolean }): Promise<number> {
  const { spec } = await loadSpecFile(file);
  const estimate = estimateStudyCost(spec, { secondsPerResource: opts.secondsPerResource });
  if (opts.json) {
    console.log(JSON.stringify(estimate));
  } else {
    const unit = spec.strategy.scheduler.resource;
    const usd = (n: number) => `$${n.toFixed(2)}`;
    console.log(
      `${file}: ${plural(estimate.jobs, 'job')}, ${estimate.resource} ${unit} in all, ${estimate.hours.toFixed(2)} instance-hours at ${estimate.secondsPerResource} s per ${unit}`,
    );
    for (const b of estimate.brackets) {
      const what = b.index === RETRAIN_BRACKET ? 'retraining (at most)' : `bracket ${b.index}`;
      console.log(`  ${what}: ${plural(b.jobs, 'job')}, ${b.resource} ${unit}, ${usd(b.usd)}`);
    }
    console.log(
      `forecast: ${usd(estimate.usd)} ${estimate.spot ? 'on Spot' : 'on demand'} (${usd(estimate.otherMarketUsd)} ${estimate.spot ? 'on demand' : 'on Spot'}), at $${estimate.usdPerHour}/h, ${pricesRegion} prices as of ${estimate.pricesAsOf} (shared/cost/prices.ts)`,
    );
    if (spec.limits.maxCostUsd !== undefined)
      console.log(
        estimate.overBudget
          ? `over the budget of ${usd(spec.limits.maxCostUsd)}: the study stops starting jobs when the next would cross it`
          : `within the budget of ${usd(spec.limits.maxCostUsd)}`,
      );
  }
  return 0;
}
