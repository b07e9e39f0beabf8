import { startTrial, trialSlotSchema } from '../../shared/study/workflow.js';
import { stepHandler } from './step-handler.js';

export const handler = stepHandler('start-trial', trialSlotSchema, startTrial);
