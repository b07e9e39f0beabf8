import type { Context } from 'hono';
import type { ServiceContext } from '../../shared/study/service.js';

/** Starts the study workflow: Step Functions on AWS, aws-local-stepfunctions in the embedded runtime. */
export interface ExecutionStarter {
  /** Idempotent for a given name: a second start with the same name starts nothing. */
  start(input: { team: string; studyId: string }, name: string): Promise<void>;
}

export interface Caller {
  team: string;
  /** Jobs may only report measurements. */
  kind: 'person' | 'job';
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
}
