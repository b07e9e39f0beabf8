import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDynamoClient, ensureTable, startDynalite, type LocalDynamo } from '../../runtime/dynalite.js';
import { DynamoStore } from '../../shared/store/dynamo.js';
import { property } from './support/concurrent.js';
import { studySpec } from './support/world.js';

/** Concurrent deliveries in seeded interleavings on DynamoDB (dynalite): see support/concurrent.ts. */
describe('concurrent deliveries against dynalite', () => {
  let dynamo: LocalDynamo;
  let client: DynamoDBClient;
  let tables = 0;
  beforeAll(async () => {
    dynamo = await startDynalite();
    client = createLocalDynamoClient(dynamo.endpoint);
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.close();
  });
  const dynamoStore = async () => {
    const tableName = `interleave-${++tables}`;
    await ensureTable(client, tableName);
    return new DynamoStore({ client, tableName });
  };

  it('dozens of concurrent callers on one rung: ends as the sequential run', async () => {
    const spec = studySpec({
      strategy: { sampler: 'random', scheduler: { type: 'successive_halving', min: 1, max: 3, eta: 3 }, seed: 9 },
      limits: { maxTrials: 9, parallelism: 9, maxFailedTrials: 9, maxCostUsd: 500 },
    });
    expect((await property(dynamoStore, spec, 10, true)).found).toEqual([]);
  });
});
