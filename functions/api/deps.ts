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

/** What the API's routes need from the transport that serves them (API Gateway or the local server). */
export interface ApiDeps {
  service: ServiceContext;
  starter: ExecutionStarter;
  /** Who is calling, from a credential the transport checked (never from a header anyone can set). */
  identify(c: Context): Caller;
  /** The base URL (`.../v1`) that jobs of a study created by this request report to. */
  publicUrl(c: Context): string | undefined;
  log?: { error(message: string, ...extra: Record<string, unknown>[]): void };
}
