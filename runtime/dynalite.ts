import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
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
  /** dynalite's request listener, for clients in this process that skip the loopback socket. */
  serve: RequestListener;
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
    serve: server.listeners('request')[0] as RequestListener,
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

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** The parts of a smithy HttpRequest that dynalite reads. */
interface SdkRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/**
 * Hands a request to dynalite's listener in this process: the same handler, validation and
 * storage as over HTTP, without the socket, the HTTP parsing on both sides and the agent, which
 * cost more CPU than dynalite itself for the store's small items.
 */
function inProcessHandler(serve: RequestListener) {
  return {
    handle(request: SdkRequest): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }> {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
        const req = Object.assign(new EventEmitter(), { method: request.method, url: request.path || '/', headers });
        const responseHeaders: Record<string, string> = {};
        const res = {
          statusCode: 200,
          contentType: undefined as string | undefined,
          setHeader(name: string, value: unknown) {
            responseHeaders[name.toLowerCase()] = String(value);
          },
          end(body?: string) {
            resolve({ response: { statusCode: res.statusCode, headers: responseHeaders, body: Buffer.from(body ?? '') } });
          },
        };
        try {
          serve(req as unknown as IncomingMessage, res as unknown as ServerResponse);
        } catch (err) {
          reject(err as Error);
          return;
        }
        if (request.body !== undefined && request.body.length > 0) req.emit('data', bodyBytes(request.body));
        req.emit('end');
      });
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
    destroy() {},
  };
}

/**
 * The request body's bytes, without a copy through a string: the SDK's body is a Uint8Array whose
 * string methods (valueOf, which Buffer.from calls) warn that they will throw in a later version.
 */
function bodyBytes(body: string | Uint8Array): Buffer {
  return typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * dynalite checks that a request carries a SigV4 header's parts, not the signature: computing
 * one (canonical request, HMACs) for every call is the client's largest cost after the socket.
 */
const presenceSigner = {
  async sign<R extends { headers: Record<string, string> }>(request: R, identity: { accessKeyId?: string }): Promise<R> {
    const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    request.headers['x-amz-date'] = date;
    request.headers.authorization = `AWS4-HMAC-SHA256 Credential=${identity.accessKeyId ?? 'local'}/${date.slice(0, 8)}/local/dynamodb/aws4_request, SignedHeaders=host, Signature=local`;
    return request;
  },
};

/**
 * A client for dynalite: dummy static credentials, region `local`, few retries. Given the
 * LocalDynamo of this process, it calls dynalite in process (unsigned); given an endpoint, over
 * HTTP with SigV4, as any other process would.
 */
export function createLocalDynamoClient(target: string | LocalDynamo): DynamoDBClient {
  const common = { region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 2 };
  if (typeof target === 'string') return new DynamoDBClient({ ...common, endpoint: target });
  return new DynamoDBClient({
    ...common,
    endpoint: target.endpoint,
    requestHandler: inProcessHandler(target.serve) as never,
    httpAuthSchemes: [
      {
        schemeId: 'aws.auth#sigv4',
        identityProvider: (config) => config.getIdentityProvider('aws.auth#sigv4'),
        signer: presenceSigner as never,
      },
    ],
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
