import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalDynamoClient, ensureTable, startDynalite } from '../../runtime/dynalite.js';
import { DynamoStore } from '../../shared/store/dynamo.js';
import { makeMeasurement, makeStudy, makeTrial } from '../support/factories.js';

describe('startDynalite on LevelDB', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rung-dynalite-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function open() {
    const dynamo = await startDynalite({ path: dir });
    const client = createLocalDynamoClient(dynamo.endpoint);
    await ensureTable(client, 'rung');
    const store = new DynamoStore({ client, tableName: 'rung' });
    return {
      store,
      close: async () => {
        client.destroy();
        await dynamo.close();
      },
    };
  }

  it('keeps the table and its items across a restart', async () => {
    // Prepare
    const study = makeStudy();
    const trial = makeTrial({ number: 3 });
    const measurement = makeMeasurement({ trialId: '3', step: 2.5 });
    const first = await open();
    await first.store.createStudy(study);
    const updated = await first.store.updateStudy({ ...study, state: 'RUNNING' });
    await first.store.createTrial(trial);
    await first.store.putMeasurement(measurement);
    await first.close();

    // Act
    const second = await open();
    const got = await second.store.getStudy('team-a', 'study-1');
    const trials = await second.store.listTrials('team-a', 'study-1');
    const measurements = await second.store.listMeasurements('team-a', 'study-1', '3');
    const duplicate = await second.store.putMeasurement({ ...measurement, metrics: { acc: 0 } });
    await second.close();

    // Assess
    expect(got).toEqual(updated);
    expect(trials.items).toEqual([trial]);
    expect(measurements).toEqual([measurement]);
    expect(duplicate).toBe(false);
  });

  it('refuses a second server on a database in use instead of crashing later', async () => {
    // Prepare
    const first = await open();

    // Act
    const second = await startDynalite({ path: dir }).then(
      async (server) => {
        await server.close();
        return undefined;
      },
      (err: unknown) => err,
    );
    await first.close();

    // Assess
    expect(second).toBeInstanceOf(Error);
    expect((second as Error).message).toMatch(/another rung process/);
  });

  it('starts empty in memory when no path is given', async () => {
    // Prepare
    const dynamo = await startDynalite();
    const client = createLocalDynamoClient(dynamo.endpoint);
    await ensureTable(client, 'rung');
    await new DynamoStore({ client, tableName: 'rung' }).createStudy(makeStudy());
    client.destroy();
    await dynamo.close();

    // Act
    const again = await startDynalite();
    const client2 = createLocalDynamoClient(again.endpoint);
    await ensureTable(client2, 'rung');
    const got = await new DynamoStore({ client: client2, tableName: 'rung' }).getStudy('team-a', 'study-1');
    client2.destroy();
    await again.close();

    // Assess
    expect(got).toBeUndefined();
  });
});
