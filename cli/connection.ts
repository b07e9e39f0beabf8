import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startEmbedded, type EmbeddedOptions } from '../runtime/embedded.js';
import { loadOrCreateCredentials } from '../runtime/local-api.js';

export interface ApiConnection {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are JSON of many shapes; each command reads the fields it prints
  request(method: string, route: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

const serverFile = (dataDir: string) => path.join(dataDir, 'server.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Records the running server so that other `rung` commands talk to it instead of opening the database. */
export function announceServer(dataDir: string, url: string): () => void {
  const file = serverFile(dataDir);
  writeFileSync(file, JSON.stringify({ url, pid: process.pid }));
  return () => rmSync(file, { force: true });
}

/**
 * The local API for a CLI command: over HTTP when a `rung run`/`rung serve` holds the database
 * (LevelDB admits one process), otherwise in process on the database itself.
 */
export async function connect(dataDir: string, options: EmbeddedOptions = {}): Promise<ApiConnection> {
  const file = serverFile(dataDir);
  if (existsSync(file)) {
    const { url, pid } = JSON.parse(readFileSync(file, 'utf8')) as { url: string; pid: number };
    if (alive(pid)) {
      const { token } = loadOrCreateCredentials(dataDir);
      return {
        async request(method, route, body) {
          const res = await fetch(`${url}${route}`, {
            method,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          return { status: res.status, body: await res.json() };
        },
        close: async () => undefined,
      };
    }
  }
  const embedded = await startEmbedded({ ...options, dataDir, listen: false });
  return { request: embedded.request, close: embedded.close };
}
