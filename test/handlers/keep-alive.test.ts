import http from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/app.js';
import { maxBodyBytes, maxDrainBytes } from '../../functions/api/body-limit.js';
import { bearerIdentity, listenLocal } from '../../runtime/local-api.js';
import { MemoryStore } from '../../shared/store/memory.js';

/**
 * The local server (`rung serve`: @hono/node-server) with a real keep-alive http.Agent of one
 * socket: a 413 must leave the connection usable, or tell the client to close it, so that the
 * client's next request never meets a reset.
 */
let server: Awaited<ReturnType<typeof listenLocal>>;

beforeAll(async () => {
  const api = createApi({
    service: { store: new MemoryStore(), now: () => new Date('2026-01-01T00:00:00Z'), random: () => 0.5 },
    starter: { start: async () => undefined },
    identify: bearerIdentity({ tokens: { tokenA: { team: 'team-a' } } }),
    publicUrl: () => undefined,
  });
  server = await listenLocal(api);
});
afterAll(() => server.close());

interface Answer {
  status: number;
  connection: string | undefined;
  body: any;
  socket: Socket;
}

/** One request on `agent`; `body` is sent whole (with Content-Length, or chunked), or only `partial` bytes of a declared length. */
function send(
  agent: http.Agent,
  method: string,
  path: string,
  body?: { text: string; chunked?: boolean } | { declared: number; partial: number },
) {
  return new Promise<Answer>((resolve, reject) => {
    const headers: Record<string, string> = { authorization: 'Bearer tokenA', 'content-type': 'application/json' };
    if (body && 'text' in body && !body.chunked) headers['content-length'] = String(Buffer.byteLength(body.text));
    if (body && 'declared' in body) headers['content-length'] = String(body.declared);
    const req = http.request(`${server.url}${path}`, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({
          status: res.statusCode!,
          connection: res.headers.connection,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          socket: req.socket!,
        });
        // A body the server refused to read whole is abandoned here: the client was told to close.
        if (body && 'declared' in body) req.destroy();
      });
    });
    req.on('error', reject);
    if (body && 'text' in body) {
      if (body.chunked) for (let at = 0; at < body.text.length; at += 64 * 1024) req.write(body.text.slice(at, at + 64 * 1024));
      req.end(body.chunked ? undefined : body.text);
    } else if (body) req.write('x'.repeat(body.partial));
    else req.end();
  });
}

const oversized = JSON.stringify({ name: 'x'.repeat(4 * maxBodyBytes) });

describe('the local server after a 413', () => {
  it.each([
    ['with Content-Length', false],
    ['chunked', true],
  ])('keeps the connection (%s): the next request on the same socket succeeds', async (_, chunked) => {
    // Prepare
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // Act
      const refused = await send(agent, 'POST', '/studies', { text: oversized, chunked });
      const next = await send(agent, 'GET', '/studies');
      // Assess
      expect([refused.status, refused.body.error.code, refused.connection]).toEqual([413, 'PayloadTooLarge', 'keep-alive']);
      expect([next.status, next.body]).toEqual([200, { items: [] }]);
      expect(next.socket).toBe(refused.socket);
    } finally {
      agent.destroy();
    }
  });

  it('tells the client to close when the body is beyond what it drains, and the next request goes on a new socket', async () => {
    // Prepare
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // Act: the body declares more than the server will read, and only part of it is sent.
      const refused = await send(agent, 'POST', '/studies', { declared: maxDrainBytes + 1, partial: 1024 });
      const next = await send(agent, 'GET', '/studies');
      // Assess
      expect([refused.status, refused.body.error.code, refused.connection]).toEqual([413, 'PayloadTooLarge', 'close']);
      expect([next.status, next.body]).toEqual([200, { items: [] }]);
      expect(next.socket).not.toBe(refused.socket);
    } finally {
      agent.destroy();
    }
  });

  it('still answers a body within the limit as before', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const res = await send(agent, 'POST', '/studies', { text: JSON.stringify({ name: 'x'.repeat(maxBodyBytes - 100) }), chunked: true });
      expect([res.status, res.body.error.code]).toEqual([400, 'InvalidInput']);
    } finally {
      agent.destroy();
    }
  });
});
