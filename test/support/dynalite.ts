import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { createLocalDynamoClient, ensureTable, startDynalite, type LocalDynamo } from '../../runtime/dynalite.js';
import { DynamoStore } from '../../shared/store/dynamo.js';

/** One dynalite (in memory) for a test file, started before its tests and closed after them. */
export function useDynalite() {
  const local = {} as { dynamo: LocalDynamo; client: DynamoDBClient };
  let tables = 0;
  beforeAll(async () => {
    local.dynamo = await startDynalite();
    local.client = createLocalDynamoClient(local.dynamo);
  });
  afterAll(async () => {
    local.client?.destroy();
    await local.dynamo?.close();
  });
  return {
    /** The client of the file's dynalite (set before the first test). */
    get client(): DynamoDBClient {
      return local.client;
    },
    /** A fresh table named `{prefix}-{n}`. */
    async freshTable(prefix = 'test'): Promise<string> {
      const tableName = `${prefix}-${++tables}`;
      await ensureTable(local.client, tableName);
      return tableName;
    },
    /** A store on a table of that name, created if it is not there. */
    async store(tableName: string): Promise<DynamoStore> {
      await ensureTable(local.client, tableName);
      return new DynamoStore({ client: local.client, tableName });
    },
  };
}
