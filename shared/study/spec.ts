import * as z from 'zod';
import { suggestKey } from './key-suggestions.js';
import { InvalidInputError, type Issue } from '../errors.js';
import { parametersSchema } from '../space/schema.js';
import { jobEnvironmentSchema } from './environment-schema.js';
import { retrainSchema, sweepSize } from './retrain-schema.js';
import { maxJobTimeoutSeconds, minJobTimeoutSeconds } from './job-environment.js';
import {
  checkObjectives,
  constraintsSchema,
  normalizeObjectives,
  objectiveSchema,
  objectivesSchema,
  trialMetricsSchema,
} from './objectives-schema.js';

/** `90s`, `30m`, `12h`, `2d` -> seconds. */
export const durationSchema = z
  .string()
  .regex(/^\d+(\.\d+)?(s|m|h|d)$/, 'must be a duration such as 90s, 30m, 12h or 2d')
  .transform((s) => {
    const n = Number(s.slice(0, -1));
    const unit = s.at(-1) as 's' | 'm' | 'h' | 'd';
    return n * { s: 1, m: 60, h: 3600, d: 86400 }[unit];
  });

const resourceName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,31}$/, 'must be a short identifier such as epoch')
  .default('epoch');

const multiFidelity = {
  resource: resourceName,
  min: z.number().positive(),
  max: z.number().positive(),
  eta: z.number().int().min(2).max(10).default(3),
};

type MultiFidelityOutput =
  | { type: 'fifo'; resource: string; max: number }
  | { type: 'successive_halving' | 'hyperband' | 'asha'; resource: string; min: number; max: number; eta: number };

export function defaultAshaMin(max: number): number {
  return Number.isInteger(max) ? Math.max(1, Math.round(max / 16)) : max / 16;
}

export const schedulerSchema = z
  .discriminatedUnion('type', [
    /** Every trial trains to `max` (plain black-box search). */
    z.strictObject({ type: z.literal('fifo'), resource: resourceName, max: z.number().positive().default(1) }),
    z.strictObject({ type: z.literal('successive_halving'), ...multiFidelity }),
    z.strictObject({ type: z.literal('hyperband'), ...multiFidelity }),
    /**
     * Asynchronous successive halving (Li et al., 2020), promotion variant: rungs at min, min*eta, ...
     * up to max; a trial pauses at each rung and resumes from its checkpoint once it ranks in the top
     * 1/eta of that rung. No barrier: every worker always has a job. The benchmark's default.
     */
    z.strictObject({ type: z.literal('asha'), ...multiFidelity, min: z.number().positive().optional() }),
  ])
  // ASHA's first rung defaults to about 1/16 of max: on the replay benchmark an early rung at 6% of
  // the budget ranked the final results well, and one at 2% did not (BENCHMARKS.md).
  .transform((s) => (s.type === 'asha' && s.min === undefined ? { ...s, min: defaultAshaMin(s.max) } : s) as MultiFidelityOutput)
  .superRefine((s, ctx) => {
    if (s.type !== 'fifo' && s.min >= s.max) ctx.addIssue({ code: 'custom', message: 'min must be below max', path: ['min'] });
    if (s.type !== 'fifo' && s.min < s.max && s.max / s.min < s.eta)
      ctx.addIssue({ code: 'custom', message: `max / min must be at least eta (${s.eta}) to have two rungs`, path: ['max'] });
  });

