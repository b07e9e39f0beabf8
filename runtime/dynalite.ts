import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';

/**
 * The embedded DynamoDB: dynalite on loopback. In memory by default (tests), on LevelDB under
 * `path` for local runs that must survive a restart. dynalite has no TransactWriteItems: the
 * stores never need it (see shared/store/dynamo.ts).
 */

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

interface LevelDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options?: DynaliteOptions) => Server;
/** dynalite's own LevelDB binding (a dependency of dynalite, not of rung). */
const requireFromDynalite = createRequire(require.resolve('dynalite'));

/**
 * dynalite opens LevelDB lazily and throws outside any callback when the database is locked
 * (another process uses the same path), which would crash the process. Opening it once first
 * turns that into an error here.
 */
async function checkDatabaseFree(path: string): Promise<void> {
  const { Level } = requireFromDynalite('level') as { Level: new (path: string, options: object) => LevelDatabase };
  const db = new Level(path, { valueEncoding: 'json' });
  try {
    await db.open();
  } catch (err) {
    const reason = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw new Error(`cannot open the local database at ${path} (is another rung process using it?): ${reason}`, { cause: err });
  }
  await db.close();
}

export interface LocalDynamo {
  /** `http://127.0.0.1:{port}` */
  endpoint: string;
  /** Stops the server and closes the database (flushing LevelDB). */
  close(): Promise<void>;
}

export async function startDynalite(options: { path?: string } = {}): Promise<LocalDynamo> {
  if (options.path !== undefined) await checkDatabaseFree(options.path);
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err?: Error) => (err ? reject(err) : resolve()));
        // Keep-alive sockets of clients that were not destroyed would hold the server open.
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}

/** A client for dynalite: dummy static credentials, region `local`, few retries. */
export function createLocalDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
}

/** Creates the single table (`pk`, `sk` strings, on demand) unless it exists; waits until ACTIVE. */
export async function ensureTable(client: DynamoDBClient, tableName: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await tableStatus(client, tableName);
    if (status === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} is not ACTIVE after ${timeoutMs} ms (status ${status ?? 'absent'})`);
    if (status === undefined) await createTable(client, tableName);
    else await new Promise((r) => setTimeout(r, 5));
  }
}

async function tableStatus(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table?.TableStatus ?? 'UNKNOWN';
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (err) {
    // A concurrent caller created it first.
    if (!(err instanceof ResourceInUseException)) throw err;
  }
}
