import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context } from 'hono';
// hono/aws-lambda is marked deprecated in favour of @hono/aws-lambda, which the npm registry here does not serve yet.
import { handle, type ApiGatewayRequestContext, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { handlerContext, logger } from '../context.js';
import { createApi, type ExecutionStarter } from './app.js';
import { callerOf, type AuthMode } from './identity.js';
import { s3CheckpointUrls } from './s3-checkpoints.js';

const sfn = new SFNClient({});

const starter: ExecutionStarter = {
  async start(input, name) {
    try {
      await sfn.send(new StartExecutionCommand({ stateMachineArn: process.env.STUDY_MACHINE_ARN, name, input: JSON.stringify(input) }));
    } catch (e) {
      // Same name and input again: the study already runs, which is what the caller wanted.
      if ((e as Error).name !== 'ExecutionAlreadyExists') throw e;
    }
  },
};

type LambdaEnv = { Bindings: { event: LambdaEvent } };
const eventOf = (c: Context) => (c.env as LambdaEnv['Bindings']).event;

let app: ReturnType<typeof createApi> | undefined;

async function api() {
  const ctx = await handlerContext();
  app ??= createApi({
    service: { store: ctx.store, now: ctx.now, random: ctx.random },
    starter,
    identify: (c) => {
      // Only what API Gateway verified: the authorizer's claims or the SigV4 principal.
      const rc = eventOf(c).requestContext as {
        identity?: { userArn?: string | null };
        authorizer?: { claims?: Record<string, unknown> } | null;
      };
      const mode: AuthMode = process.env.AUTH_MODE === 'cognito' ? 'cognito' : 'iam';
      return callerOf(
        mode,
        { claims: rc.authorizer?.claims, userArn: rc.identity?.userArn ?? undefined, jobToken: c.req.header('x-rung-job-token') },
        process.env.JOB_ROLE_ARN,
      );
    },
    publicUrl: (c) => {
      const rc = eventOf(c).requestContext as ApiGatewayRequestContext;
      return `https://${rc.domainName}/${rc.stage}`;
    },
    log: logger,
    checkpoints: s3CheckpointUrls(ctx.artifactBaseUri),
  });
  return app;
}

export const handler = async (event: LambdaEvent, context: LambdaContext) => handle(await api())(event, context);
