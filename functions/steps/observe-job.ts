import { observeJob, observeJobInputSchema } from '../../shared/study/lanes.js';
import { stepHandler } from './step-handler.js';

export const handler = stepHandler('observe-job', observeJobInputSchema, observeJob);
