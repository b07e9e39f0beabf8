import path from 'node:path';
import { startEmbedded } from '../runtime/embedded.js';
import { announceServer } from './connection.js';

/** `rung serve`: the REST API on loopback; studies it receives run on the embedded runtime. */
export async function serveCommand(opts: { data: string; port: number }): Promise<void> {
  const dataDir = path.resolve(opts.data);
  const runtime = await startEmbedded({ dataDir, port: opts.port });
  const forget = announceServer(dataDir, runtime.apiUrl!);
  console.log(`rung API on ${runtime.apiUrl}`);
  console.log(`authorization: Bearer <token from ${runtime.credentialsFile}>`);
  console.log('press Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  forget();
  await runtime.close();
}
