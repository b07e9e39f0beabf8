import { createHash, createHmac, randomBytes, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * `rung dashboard`: the deployed dashboard in a local browser, like `kubectl proxy`. The API (and
 * the page, served on `GET /dashboard`) takes SigV4-signed requests only, which a browser cannot
 * make; this proxy on 127.0.0.1 signs each request with the caller's AWS credentials and passes
 * the answer back. Paths mirror `rung serve`: `/v1/...` here is `<api url>/...` there, so the page
 * is at `/v1/dashboard/` and calls the API at `/v1` on its own origin.
 *
 * Anything on this machine can reach a loopback port, and a web page can aim requests at it: so,
 * as `rung serve` does, the proxy signs API calls only when they carry the bearer token it printed
 * (in the URL's fragment, which the page moves to sessionStorage), answers only for its own Host
 * (no DNS rebinding), and forwards nothing of the browser's but the body, Content-Type and Accept.
 * The page's static files (GET /v1/dashboard...) hold no data and pass without the token.
 */
type SignerOptions = ConstructorParameters<typeof SignatureV4>[0];
export type Credentials = SignerOptions['credentials'];

export interface SigningProxyOptions {
  /** Base URL of the API with its stage, as the stack's `ApiUrl` output (`https://{id}.execute-api.{region}.amazonaws.com/v1`). */
  apiUrl: string;
  /** @default from the API URL's host (`execute-api.{region}.`), else AWS_REGION / AWS_DEFAULT_REGION */
  region?: string;
  /** @default the AWS SDK's default chain (environment, SSO, profiles, IMDS...) */
  credentials?: Credentials;
  /** @default the AWS SDK's chain for this profile */
  profile?: string;
  /**
   * A stack deployed with `rung:auth = cognito`: the user's Cognito ID token, sent as
   * `Authorization: Bearer ...` on every forwarded request instead of a SigV4 signature.
   */
  idToken?: string;
  /** @default 8788; 0 picks a free port */
  port?: number;
  /** @default a fresh random token */
  token?: string;
  /** Called on each request that could not be forwarded (for the CLI's standard error). */
  onError?: (error: Error) => void;
}

export interface SigningProxy {
  /** `http://127.0.0.1:{port}` */
  origin: string;
  token: string;
  /** The page's address with the token in the fragment (never sent to a server). */
  dashboardUrl: string;
  close(): Promise<void>;
}

/** The local prefix of the API, as under `rung serve`. */
const LOCAL_PREFIX = '/v1';
/** API Gateway's largest request body. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Response headers that describe this hop only. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-authenticate', 'trailer']);

/** The region of an `execute-api` URL, if its host names one. */
export function regionOfApiUrl(apiUrl: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(new URL(apiUrl).hostname)?.[1];
}

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** SHA-256 (HMAC-SHA-256 with a secret) from node:crypto, in the shape the SigV4 signer takes. */
export class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** RFC 3986 encoding, as SigV4 canonicalizes query strings (so that what is sent is what was signed). */
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sameToken(given: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(given ?? '');
  if (!match) return false;
  const a = Buffer.from(match[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function answer(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error: { code, message } }));
}

/** Starts the proxy on 127.0.0.1. */
export async function startSigningProxy(options: SigningProxyOptions): Promise<SigningProxy> {
  const upstream = new URL(options.apiUrl.replace(/\/+$/, ''));
  if (upstream.protocol !== 'https:' && upstream.protocol !== 'http:')
    throw new Error(`--api must be an http(s) URL, not ${options.apiUrl}`);
  const region = options.region ?? regionOfApiUrl(options.apiUrl) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region && !options.idToken) throw new Error('cannot tell the region from the API URL: pass --region');
  const basePath = upstream.pathname.replace(/\/+$/, '');
  const token = options.token ?? randomBytes(24).toString('hex');
  const idToken = options.idToken;
  const signer = idToken
    ? undefined
    : new SignatureV4({
        service: 'execute-api',
        // Checked above: only a Cognito proxy may go without one.
        region: region!,
        credentials: options.credentials ?? fromNodeProviderChain(options.profile ? { profile: options.profile } : {}),
        sha256: NodeSha256,
      });
  const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest;
  let origin = '';

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 sends that name as Host.
    const port = origin.slice(origin.lastIndexOf(':') + 1);
    if (req.headers.host !== `127.0.0.1:${port}` && req.headers.host !== `localhost:${port}`) {
      answer(res, 403, 'Forbidden', 'this proxy answers for 127.0.0.1 only');
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(302, { location: `${LOCAL_PREFIX}/dashboard/`, 'cache-control': 'no-store' });
      res.end();
      return;
    }
    if (!url.pathname.startsWith(`${LOCAL_PREFIX}/`)) {
      answer(res, 404, 'NotFound', `the API is under ${LOCAL_PREFIX}/`);
      return;
    }
    const rest = url.pathname.slice(LOCAL_PREFIX.length);
    const page = (req.method === 'GET' || req.method === 'HEAD') && (rest === '/dashboard' || rest.startsWith('/dashboard/'));
    if (!page && !sameToken(req.headers.authorization, token)) {
      answer(res, 401, 'Unauthorized', 'API calls through this proxy need the bearer token it printed (open the dashboard URL it shows)');
      return;
    }

    const body = await readBody(req);
    // Gathered in a Map: a name like `constructor` or `__proto__` is a query name like any other.
    const values = new Map<string, string[]>();
    for (const [k, v] of url.searchParams) values.set(k, [...(values.get(k) ?? []), v]);
    const query: Record<string, string | string[]> = Object.fromEntries([...values].map(([k, vs]) => [k, vs.length === 1 ? vs[0] : vs]));
    const headers: Record<string, string> = { host: upstream.host };
    for (const name of ['content-type', 'accept'] as const) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    if (body.length > 0) headers['content-length'] = String(body.length);
    const outgoing = {
      method: req.method ?? 'GET',
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port ? Number(upstream.port) : undefined,
      path: `${basePath}${rest}`,
      query,
      headers,
      body: body.length > 0 ? body : undefined,
    };
    // The Cognito authorizer takes the ID token as a bearer token; IAM authorization wants SigV4.
    const signed = signer ? await signer.sign(outgoing) : { ...outgoing, headers: { ...headers, authorization: `Bearer ${idToken}` } };
    const search = Object.entries(query)
      .flatMap(([k, v]) => [v].flat().map((one) => `${rfc3986(k)}=${rfc3986(one)}`))
      .join('&');

    await new Promise<void>((resolve, reject) => {
      const out = send(
        {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port || undefined,
          method: signed.method,
          path: `${signed.path}${search ? `?${search}` : ''}`,
          headers: signed.headers,
        },
        (answerIn) => {
          const passed = Object.fromEntries(Object.entries(answerIn.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
          res.writeHead(answerIn.statusCode ?? 502, passed as Record<string, string | string[]>);
          answerIn.pipe(res);
          answerIn.on('end', resolve);
          answerIn.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body.length > 0 ? body : undefined);
    });
  }

  const server = createServer((req, res) => {
    forward(req, res).catch((error: Error) => {
      options.onError?.(error);
      if (!res.headersSent) answer(res, 502, 'BadGateway', `could not reach the API: ${error.message}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8788, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    token,
    dashboardUrl: `${origin}${LOCAL_PREFIX}/dashboard/#token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `rung dashboard --api <url>`: runs the proxy until Ctrl-C. */
export async function dashboardCommand(opts: {
  api: string;
  region?: string;
  profile?: string;
  port: number;
  idToken?: string;
}): Promise<void> {
  const idToken = opts.idToken ?? process.env.RUNG_ID_TOKEN;
  const proxy = await startSigningProxy({
    apiUrl: opts.api,
    region: opts.region,
    profile: opts.profile,
    port: opts.port,
    idToken,
    onError: (e) => console.error(`rung dashboard: ${e.message}`),
  });
  console.log(
    idToken ? `forwarding requests to ${opts.api} with your Cognito ID token` : `signing requests to ${opts.api} with your AWS credentials`,
  );
  // The token rides in the fragment, which browsers never send to a server; the page moves it to sessionStorage.
  console.log(`dashboard: ${proxy.dashboardUrl}`);
  console.log('press Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await proxy.close();
}
