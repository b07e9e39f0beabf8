import * as z from 'zod';
import type { ParamValue } from '../space/schema.js';
import { jobEnvironmentSchema } from './environment-schema.js';

/** The `retrain` part of a study spec and the candidates jobs report (the phase itself: retrain.ts). */

const choice = z.union([z.string().max(4096), z.number().finite(), z.boolean()]);
const paramName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'must be a parameter name');

export const retrainSchema = z.strictObject({
  /**
   * trials: the search trials with the best objective; candidates: the architectures the search
   * jobs reported with their last measurement (`candidates` of POST .../measurements).
   */
  from: z.enum(['trials', 'candidates']).default('trials'),
  /** How many distinct candidates to retrain. */
  topK: z.number().int().min(1).max(50).default(1),
  /** Resource each retraining job trains, from scratch (e.g. the full number of epochs). */
  max: z.number().positive(),
  /** The retraining program; the search's `trial.command` when absent. */
  command: z.array(z.string().min(1).max(1024)).min(1, 'must name the program to run').max(64).optional(),
  /** Values every retraining trial gets (e.g. the final learning rate), under the candidate's own. */
  parameters: z.record(paramName, choice).default({}),
  /**
   * Each candidate is retrained once per combination of these values (compound scaling: the
   * winning alpha, beta, gamma at phi = 1, 2, 3). At most 50 combinations in all.
   */
  sweep: z.record(paramName, z.array(choice).min(1, 'must list at least one value').max(50)).default({}),
  /** Added to `trial.environment` for the retraining jobs. */
  environment: jobEnvironmentSchema,
});
export type RetrainSpec = z.output<typeof retrainSchema>;

/** A candidate architecture a search job reports with its last measurement. */
export const candidateSchema = z.strictObject({
  params: z.record(paramName, choice).refine((p) => Object.keys(p).length > 0, 'must name at least one parameter'),
  /** What the search measured for it (e.g. val_accuracy with the supernet's shared weights). */
  metrics: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_./-]{0,63}$/, 'must be a metric name'), z.number().finite()).default({}),
});
export type Candidate = z.output<typeof candidateSchema>;
export const candidatesSchema = z.array(candidateSchema).max(100, 'at most 100 candidates per measurement');

export function sweepSize(sweep: Record<string, ParamValue[]>): number {
  return Object.values(sweep).reduce((n, values) => n * values.length, 1);
}
