import * as z from 'zod';

/**
 * The input of every Task state's step (docs/workflow.md), as the state machines deliver it: the
 * data half of the workflow contract (infra/workflow-contract.ts holds the table of states that
 * names them). Schemas only, no step code, so that infra, the handlers and the domain steps import
 * the same definitions without importing one another.
 */

const id = z.string().min(1).max(128);
const trialId = z.string().regex(/^\d{1,8}$/);
/** A failed `.sync` job as JobFailed delivers it (`$.jobError`, what the Catch wrote). */
const jobError = z.object({ Error: z.string().optional(), Cause: z.string().optional() });
/** The `.sync` job's description when the state keeps it (Batch's StartedAt/StoppedAt, epoch ms), for its runtime and cost. */
const jobResult = z
  .object({
    StartedAt: z.number().optional(),
    StoppedAt: z.number().optional(),
    AttemptsStartedAt: z.array(z.number()).max(10).optional(),
    AttemptsStoppedAt: z.array(z.number()).max(10).optional(),
  })
  .passthrough();

export const studyRefSchema = z.object({ team: id, studyId: id });
export const planInputSchema = studyRefSchema.extend({ round: z.number().int().min(0).optional() });
export const planRetrainInputSchema = studyRefSchema.extend({ phase: z.literal('retrain') });
/** Plan and Replan plan the search; PlanRetrain (the same function, `phase: retrain`) its retraining. */
export const planStepInputSchema = z.union([planRetrainInputSchema, planInputSchema]);
export const bracketInputSchema = studyRefSchema.extend({ bracket: z.number().int().min(0), name: z.string().optional() });
export const rungRefSchema = bracketInputSchema.extend({ rung: z.number().int().min(0) });
export const trialSlotSchema = rungRefSchema.extend({ trialId });
export const observeInputSchema = trialSlotSchema.extend({
  run: z.boolean().optional(),
  job: z.unknown().optional(),
  jobError: jobError.optional(),
  jobResult: jobResult.optional(),
});
export const finalizeInputSchema = studyRefSchema.extend({
  outcome: z.enum(['COMPLETED', 'FAILED']),
  error: jobError.optional(),
});
export const laneInputSchema = z.object({
  team: id,
  studyId: id,
  lane: z.number().int().min(0).max(1000),
  round: z.number().int().min(0),
  jobIndex: z.number().int().min(0),
});
export const observeJobInputSchema = laneInputSchema.extend({
  run: z.boolean().optional(),
  trialId,
  rung: z.number().int().min(0),
  job: z.unknown().optional(),
  jobError: jobError.optional(),
  jobResult: jobResult.optional(),
});
