import { randomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { StudyStore } from '../shared/store/port.js';

/**
 * What every handler needs from its surroundings. On Lambda it is built once per container from
 * the environment (TABLE_NAME, ARTIFACT_BASE_URI, ...); the embedded runtime installs its own
 * (dynalite, local folders) with `useHandlerContext` before it invokes the same handler modules.
 */
export interface HandlerContext {
  store: StudyStore;
  artifactBaseUri: string;
  now: () => Date;
  /** node:crypto's randomBytes: job tokens' secrets (shared/study/job-token.ts). */
  randomBytes: (size: number) => Uint8Array;
  random: () => number;
}

export const logger = new Logger({ serviceName: 'rung' });

let installed: HandlerContext | undefined;
let building: Promise<HandlerContext> | undefined;

export function useHandlerContext(context: HandlerContext | undefined): void {
  installed = context;
  building = undefined;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

async function fromEnvironment(): Promise<HandlerContext> {
  // Imported lazily so that the embedded runtime never loads the AWS wiring it does not use.
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoStore } = await import('../shared/store/dynamo.js');
  return {
    store: new DynamoStore({ client: new DynamoDBClient({}), tableName: required('TABLE_NAME') }),
    artifactBaseUri: required('ARTIFACT_BASE_URI'),
    now: () => new Date(),
    random: Math.random,
    randomBytes,
  };
}

export async function handlerContext(): Promise<HandlerContext> {
  if (installed) return installed;
  building ??= fromEnvironment();
  return building;
}
