import { createApi, type ExecutionStarter } from '../../functions/api/app.js';
import { bearerIdentity } from '../../runtime/local-api.js';
import type { ServiceContext } from '../../shared/study/service.js';

export { useDynalite } from './dynalite.js';

/** The REST API (functions/api/app.ts) in process over a store on dynalite, as the handler tests drive it. */

/** The API with bearer tokens `tokenA` (team-a) and `tokenB` (team-b); the starter starts nothing unless given. */
export function testApi(service: ServiceContext, starter: ExecutionStarter = { start: async () => undefined }) {
  return createApi({
    service,
    starter,
    identify: bearerIdentity({ tokens: { tokenA: { team: 'team-a' }, tokenB: { team: 'team-b' } } }),
    publicUrl: () => 'http://127.0.0.1:1/v1',
  });
}

export type TestApi = ReturnType<typeof testApi>;

/** One request as the holder of `token`: a JSON body (a string is sent as it is), the status and the JSON answer. */
export async function callApi(api: TestApi, method: string, path: string, body?: unknown, token = 'tokenA') {
  const res = await api.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}
