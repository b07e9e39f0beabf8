/**
 * The dashboard's only way to the data: the REST API v1 with the bearer token the page was
 * opened with (kept in sessionStorage, never in a URL's query string).
 */
const tokenKey = 'rung.token';

/**
 * Takes `#token=...` off the URL into sessionStorage; returns the token to use, if any. With
 * `&study=<id>` (as `rung run` prints it) the page opens on that study.
 */
export function adoptToken(): string | undefined {
  const match = /^#token=([A-Za-z0-9]+)(?:&study=([A-Za-z0-9_-]{1,128}))?/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(tokenKey, match[1]);
    history.replaceState(null, '', `${location.pathname}#/${match[2] ? `studies/${match[2]}` : ''}`);
  }
  return sessionStorage.getItem(tokenKey) ?? undefined;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Where the API is, from where the page is: `rung serve` serves the page at `/` beside the API at
 * `/v1`; the stack serves it at `<api>/dashboard/` (and `rung dashboard` mirrors that at
 * `/v1/dashboard/`), so there the API is the path before `/dashboard/`. Same origin either way.
 */
export function apiBase(at: { origin: string; pathname: string } = location): string {
  const match = /^(.*)\/dashboard(?:\/|$)/.exec(at.pathname);
  return `${at.origin}${match ? match[1] : '/v1'}`;
}

export function apiClient(token: string, base = apiBase()) {
  async function call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${base}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new ApiError(res.status, json?.error?.message ?? `HTTP ${res.status}`);
    return json as T;
  }
  async function all<T>(route: string): Promise<T[]> {
    const items: T[] = [];
    let nextToken: string | undefined;
    do {
      const page = await call<{ items: T[]; nextToken?: string }>(
        'GET',
        `${route}?limit=100${nextToken ? `&nextToken=${encodeURIComponent(nextToken)}` : ''}`,
      );
      items.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    return items;
  }
  return { call, all };
}

export type Api = ReturnType<typeof apiClient>;
