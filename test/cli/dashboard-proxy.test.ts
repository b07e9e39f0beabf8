import { createHash, createHmac } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { regionOfApiUrl, startSigningProxy, type SigningProxy } from '../../cli/dashboard-proxy.js';

/**
 * `rung dashboard`'s signing proxy against a local HTTP server standing in for API Gateway: the
 * signature is recomputed here from what the server received (the SigV4 algorithm written out
 * with node:crypto, independent of the SDK's signer), with fixed test credentials.
 */
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token-example',
};
const region = 'eu-west-1';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
let upstream: Server;
let upstreamUrl: string;
let received: Received[];
let proxy: SigningProxy;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(201, {
        'content-type': 'application/json',
        'x-amzn-requestid': 'req-1',
        'content-security-policy': "default-src 'none'",
      });
      res.end(JSON.stringify({ ok: true, path: req.url }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  proxy = await startSigningProxy({ apiUrl: upstreamUrl, region, credentials, port: 0, token: 'local-token' });
});

afterAll(async () => {
  await proxy?.close();
  await new Promise((resolve) => upstream?.close(resolve));
});

beforeEach(() => {
  received = [];
});

/** A raw request to the proxy (node:http, so that Host can be set as a hostile page would). */
function call(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const { port } = new URL(proxy.origin);
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** SigV4 (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) of a received request. */
function expectedSignature(r: Received, signedHeaders: string[], amzDate: string): string {
  const url = new URL(r.url, 'http://x');
  // Every service but S3 encodes each path segment once more (the path arrives encoded once).
  const canonicalUri = url.pathname.split('/').map(rfc3986).join('/');
  const canonicalQuery = [...url.searchParams]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${String(r.headers[h]).trim()}\n`).join('');
  const canonicalRequest = [r.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders.join(';'), sha256(r.body)].join('\n');
  const scope = `${amzDate.slice(0, 8)}/${region}/execute-api/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${credentials.secretAccessKey}`, amzDate.slice(0, 8));
  for (const part of [region, 'execute-api', 'aws4_request']) key = hmac(key, part);
  return hmac(key, stringToSign).toString('hex');
}

describe('rung dashboard: the SigV4 signing proxy', () => {
  it('signs an API call with the caller credentials, drops the local token, and passes the answer back', async () => {
    // Prepare
    const body = JSON.stringify({ limits: { maxTrials: 7 } });

    // Act
    const res = await call(
      'PATCH',
      '/v1/studies/s%20one/trials?limit=5&nextToken=a%2Bb%2Fc',
      { authorization: 'Bearer local-token', 'content-type': 'application/json', cookie: 'secret=1' },
      body,
    );

    // Assess
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toEqual({ ok: true, path: '/v1/studies/s%20one/trials?limit=5&nextToken=a%2Bb%2Fc' });
    expect(res.headers['x-amzn-requestid']).toBe('req-1');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'");
    expect(received).toHaveLength(1);
    const [r] = received;
    expect(r).toMatchObject({ method: 'PATCH', url: '/v1/studies/s%20one/trials?limit=5&nextToken=a%2Bb%2Fc', body });
    expect(r!.headers.host).toBe(new URL(upstreamUrl).host);
    expect(r!.headers['x-amz-security-token']).toBe(credentials.sessionToken);
    expect(r!.headers.cookie).toBeUndefined();
    const amzDate = String(r!.headers['x-amz-date']);
    expect(amzDate).toMatch(/^\d{8}T\d{6}Z$/);
    expect(
      Math.abs(
        Date.parse(
          `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
        ) - Date.now(),
      ),
    ).toBeLessThan(60_000);
    const auth = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      String(r!.headers.authorization),
    );
    expect(auth, String(r!.headers.authorization)).not.toBeNull();
    expect(auth![1]).toBe(`${credentials.accessKeyId}/${amzDate.slice(0, 8)}/${region}/execute-api/aws4_request`);
    const signedHeaders = auth![2]!.split(';');
    expect(signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-security-token', 'content-type']));
    expect(signedHeaders).not.toContain('authorization');
    expect(auth![3]).toBe(expectedSignature(r!, signedHeaders, amzDate));
  });

  it('passes query names like Object.prototype members through as they are, signed', async () => {
    // Act
    const query = 'constructor=b&constructor=c&toString=d&limit=2';
    const res = await call('GET', `/v1/studies?${query}`, { authorization: 'Bearer local-token' });
    // Assess
    expect(res.status).toBe(201);
    const [r] = received;
    expect([...new URL(r!.url, 'http://x').searchParams]).toEqual([
      ['constructor', 'b'],
      ['constructor', 'c'],
      ['toString', 'd'],
      ['limit', '2'],
    ]);
    const auth = /SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(String(r!.headers.authorization));
    expect(auth![2]).toBe(expectedSignature(r!, auth![1]!.split(';'), String(r!.headers['x-amz-date'])));
  });

  it('passes the dashboard page without the token (no data in it), and sends / to it', async () => {
    // Act
    const root = await call('GET', '/');
    const page = await call('GET', '/v1/dashboard/app.js');

    // Assess
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/v1/dashboard/');
    expect(page.status).toBe(201);
    expect(received.map((r) => r.url)).toEqual(['/v1/dashboard/app.js']);
    expect(String(received[0]!.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 /);
    expect(proxy.dashboardUrl).toBe(`${proxy.origin}/v1/dashboard/#token=local-token`);
  });

  it('signs nothing for a call without the token, with a wrong token, or for another Host', async () => {
    // Act
    const none = await call('GET', '/v1/studies');
    const wrong = await call('GET', '/v1/studies', { authorization: 'Bearer local-tokem' });
    const rebound = await call('GET', '/v1/studies', { authorization: 'Bearer local-token', host: 'evil.example:80' });
    const write = await call('POST', '/v1/dashboard/x', {}, '{}');

    // Assess
    expect([none.status, wrong.status, rebound.status, write.status]).toEqual([401, 401, 403, 401]);
    expect(received).toEqual([]);
  });

  it('with a Cognito ID token, sends it as the bearer token instead of signing', async () => {
    // Prepare: a second proxy for a stack deployed with rung:auth = cognito (no credentials, no region).
    const cognito = await startSigningProxy({ apiUrl: upstreamUrl, port: 0, token: 'local-token', idToken: 'eyJ.id.token' });
    const { port } = new URL(cognito.origin);
    try {
      // Act
      const answer = await new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            method: 'GET',
            path: '/v1/studies?limit=5',
            headers: { host: `127.0.0.1:${port}`, authorization: 'Bearer local-token' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          },
        );
        req.on('error', reject);
        req.end();
      });
      // Assess: the ID token replaces the local one, and nothing of SigV4 is sent.
      expect(answer).toBe(201);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ method: 'GET', url: '/v1/studies?limit=5' });
      expect(received[0].headers.authorization).toBe('Bearer eyJ.id.token');
      expect(received[0].headers).not.toHaveProperty('x-amz-date');
      expect(received[0].headers).not.toHaveProperty('x-amz-security-token');
    } finally {
      await cognito.close();
    }
  });

  it('reads the region from an execute-api URL', () => {
    // Assess
    expect(regionOfApiUrl('https://abc123.execute-api.ap-southeast-2.amazonaws.com/v1')).toBe('ap-southeast-2');
    expect(regionOfApiUrl('https://api.example.com/v1')).toBeUndefined();
  });
});
