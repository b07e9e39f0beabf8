import * as z from 'zod';
import { executionEnded } from '../../shared/study/execution-ended.js';
import { studyRefSchema } from '../../shared/study/workflow.js';
import { stepHandler } from './step-handler.js';

/**
 * The EventBridge event "Step Functions Execution Status Change" of a StudyMachine execution
 * (its detail carries the execution's input as a JSON string: `{ team, studyId }`).
 */
export const executionStatusEventSchema = z
  .object({
    'detail-type': z.literal('Step Functions Execution Status Change'),
    detail: z.object({
      name: z.string().min(1).max(80),
      status: z.enum(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']),
      input: z.string().max(262_144),
      error: z.string().max(256).nullish(),
      cause: z.string().max(32_768).nullish(),
    }),
  })
  .transform((event, ctx) => {
    let input: unknown;
    try {
      input = JSON.parse(event.detail.input);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON', path: ['detail', 'input'] });
      return z.NEVER;
    }
    const ref = studyRefSchema.safeParse(input);
    if (!ref.success) {
      ctx.addIssue({ code: 'custom', message: 'must name the team and the study', path: ['detail', 'input'] });
      return z.NEVER;
    }
    return {
      ...ref.data,
      executionName: event.detail.name,
      status: event.detail.status,
      error: event.detail.error ?? undefined,
      cause: event.detail.cause ?? undefined,
    };
  });

export const handler = stepHandler('executionEnded', executionStatusEventSchema, executionEnded);
