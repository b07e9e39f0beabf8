import * as z from 'zod';
import { planRetrain, planRetrainInputSchema } from '../../shared/study/retrain-plan.js';
import { plan, planInputSchema } from '../../shared/study/workflow.js';
import { stepHandler } from './step-handler.js';

/** Plan and Replan plan the search; PlanRetrain (the same function, `phase: retrain`) its retraining. */
const input = z.union([planRetrainInputSchema, planInputSchema]);

export const handler = stepHandler('plan', input, (ctx, event) => ('phase' in event ? planRetrain(ctx, event) : plan(ctx, event)));
