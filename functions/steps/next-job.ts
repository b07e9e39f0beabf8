import { laneInputSchema, nextJob } from '../../shared/study/lanes.js';
import { stepHandler } from './step-handler.js';

export const handler = stepHandler('next-job', laneInputSchema, nextJob);
