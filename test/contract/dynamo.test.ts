import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ensureTable } from '../../runtime/dynalite.js';
import { DynamoStore } from '../../shared/store/dynamo.js';
import { makeStudy, makeTrial } from '../support/factories.js';
import { useDynalite } from '../support/dynalite.js';
import { describeStoreContract } from './store-contract.js';

// One dynalite server (in memory) for the file, one fresh table per store.
const local = useDynalite();
const freshTable = () => local.freshTable('rung-contract');

describeStoreContract('DynamoStore on dynalite', async () => ({
  store: new DynamoStore({ client: local.client, tableName: await freshTable() }),
  cleanup: async () => {},
}));

describe('DynamoStore specifics', () => {
  it('works through a document client that keeps undefined values', async () => {
    // Prepare
    const doc = DynamoDBDocumentClient.from(local.client, { marshallOptions: { removeUndefinedValues: false } });
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
    const again = ensureTable(local.client, tableName);

    // Assess
    await expect(again).resolves.toBeUndefined();
  });
});
