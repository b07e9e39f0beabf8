import type { z } from 'zod';
import { InvalidInputError, loggableError } from '../../shared/errors.js';
import { zodIssues } from '../../shared/study/spec.js';
import type { StepContext } from '../../shared/study/workflow.js';
import { handlerContext, logger } from '../context.js';

/**
 * A Step Functions task handler: parse the state's input, run the workflow step, return its
 * result. A thrown error keeps its `name`, which is the ASL error that Retry and Catch match.
 */
export function stepHandler<S extends z.ZodType, R>(name: string, schema: S, step: (ctx: StepContext, input: z.infer<S>) => Promise<R>) {
  return async (event: unknown): Promise<R> => {
    const parsed = schema.safeParse(event);
    if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error), `invalid ${name} input`);
    const ctx = await handlerContext();
    try {
      return await step(ctx, parsed.data);
    } catch (e) {
      logger.error(`${name} failed`, { error: loggableError(e) });
      throw e;
    }
  };
}
