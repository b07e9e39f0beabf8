import * as z from 'zod';
import { executionEnded } from '../../shared/study/execution-ended.js';
import { InvalidInputError, loggableError } from '../../shared/errors.js';
import { zodIssues } from '../../shared/study/spec.js';
import { studyRefSchema } from '../../shared/study/step-inputs.js';
import { handlerContext, logger } from '../context.js';

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

/** The target of the EventBridge rule on StudyMachine executions that end (not a Task state: no contract row). */
export async function handler(event: unknown) {
  const parsed = executionStatusEventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error), 'invalid execution status event');
  const ctx = await handlerContext();
  try {
    return await executionEnded(ctx, parsed.data);
  } catch (e) {
    logger.error('executionEnded failed', { error: loggableError(e) });
    throw e;
  }
}
