import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDynamoClient, ensureTable, startDynalite, type LocalDynamo } from '../../runtime/dynalite.js';
import { DynamoStore } from '../../shared/store/dynamo.js';
import { makeStudy, makeTrial } from '../support/factories.js';
import { describeStoreContract } from './store-contract.js';

// One dynalite server (in memory) for the file, one fresh table per store.
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

async function freshTable(): Promise<string> {
  const tableName = `rung-contract-${++tables}`;
  await ensureTable(client, tableName);
  return tableName;
}

describeStoreContract('DynamoStore on dynalite', async () => ({
  store: new DynamoStore({ client, tableName: await freshTable() }),
  cleanup: async () => {},
}));

describe('DynamoStore specifics', () => {
  it('works through a document client that keeps undefined values', async () => {
    // Prepare
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: false } });
    const store = new DynamoStore({ client: doc, tableName: await freshTable() });
    const study = makeStudy({ apiUrl: undefined, error: undefined });

    // Act
    await store.createStudy(study);
    const created = await store.createTrial(makeTrial({ number: 1, value: undefined }));
    const updated = await store.updateStudy({ ...study, best: undefined });

    // Assess
    expect(await store.getStudy('team-a', 'study-1')).toEqual(updated);
    expect(Object.keys(updated)).not.toContain('apiUrl');
    expect(created.created).toBe(true);
  });

  it('ensures an existing table without error', async () => {
    // Prepare
    const tableName = await freshTable();

    // Act
    const again = ensureTable(client, tableName);

    // Assess
    await expect(again).resolves.toBeUndefined();
  });
});
