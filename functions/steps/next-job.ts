import { nextJob } from '../../shared/study/lanes.js';
import { stepHandler } from './step-handler.js';

export const handler = stepHandler('nextJob', nextJob);
