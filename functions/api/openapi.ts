import { checkpointUrlRequestSchema } from './checkpoint-route.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as z from 'zod';
import { completeRequestSchema, suggestRequestSchema } from '../../shared/study/ask-tell.js';
import { enqueueRequestSchema } from '../../shared/study/enqueue.js';
import { measurementSchema } from '../../shared/study/service.js';
import { studySpecSchema } from '../../shared/study/spec.js';
import { patchStudyRequestSchema } from '../../shared/study/steering.js';

/**
 * The OpenAPI 3.1 document of the REST API v1, generated from the zod schemas the API parses
 * requests with (z.toJSONSchema, input side). Responses are described by the schemas below, which
 * mirror what studyView/trialView return. `npm run openapi` writes docs/openapi.json; a test fails
 * when the committed file is out of date or a route is missing from it.
 */
const paramValue = z.union([z.number(), z.string(), z.boolean()]);
const params = z.record(z.string(), paramValue);
const trialState = z.enum(['WAITING', 'RUNNING', 'PAUSED', 'COMPLETE', 'PRUNED', 'FAILED', 'INFEASIBLE']);
const studyState = z.enum(['PENDING', 'RUNNING', 'STOPPING', 'COMPLETED', 'STOPPED', 'FAILED']);

const trialSchema = z.looseObject({
  studyId: z.string(),
  trialId: z.string(),
  number: z.number().int(),
  bracket: z.number().int(),
  rung: z.number().int(),
  params,
  state: trialState,
  resource: z.number(),
  rungValues: z.array(z.number().nullable()),
  value: z.number().optional(),
  error: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  clientId: z.string().optional(),
  enqueuedId: z.string().optional(),
  stopRequested: z.boolean().optional(),
  phase: z
    .literal('retrain')
    .optional()
    .describe('retrain: trains a candidate of the finished search from scratch (spec.retrain); absent: a search trial'),
  source: z.string().optional().describe('retraining trials: the search trial whose result or reported candidate it retrains'),
  metrics: z
    .record(z.string(), z.number())
    .optional()
    .describe('studies with objectives, constraints or trial.metrics: the metrics the spec names, at the last finished rung'),
  feasible: z
    .boolean()
    .optional()
    .describe('whether the constraints held at the last finished rung (absent: unconstrained or not yet known)'),
  violation: z.number().optional().describe('largest relative constraint value, <= 0 when feasible'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const paretoPoint = z.object({ trialId: z.string(), number: z.number().int(), params, values: z.record(z.string(), z.number()) });
const storedMeasurement = z.object({ step: z.number(), metrics: z.record(z.string(), z.number()), at: z.string() });
const enqueuedSchema = z.object({ id: z.string(), params, at: z.string(), trialId: z.string().optional() });
const studySchema = z.looseObject({
  team: z.string(),
  studyId: z.string(),
  name: z.string(),
  spec: z.record(z.string(), z.unknown()).describe('the study spec with defaults filled in (durations in seconds)'),
  state: studyState,
  seed: z.number().int(),
  attempt: z.number().int(),
  apiUrl: z.string().optional(),
  best: z
    .object({ trialId: z.string(), value: z.number(), resource: z.number(), params })
    .optional()
    .describe('with a retraining phase: its best trial once planned'),
  error: z.string().optional(),
  enqueued: z.array(enqueuedSchema).optional(),
  retrain: z
    .object({
      firstTrial: z.number().int(),
      trials: z.number().int(),
      searchBest: z.object({ trialId: z.string(), value: z.number(), resource: z.number(), params }).optional(),
    })
    .optional()
    .describe("the retraining phase once planned: its trials are numbered from firstTrial; searchBest is the search's own best"),
  trialCounts: z.record(trialState, z.number().int()).optional().describe('GET /studies/{id} only'),
  utilization: z
    .object({ busySeconds: z.number(), spanSeconds: z.number(), busyFraction: z.number() })
    .optional()
    .describe("GET /studies/{id} only: how much of the workers' time trained (job-seconds / (parallelism × span))"),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

const schemas = {
  StudySpec: studySpecSchema,
  Study: studySchema,
  StudyPage: z.object({ items: z.array(studySchema), nextToken: z.string().optional() }),
  Trial: trialSchema,
  TrialPage: z.object({ items: z.array(trialSchema), nextToken: z.string().optional() }),
  Explanation: z.object({
    resource: z.number().optional(),
    n: z.number().int(),
    parameters: z.array(
      z.object({
        name: z.string(),
        importance: z.number(),
        share: z.number(),
        groups: z.number().int(),
        effects: z
          .array(z.object({ value: z.union([z.string(), z.number(), z.boolean()]), mean: z.number(), count: z.number().int() }))
          .optional(),
      }),
    ),
  }),
  Pareto: z.object({
    objectives: z.array(z.object({ metric: z.string(), goal: z.enum(['maximize', 'minimize']) })),
    reference: z
      .record(z.string(), z.number())
      .describe(
        "the hypervolume's reference point: each objective's reference, else its worst value on the feasible trials pushed out by 10% of their range",
      ),
    hypervolume: z
      .number()
      .optional()
      .describe('2+ objectives: the volume the front dominates above the reference (objectives oriented larger-is-better)'),
    front: z.array(paretoPoint).describe('non-dominated feasible trials trained furthest, best first on the first objective'),
    dominated: z.array(paretoPoint).describe('feasible trials some front trial dominates, by number'),
    infeasible: z.array(paretoPoint).describe('finished trials that violated a constraint (at any budget), by number'),
  }),
  TrialWithMeasurements: trialSchema.extend({ measurements: z.array(storedMeasurement) }),
  MeasurementInput: measurementSchema,
  MeasurementResult: z.object({ stored: z.boolean(), shouldStop: z.boolean() }),
  CheckpointUrlRequest: checkpointUrlRequestSchema,
  CheckpointUrl: z.object({
    uri: z.string().describe("the object's place in the trial's checkpoint folder (RUNG_CHECKPOINT_URI/<name>)"),
    method: z.enum(['GET', 'PUT']),
    url: z.string().describe('an S3 presigned URL for that method and object'),
    expiresAt: z.string().describe('when the URL stops working (15 minutes)'),
  }),
  SuggestRequest: suggestRequestSchema,
  SuggestResult: z.object({
    trial: trialSchema.nullable(),
    done: z.boolean(),
    resource: z.object({ name: z.string(), max: z.number(), levels: z.array(z.number()) }).optional(),
  }),
  CompleteRequest: completeRequestSchema,
  CompleteResult: z.object({ trial: trialSchema, changed: z.boolean() }),
  EnqueueRequest: enqueueRequestSchema,
  EnqueueResult: z.object({ enqueued: z.array(enqueuedSchema), waiting: z.number().int() }),
  PatchStudyRequest: patchStudyRequestSchema,
  Error: errorSchema,
} satisfies Record<string, z.ZodType>;

type SchemaName = keyof typeof schemas;
const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: SchemaName, description: string) => ({ description, content: { 'application/json': { schema: ref(name) } } });
const errors = {
  '400': json('Error', 'invalid input: one detail per field and rule; nothing was written'),
  '401': json('Error', 'no valid credential'),
  '404': json('Error', 'no such study or trial for this team (or no route for the path)'),
  '405': json('Error', 'MethodNotAllowed: the path takes other methods, listed in the Allow header'),
  '409': json('Error', 'the study or trial is in a state that forbids the request, or the request contradicts what was recorded'),
  '413': json('Error', 'PayloadTooLarge: the body exceeds 256 KiB, or a record would outgrow its store item'),
  '415': json('Error', 'UnsupportedMediaType: the body is not sent as application/json'),
};
const studyId = { name: 'studyId', in: 'path', required: true, schema: { type: 'string' } };
const trialId = { name: 'trialId', in: 'path', required: true, schema: { type: 'string' } };
const pageParams = [
  { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } },
  { name: 'nextToken', in: 'query', required: false, schema: { type: 'string' } },
];
const body = (name: SchemaName, required = true) => ({ required, content: { 'application/json': { schema: ref(name) } } });

function op(operationId: string, summary: string, rest: Record<string, unknown>) {
  return { operationId, summary, ...rest };
}

export function openApiDocument() {
  const components: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >;
    components[name] = rest;
  }
  // A refinement JSON Schema cannot carry over from zod: a spec names `objective` or `objectives` (shared/study/objectives.ts).
  (components.StudySpec as Record<string, unknown>).anyOf = [{ required: ['objective'] }, { required: ['objectives'] }];
  return {
    openapi: '3.1.0',
    info: {
      title: 'rung REST API',
      version: 'v1',
      description:
        'Studies, trials and measurements of rung. The same routes on API Gateway (IAM/SigV4) and on `rung serve` (bearer token). Generated by `npm run openapi` from functions/api/openapi.ts.',
    },
    servers: [{ url: 'http://127.0.0.1:8787/v1', description: 'rung serve' }],
    security: [{ bearer: [] }, { sigv4: [] }],
    paths: {
      '/studies': {
        post: op('createStudy', 'Create a study from a spec and start it (external studies start no workflow)', {
          requestBody: body('StudySpec'),
          responses: { '201': json('Study', 'the study, PENDING'), ...errors },
        }),
        get: op('listStudies', "The caller's studies, newest first", {
          parameters: pageParams,
          responses: { '200': json('StudyPage', 'a page'), ...errors },
        }),
      },
      '/studies/{studyId}': {
        get: op('getStudy', 'One study with its trial counts and best trial', {
          parameters: [studyId],
          responses: { '200': json('Study', 'the study'), ...errors },
        }),
        patch: op('patchStudy', 'Steer a running study: parallelism (from the next rung), maxTrials (see shared/study/steering.ts)', {
          parameters: [studyId],
          requestBody: body('PatchStudyRequest'),
          responses: { '200': json('Study', 'the study as changed'), ...errors },
        }),
      },
      '/studies/{studyId}/stop': {
        post: op('stopStudy', 'Stop gracefully: no new job or trial starts', {
          parameters: [studyId],
          responses: { '202': json('Study', 'STOPPING (or STOPPED)'), ...errors },
        }),
      },
      '/studies/{studyId}/resume': {
        post: op('resumeStudy', 'Run a FAILED study again as a new attempt that skips every trial-rung already done', {
          parameters: [studyId],
          responses: { '202': json('Study', 'the study, about to run'), ...errors },
        }),
      },
      '/studies/{studyId}/importance': {
        get: op(
          'getImportance',
          "What mattered: each parameter's importance (first-order ANOVA at one resource) and, for choice parameters, the mean objective of each value",
          {
            parameters: [studyId],
            responses: { '200': json('Explanation', 'the explanation'), ...errors },
          },
        ),
      },
      '/studies/{studyId}/pareto': {
        get: op(
          'getPareto',
          "The Pareto front over the study's objectives (the best trial for one objective), its hypervolume, and the dominated and infeasible trials",
          {
            parameters: [studyId],
            responses: { '200': json('Pareto', 'the front'), ...errors },
          },
        ),
      },
      '/studies/{studyId}/trials': {
        get: op('listTrials', "The study's trials in number order", {
          parameters: [studyId, ...pageParams],
          responses: { '200': json('TrialPage', 'a page'), ...errors },
        }),
      },
      '/studies/{studyId}/trials/suggest': {
        post: op(
          'suggestTrial',
          'Ask/tell: a trial for this client (its active one until it completes it); done when the study has all its trials',
          {
            parameters: [studyId],
            requestBody: body('SuggestRequest'),
            responses: { '200': json('SuggestResult', 'a trial, or done'), ...errors },
          },
        ),
      },
      '/studies/{studyId}/trials/enqueue': {
        post: op('enqueueTrials', 'Enqueue configurations: the next trials that start from scratch take them before the sampler', {
          parameters: [studyId],
          requestBody: body('EnqueueRequest'),
          responses: { '201': json('EnqueueResult', 'the entries added'), ...errors },
        }),
      },
      '/studies/{studyId}/trials/{trialId}': {
        get: op('getTrial', 'One trial with its measurements', {
          parameters: [studyId, trialId],
          responses: { '200': json('TrialWithMeasurements', 'the trial'), ...errors },
        }),
      },
      '/studies/{studyId}/trials/{trialId}/checkpoint-url': {
        post: op(
          'getCheckpointUrl',
          "A job asks for a URL of one object of its own trial's checkpoint folder (on AWS: its job token, IAM-signed; the job role reaches no S3 object itself). Another trial's is 403; the embedded runtime, whose jobs get a file:// folder, answers 404",
          {
            parameters: [studyId, trialId],
            requestBody: body('CheckpointUrlRequest'),
            responses: { '200': json('CheckpointUrl', 'a URL valid for 15 minutes'), ...errors },
          },
        ),
      },
      '/studies/{studyId}/trials/{trialId}/measurements': {
        post: op(
          'reportMeasurement',
          'A job or worker reports one step; stored once per step (the same report again: 200 stored false; other values: 409 MeasurementConflict, the first stands). shouldStop: the study or the trial was stopped, or ASHA (external studies) says so',
          {
            parameters: [studyId, trialId],
            requestBody: body('MeasurementInput'),
            responses: {
              '201': json('MeasurementResult', 'stored'),
              '200': json('MeasurementResult', 'that step was stored before'),
              ...errors,
            },
          },
        ),
      },
      '/studies/{studyId}/trials/{trialId}/complete': {
        post: op(
          'completeTrial',
          'Ask/tell: end a trial COMPLETE, PRUNED or INFEASIBLE; the same completion again answers changed false, a different one 409 naming what differs',
          {
            parameters: [studyId, trialId],
            requestBody: body('CompleteRequest', false),
            responses: { '200': json('CompleteResult', 'the trial as ended'), ...errors },
          },
        ),
      },
      '/studies/{studyId}/trials/{trialId}/stop': {
        post: op('stopTrial', 'Stop one trial: pruned at once when waiting or paused, told shouldStop when running', {
          parameters: [studyId, trialId],
          responses: { '202': json('Trial', 'the trial'), ...errors },
        }),
      },
    },
    components: {
      schemas: components,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'rung serve: the token in .rung/credentials.json' },
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'API Gateway: AWS Signature Version 4 with the team role (IAM authorization)',
        },
      },
    },
  };
}

export const openApiFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/openapi.json');

export function renderOpenApi(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  writeFileSync(openApiFile, renderOpenApi());
  console.log(`wrote ${path.relative(process.cwd(), openApiFile)}`);
}
