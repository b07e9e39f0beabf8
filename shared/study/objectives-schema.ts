import * as z from 'zod';

/** The objectives, constraints and declared metrics of a study spec (what they mean: objectives.ts). */

export const metricNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_./-]{0,63}$/, 'must be a metric name such as val_accuracy');
export const goalSchema = z.enum(['maximize', 'minimize']);

export const objectiveSchema = z.strictObject({ metric: metricNameSchema, goal: goalSchema });

export const objectiveEntrySchema = z.strictObject({
  metric: metricNameSchema,
  goal: goalSchema,
  /** The hypervolume's reference value for this metric (a worst acceptable value); derived from the results when absent. */
  reference: z.number().finite().optional(),
});

export const objectivesSchema = z
  .array(objectiveEntrySchema)
  .min(2, 'must list 2 to 4 objectives (a single one goes in objective)')
  .max(4, 'must list 2 to 4 objectives: the front of more is too large to search or to show');

export const constraintSchema = z
  .strictObject({
    metric: metricNameSchema,
    /** Feasible when the metric is at most this (e.g. latency_ms <= 20). */
    max: z.number().finite().optional(),
    /** Feasible when the metric is at least this. */
    min: z.number().finite().optional(),
  })
  .superRefine((c, ctx) => {
    if (c.max === undefined && c.min === undefined)
      ctx.addIssue({ code: 'custom', message: 'needs a bound: max, min or both', path: ['max'] });
    if (c.max !== undefined && c.min !== undefined && c.min > c.max)
      ctx.addIssue({ code: 'custom', message: 'min must not exceed max', path: ['min'] });
  });

export const constraintsSchema = z.array(constraintSchema).min(1, 'must list at least one constraint (or leave constraints out)').max(8);

/** `trial.metrics`: metrics a job reports besides the objectives (constraints may only name reported metrics). */
export const trialMetricsSchema = z.array(metricNameSchema).max(32);

export type Objective = z.output<typeof objectiveSchema>;
export type ObjectiveEntry = z.output<typeof objectiveEntrySchema>;
export type Constraint = z.output<typeof constraintSchema>;

/** The part of a spec the rules below read (before and after normalization). */
interface ObjectiveFields {
  objective?: Objective;
  objectives?: ObjectiveEntry[];
  constraints?: Constraint[];
  strategy: { sampler: string };
  trial: { metrics?: string[] };
}

/** Samplers that search a front: they read every objective, so they need more than one. */
const multiObjectiveSamplers = ['nsga2', 'parego'];

/** The cross-field rules (a superRefine of the study spec): every issue names its field. */
export function checkObjectives(spec: ObjectiveFields, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', message, path });
  const { objective, objectives } = spec;
  if (!objective && !objectives)
    issue(['objective'], 'is required: one objective { metric, goal }, or objectives: a list of 2 to 4 for a Pareto study');
  // A stored spec carries both (objective = objectives[0]); one that says something else is ambiguous.
  if (objective && objectives?.length && (objective.metric !== objectives[0].metric || objective.goal !== objectives[0].goal))
    issue(['objectives'], 'give objective or objectives, not both (objective may only repeat the first of objectives)');
  objectives?.forEach((o, i) => {
    if (objectives.findIndex((p) => p.metric === o.metric) !== i)
      issue(['objectives', i, 'metric'], `"${o.metric}" is already an objective`);
  });
  if (!objectives && multiObjectiveSamplers.includes(spec.strategy.sampler))
    issue(
      ['strategy', 'sampler'],
      `${spec.strategy.sampler} searches a Pareto front: it needs objectives (2 to 4), not a single objective`,
    );

  const objectiveMetrics = objectives ? objectives.map((o) => o.metric) : objective ? [objective.metric] : [];
  const declared = spec.trial.metrics ?? [];
  spec.constraints?.forEach((c, i) => {
    if (spec.constraints!.findIndex((d) => d.metric === c.metric) !== i)
      issue(['constraints', i, 'metric'], `"${c.metric}" has a constraint already: put min and max in one entry`);
    else if (!objectiveMetrics.includes(c.metric) && !declared.includes(c.metric))
      issue(
        ['constraints', i, 'metric'],
        `"${c.metric}" is neither an objective nor listed in trial.metrics: a constraint may only name a metric the trials report (add it to trial.metrics)`,
      );
  });
}

/** The parsed spec's shape: `objective` is always there (the primary objective of a Pareto study). */
export function normalizeObjectives<T extends ObjectiveFields>(spec: T): Omit<T, 'objective'> & { objective: Objective } {
  const first = spec.objectives?.[0];
  // checkObjectives ran first: one of the two is there.
  const objective = spec.objective ?? { metric: first!.metric, goal: first!.goal };
  return { ...spec, objective };
}
