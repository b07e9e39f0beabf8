/**
 * The dashboard's only way to the data: the REST API v1 with the bearer token the page was
 * opened with (kept in sessionStorage, never in a URL's query string).
 */
const tokenKey = 'rung.token';

/** Takes `#token=...` off the URL into sessionStorage; returns the token to use, if any. */
export function adoptToken(): string | undefined {
  const match = /^#token=([A-Za-z0-9]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(tokenKey, match[1]);
    history.replaceState(null, '', `${location.pathname}#/`);
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

export function apiClient(token: string, base = `${location.origin}/v1`) {
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
      const page = await call<{ items: T[]; nextToken?: string }>('GET', `${route}?limit=100${nextToken ? `&nextToken=${encodeURIComponent(nextToken)}` : ''}`);
      items.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    return items;
  }
  return { call, all };
}

export type Api = ReturnType<typeof apiClient>;
