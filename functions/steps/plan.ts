import { planRetrain } from '../../shared/study/retrain-plan.js';
import { plan } from '../../shared/study/workflow.js';
import { stepHandler } from './step-handler.js';

/** Plan and Replan plan the search; PlanRetrain (the same function, `phase: retrain`) its retraining. */
export const handler = stepHandler('plan', (ctx, event) => ('phase' in event ? planRetrain(ctx, event) : plan(ctx, event)));