export const studySpecSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'must use letters, digits, space, _ . -'),
    /** One objective; or `objectives` (2-4) for a Pareto study, `objective` then being the first (shared/study/objectives.ts). */
    objective: objectiveSchema.optional(),
    objectives: objectivesSchema.optional(),
    /** Feasibility rules on reported metrics (`{ metric: latency_ms, max: 20 }`): samplers model them; violators end INFEASIBLE. */
    constraints: constraintsSchema.optional(),
    parameters: parametersSchema,
    strategy: z
      .strictObject({
        /** tpe: the benchmark's best model (a Sobol design until each rung has enough results). */
        sampler: z.enum(['random', 'sobol', 'grid', 'tpe', 'bo', 'evolution', 'rl', 'arch-bo', 'nsga2', 'parego']).default('tpe'),
        scheduler: schedulerSchema.default({ type: 'fifo', resource: 'epoch', max: 1 }),
        /** Start from the best trials of earlier studies of the team (same objective; configurations that fit this space). */
        warmStart: z
          .strictObject({
            studies: z
              .array(z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a study id'))
              .min(1)
              .max(20),
            topK: z.number().int().min(1).max(50).default(5),
          })
          .optional(),
        /** Makes the study's suggestions reproducible; drawn at creation when absent. */
        seed: z
          .number()
          .int()
          .min(0)
          .max(2 ** 31 - 1)
          .optional(),
        /**
         * workflow: the study's trials run as jobs of its Step Functions workflow (Batch or local processes).
         * external: no workflow; workers outside rung ask for trials and tell their results (ask/tell API).
         */
        execution: z.enum(['workflow', 'external']).default('workflow'),
      })
      .default({ sampler: 'tpe', scheduler: { type: 'fifo', resource: 'epoch', max: 1 }, execution: 'workflow' }),
    limits: z.strictObject({
      maxTrials: z.number().int().min(1).max(10_000),
      parallelism: z.number().int().min(1).max(256).default(1),
      maxWallClock: durationSchema.optional(),
      maxFailedTrials: z.number().int().min(0).optional(),
      /** Dollar budget: no job starts whose cost forecast would cross it (needs `trial.secondsPerResource`). */
      maxCostUsd: z.number().positive().max(10_000_000).optional(),
    }),
    /** What a job of the workflow runs (an external study's workers run themselves: there it only documents them). */
    trial: z.strictObject({
      command: z.array(z.string().min(1).max(1024)).min(1, 'must name the program to run').max(64),
      image: z.string().min(1).max(512).optional(),
      gpus: z.number().int().min(0).max(8).default(1),
      instanceTypes: z
        .array(z.string().regex(/^[a-z0-9]+\.[a-z0-9]+$/, 'must be an EC2 instance type such as g5.xlarge'))
        .max(20)
        .optional(),
      spot: z.boolean().default(true),
      /** Retries of a job interrupted by a Spot reclaim or exit 143 (Batch allows 10 attempts). */
      retries: z.number().int().min(0).max(9).default(2),
      /** Each attempt's timeout (default 12 h): at least Batch's 60 s, at most 14 days (10 attempts stay inside an execution's year). */
      timeout: durationSchema
        .refine((s) => s >= minJobTimeoutSeconds, `must be at least ${minJobTimeoutSeconds}s, the shortest attempt timeout AWS Batch takes`)
        .refine((s) => s <= maxJobTimeoutSeconds, `must be at most ${maxJobTimeoutSeconds / 86_400}d`)
        .optional(),
      /**
       * Periodic checkpoints within a slice, at the first step boundary after `everySeconds` (default 300;
       * 0: never by time) or `everySteps`, whichever comes first (docs/jobs.md). Absent: the defaults.
       */
      checkpoint: z
        .strictObject({
          everySeconds: z.number().int().min(0).max(86_400).optional(),
          everySteps: z.number().int().min(1).max(1_000_000).optional(),
        })
        .optional(),
      /** Seconds one unit of the scheduler's resource (one epoch, ...) takes on one instance: for cost forecasts. */
      secondsPerResource: z.number().positive().max(10_000_000).optional(),
      environment: jobEnvironmentSchema,
      /** Metrics a job reports besides the objectives (constraints may name only these or objectives). */
      metrics: trialMetricsSchema.optional(),
    }),
    /** Retrain the search's top-k from scratch once it ends (shared/study/retrain.ts); every NAS example does. */
    retrain: retrainSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    const retrain = spec.retrain;
    if (!retrain) return;
    if (spec.strategy.execution === 'external')
      ctx.addIssue({
        code: 'custom',
        message: 'an external study has no workflow to retrain in; remove retrain or use execution: workflow',
        path: ['retrain'],
      });
    if (sweepSize(retrain.sweep) > 50)
      ctx.addIssue({ code: 'custom', message: 'at most 50 combinations of sweep values', path: ['retrain', 'sweep'] });
    if (retrain.topK * sweepSize(retrain.sweep) > 100)
      ctx.addIssue({
        code: 'custom',
        message: 'topK times the sweep combinations must be at most 100 retraining trials',
        path: ['retrain', 'topK'],
      });
  })
  // Objectives and constraints across fields, then `objective` = the primary objective (shared/study/objectives.ts).
  .superRefine(checkObjectives)
  .transform(normalizeObjectives);

/** What a user writes (defaults optional). */
export type StudySpecInput = z.input<typeof studySpecSchema>;
/** What the system keeps (defaults filled in, durations in seconds). */
export type StudySpec = z.output<typeof studySpecSchema>;
export type SchedulerSpec = StudySpec['strategy']['scheduler'];

/**
 * Each problem with its path; given the schema, an unknown key that misspells a known one says
 * which (`Unrecognized key: "schedular" (did you mean "scheduler"?)`).
 */
export function zodIssues(error: z.ZodError, schema?: z.ZodType): Issue[] {
  return error.issues.flatMap((i) => {
    const path = i.path.map(String).join('.');
    if (!schema || i.code !== 'unrecognized_keys') return [{ path, message: i.message }];
    // One issue per key, each with its own suggestion.
    return i.keys.map((key) => {
      const guess = suggestKey(schema, i.path, key);
      return { path, message: `Unrecognized key: "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}` };
    });
  });
}

/** Parses a study spec (already decoded from YAML or JSON); throws InvalidInputError naming every problem. */
export function parseStudySpec(input: unknown): StudySpec {
  const result = studySpecSchema.safeParse(input);
  if (!result.success) throw new InvalidInputError(zodIssues(result.error, studySpecSchema), 'invalid study spec');
  return result.data;
}
