import { observe } from '../../shared/study/workflow.js';
import { stepHandler } from './step-handler.js';

export const handler = stepHandler('observe', observe);
