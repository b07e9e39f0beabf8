import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { UnauthenticatedError } from '../shared/errors.js';
import type { Caller } from '../functions/api/app.js';
import { jobCaller } from '../functions/api/identity.js';

/**
 * Local credentials: bearer tokens, each bound to a team, kept in a file readable only by its
 * owner. The local API takes the team from the token it checks, never from a header. Local jobs
 * (child processes) present their trial's job token instead (shared/study/job-token.ts), as on AWS.
 */
export interface LocalCredentials {
  tokens: Record<string, { team: string }>;
}

export function loadOrCreateCredentials(dataDir: string, team = 'local'): { file: string; token: string; credentials: LocalCredentials } {
  const file = path.join(dataDir, 'credentials.json');
  if (existsSync(file)) {
    const credentials = JSON.parse(readFileSync(file, 'utf8')) as LocalCredentials;
    const token = Object.entries(credentials.tokens).find(([, v]) => v.team === team)?.[0];
    if (token) return { file, token, credentials };
  }
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(24).toString('hex');
  const credentials: LocalCredentials = { tokens: { [token]: { team } } };
  writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return { file, token, credentials };
}

export function bearerIdentity(credentials: LocalCredentials) {
  return (c: Context): Caller => {
    const header = c.req.header('authorization') ?? '';
    // The scheme is case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` name it too.
    const match = /^bearer +([A-Za-z0-9._-]+)$/i.exec(header);
    // A job's token: the measurement route verifies it against its trial.
    if (match?.[1].startsWith('rjt1.')) return jobCaller(match[1]);
    // Own properties only: a token named like an Object.prototype member (`constructor`) is unknown.
    const entry = match && Object.hasOwn(credentials.tokens, match[1]) ? credentials.tokens[match[1]] : undefined;
    if (!entry) throw new UnauthenticatedError('missing or unknown bearer token');
    return { team: entry.team, kind: 'person' };
  };
}

/** The app the local server serves: the API under `/v1`, and what `mount` adds beside it. */
export function localRoot(api: Hono, mount?: (root: Hono) => void): Hono {
  const root = new Hono().route('/v1', api);
  mount?.(root);
  return root;
}

/** Serves `/v1/...` on loopback only; `mount` adds routes beside it (the dashboard's static files). */
export async function listenLocal(
  api: Hono,
  port = 0,
  mount?: (root: Hono) => void,
): Promise<{ url: string; server: ServerType; close(): Promise<void> }> {
  const root = localRoot(api, mount);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: root.fetch, hostname: '127.0.0.1', port }, (info: AddressInfo) => {
      server.off('error', reject);
      resolve({
        url: `http://127.0.0.1:${info.port}/v1`,
        server,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
    // A port in use (EADDRINUSE) rejects here instead of crashing the process as an unhandled 'error'.
    server.once('error', reject);
  });
}
