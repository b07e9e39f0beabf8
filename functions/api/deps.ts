import type { Context } from 'hono';
import type { ServiceContext } from '../../shared/study/service.js';

/** Starts the study workflow: Step Functions on AWS, aws-local-stepfunctions in the embedded runtime. */
export interface ExecutionStarter {
  /** Idempotent for a given name: a second start with the same name starts nothing. */
  start(input: { team: string; studyId: string }, name: string): Promise<void>;
}

/**
 * A person of a team, or a training job. A job's team comes from its token (shared/study/job-token.ts),
 * which reaches only its own trial's measurements: the route verifies it (functions/api/guards.ts).
 */
export type Caller = { team: string; kind: 'person' } | { team: string; kind: 'job'; jobToken: string };

/**
 * Short-lived URLs for one object of a trial's checkpoint folder (S3 presigned URLs on AWS): how a
 * job reads and writes its own checkpoint without an AWS role that reaches anyone else's.
 */
export interface CheckpointUrls {
  /** The artifact location the folders live under (`s3://bucket`), as jobs see it in RUNG_CHECKPOINT_URI. */
  base: string;
  /** A URL for `method` on the object at `uri` (under `base`), valid for `seconds`. */
  url(uri: string, method: 'GET' | 'PUT', seconds: number): Promise<string>;
}

/** What the API's routes need from the transport that serves them (API Gateway or the local server). */
export interface ApiDeps {
  service: ServiceContext;
  starter: ExecutionStarter;
  /** Who is calling, from a credential the transport checked (never from a header anyone can set). */
  identify(c: Context): Caller;
  /** The base URL (`.../v1`) that jobs of a study created by this request report to. */
  publicUrl(c: Context): string | undefined;
  log?: { error(message: string, ...extra: Record<string, unknown>[]): void };
  /** Checkpoint URLs for jobs; absent in the embedded runtime, whose jobs get a local folder (file://). */
  checkpoints?: CheckpointUrls;
}
