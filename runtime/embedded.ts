import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Hono } from 'hono';
import { createApi } from '../functions/api/app.js';
import { logger, useHandlerContext } from '../functions/context.js';
import { DynamoStore } from '../shared/store/dynamo.js';
import { createLocalDynamoClient, ensureTable, startDynalite } from './dynalite.js';
import { bearerIdentity, listenLocal, loadOrCreateCredentials } from './local-api.js';
import { LocalBatch } from './local-batch.js';
import { endOrphans } from './orphans.js';
import type { LocalExecutions, LocalExecutionsOptions } from './executions.js';

export interface EmbeddedOptions {
  /** Where the LevelDB database, checkpoints, logs and credentials live; in memory when absent. */
  dataDir?: string;
  /** Folder for checkpoints and logs when running in memory. */
  scratchDir?: string;
  /** Where jobs' relative commands resolve. */
  jobCwd?: string;
  /** Serve the API on loopback (jobs need it); false for read-only CLI commands. */
  listen?: boolean;
  port?: number;
  /** Routes served beside `/v1` on the same port (`rung serve` mounts the dashboard). */
  mount?: (root: Hono) => void;
  now?: () => Date;
  random?: () => number;
  /** Tests: lower limits than AWS's on each execution (history events, state payload bytes). */
  executionLimits?: { historyEvents?: number; payloadBytes?: number };
  /** Tests: wraps each Task state's work, to inject the faults AWS can deliver (LocalExecutionsOptions.task). */
  task?: LocalExecutionsOptions['task'];
}

export const tableName = 'rung';

/**
 * The AWS path with local parts plugged in: dynalite for DynamoDB, aws-local-stepfunctions for
 * Step Functions running the definitions CDK synthesizes, the same handler modules in process,
 * local processes for Batch jobs, and the same API on 127.0.0.1.
 */
export async function startEmbedded(options: EmbeddedOptions = {}) {
  const root = path.resolve(options.dataDir ?? options.scratchDir ?? path.join(process.cwd(), '.rung'));
  mkdirSync(root, { recursive: true });
  const dynamo = await startDynalite(options.dataDir ? { path: path.join(root, 'db') } : {});
  const client: DynamoDBClient = createLocalDynamoClient(dynamo);
  await ensureTable(client, tableName);
  const store = new DynamoStore({ client, tableName });
  const { token, credentials, file: credentialsFile } = loadOrCreateCredentials(root);
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;

  const artifactBaseUri = pathToFileURL(path.join(root, 'artifacts')).href;
  useHandlerContext({ store, artifactBaseUri, now, random, randomBytes });
  // Whatever an earlier process left running on this folder has nothing running it now.
  const orphans = await endOrphans(
    { store, now, artifactBaseUri, randomBytes },
    Object.values(credentials.tokens).map((t) => t.team),
  );

  const batch = new LocalBatch({ cwd: options.jobCwd ?? process.cwd(), logDir: path.join(root, 'logs') });
  // Rendering the definitions synthesizes the CDK app (seconds), and loading aws-cdk-lib and the
  // state-machine executor takes about a second: a runtime that runs studies (it listens, for its
  // jobs) loads them now and renders on the first study; read-only commands (listen: false) load
  // them only if they start one.
  const loadRunner = async () => ({ definitions: await import('./definitions.js'), executions: await import('./executions.js') });
  let runner: Awaited<ReturnType<typeof loadRunner>> | undefined = options.listen === false ? undefined : await loadRunner();
  let executions: LocalExecutions | undefined;
  const localExecutions = () => {
    if (!executions) {
      if (!runner) throw new Error('the embedded runtime was started read-only (listen: false): it runs no study');
      const definitions = runner.definitions.renderDefinitions();
      batch.defaultCommand = definitions.jobDefinition.command;
      batch.retryStrategy = definitions.jobDefinition.retryStrategy;
      batch.jobQueues = definitions.jobQueues;
      executions = new runner.executions.LocalExecutions({
        studyMachine: definitions.studyMachine as never,
        bracketMachine: definitions.bracketMachine as never,
        laneMachine: definitions.laneMachine as never,
        batch,
        limits: options.executionLimits,
        task: options.task,
      });
    }
    return executions;
  };

  let apiUrl: string | undefined;
  const api = createApi({
    service: { store, now, random },
    starter: {
      async start(input, name) {
        runner ??= await loadRunner();
        await localExecutions().start(input, name);
      },
    },
    identify: bearerIdentity(credentials),
    publicUrl: () => apiUrl,
    log: { error: (message, ...extra) => console.error(message, ...extra) },
  });
  let server: Awaited<ReturnType<typeof listenLocal>> | undefined;
  try {
    server = options.listen === false ? undefined : await listenLocal(api, options.port, options.mount);
  } catch (e) {
    // A port in use: let go of the database (LevelDB's lock) before saying so.
    useHandlerContext(undefined);
    client.destroy();
    await dynamo.close();
    throw e;
  }
  apiUrl = server?.url;

  return {
    store,
    api,
    /** Studies an earlier process left unfinished, ended at start (FAILED, resumable; STOPPED when stopping). */
    orphans,
    /** The local stand-in for Batch (running jobs, for tests that interrupt one). */
    batch,
    get executions() {
      return localExecutions();
    },
    apiUrl,
    token,
    credentialsFile,
    root,
    /** Calls the API as the local team, over HTTP when listening, in process otherwise. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are JSON of many shapes; each command reads the fields it prints
    async request(method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> {
      const init: RequestInit = {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      };
      const res = apiUrl ? await fetch(`${apiUrl}${route}`, init) : await api.request(route, init);
      return { status: res.status, body: await res.json() };
    },
    async close() {
      // Steps still in flight after an abort would only log connection errors from here on.
      logger.setLogLevel('SILENT');
      executions?.abortAll();
      batch.close();
      await executions?.settle();
      await server?.close();
      useHandlerContext(undefined);
      client.destroy();
      await dynamo.close();
    },
  };
}

export type Embedded = Awaited<ReturnType<typeof startEmbedded>>;
