import { startEmbedded } from '../runtime/embedded.js';
import { dashboardFiles } from '../dashboard/build.js';
import { mountDashboard } from '../dashboard/serve.js';
import { announceServer } from './connection.js';
import { dataFolder } from './data-dir.js';
import { listenError } from './errors.js';

/** `rung serve`: the REST API on loopback; studies it receives run on the embedded runtime. */
export async function serveCommand(opts: { data: string; port: number }): Promise<void> {
  const dataDir = dataFolder(opts.data, 'create');
  // The dashboard is bundled in memory at start (esbuild, about a second); nothing built is kept.
  const files = await dashboardFiles();
  const runtime = await startEmbedded({ dataDir, port: opts.port, mount: (root) => mountDashboard(root, files) }).catch((e: unknown) => {
    throw listenError(e, opts.port);
  });
  const forget = announceServer(dataDir, runtime.apiUrl!);
  console.log(`rung API on ${runtime.apiUrl}`);
  console.log(`authorization: Bearer <token from ${runtime.credentialsFile}>`);
  // The token rides in the fragment, which browsers never send to a server; the page moves it to sessionStorage.
  console.log(`dashboard: ${dashboardUrl(runtime.apiUrl!, runtime.token)}`);
  if (runtime.orphans.length > 0)
    console.log(
      `ended ${runtime.orphans.length} studies that an earlier process left unfinished (resume them): ${runtime.orphans.join(', ')}`,
    );
  console.log('press Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  forget();
  await runtime.close();
}

/** The dashboard's address with the token in the fragment (never in a query string). */
export function dashboardUrl(apiUrl: string, token: string): string {
  return `${apiUrl.replace(/\/v1\/?$/, '')}/#token=${token}`;
}
