import type { z } from 'zod';
import { InvalidInputError, loggableError } from '../../shared/errors.js';
import { zodIssues } from '../../shared/study/spec.js';
import type { StepContext } from '../../shared/study/workflow.js';
import { STEP_HANDLERS, type StepInput, type StepLambda, type StepName, type StepOutput } from '../../infra/workflow-contract.js';
import { handlerContext, logger } from '../context.js';

/**
 * A Step Functions task handler for the contract's step `name`: parse the state's input with the
 * contract's schema, run the workflow step, return its result. A thrown error keeps its `name`,
 * which is the ASL error that Retry and Catch match (infra/workflow-contract.ts lists them).
 */
export function stepHandler<K extends StepName>(
  name: K,
  step: (ctx: StepContext, input: StepInput<K>) => Promise<StepOutput<K>>,
): StepLambda<K> {
  // The row's own schema, whose output is StepInput<K> (TypeScript cannot narrow the indexed union).
  const schema = STEP_HANDLERS[name].input as unknown as z.ZodType<StepInput<K>>;
  return async (event: unknown) => {
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
