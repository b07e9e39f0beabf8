import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';

/**
 * Load on the local REST API, the server `rung serve` runs (dynalite-backed), started as a child
 * process so that the load generator and the server do not share one event loop.
 *
 *   --mix suggest: N concurrent ask/tell workers (default 64) on one external study, each doing
 *     suggest -> a few measurements -> complete, `--trials` times, then one last suggest that
 *     answers done. Prints requests/s, suggest latency percentiles, and the requests that were
 *     not answered within 30 s (timeouts, and refusals after which the worker had to ask again).
 *   --mix reads: `--reads` GETs (default 3,000) of a study, its trials and one trial, at
 *     concurrency 50, after a small study has run; prints requests/s and p50/p99.
 *
 * A logical request is retried, as the clients do, on 503 and 429 (after Retry-After) and on a
 * 409 that says "try again"; its latency runs from its first attempt to its answer.
 */
const opts = new Command()
  .option('--mix <mix>', 'suggest or reads', 'suggest')
  .option('--workers <n>', 'concurrent ask/tell workers (suggest mix)', (v) => parseInt(v, 10), 64)
  .option('--trials <n>', 'trials per worker (suggest mix)', (v) => parseInt(v, 10), 3)
  .option('--steps <n>', 'measurements per trial (suggest mix)', (v) => parseInt(v, 10), 3)
  .option('--sampler <name>', "the study's sampler (default: the study default)")
  .option('--reads <n>', 'GETs (reads mix)', (v) => parseInt(v, 10), 3000)
  .option('--concurrency <n>', 'concurrent GETs (reads mix)', (v) => parseInt(v, 10), 50)
  .parse()
  .opts<{ mix: string; workers: number; trials: number; steps: number; sampler?: string; reads: number; concurrency: number }>();

const answerWithinMs = 30_000;

interface Outcome {
  ok: boolean;
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers of several shapes; each caller reads the fields it needs
  body: any;
  ms: number;
}

const stats = {
  requests: 0,
  attempts: 0,
  /** Logical requests with no 2xx answer within answerWithinMs. */
  unanswered: 0,
  /** Answers that asked for a retry, by status. */
  retried: new Map<number, number>(),
  latency: new Map<string, number[]>(),
};

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}

async function startServer(): Promise<{ url: string; token: string; child: ChildProcess; dataDir: string }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rung-api-load-'));
  const main = path.join(import.meta.dirname, '..', 'cli', 'main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', '--data', dataDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /rung API on (\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`rung serve exited with ${code}: ${out}`)));
  });
  const credentials = JSON.parse(await readFile(path.join(dataDir, 'credentials.json'), 'utf8')) as { tokens: Record<string, unknown> };
  return { url, token: Object.keys(credentials.tokens)[0], child, dataDir };
}

const { url, token, child, dataDir } = await startServer();

function retryAfterMs(res: Response, attempt: number): number {
  const header = Number(res.headers.get('retry-after'));
  const base = Number.isFinite(header) && header > 0 ? header * 1000 : 100 * 2 ** Math.min(attempt, 4);
  return base * (0.5 + Math.random() / 2);
}

/** One logical request: retried on 503, 429 and "try again" 409s until it is answered or 30 s have passed. */
async function call(kind: string, method: string, route: string, body?: unknown): Promise<Outcome> {
  stats.requests++;
  const t0 = performance.now();
  const deadline = t0 + answerWithinMs;
  for (let attempt = 0; ; attempt++) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    stats.attempts++;
    let res: Response;
    try {
      res = await fetch(`${url}${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(Math.ceil(left)),
      });
    } catch (e) {
      if (process.env.DEBUG) console.error(e);
      break; // timed out (or the connection failed): unanswered
    }
    const json = await res.json().catch(() => undefined);
    const again = res.status === 503 || res.status === 429 || (res.status === 409 && /try again/.test(json?.error?.message ?? ''));
    if (res.ok || !again) {
      const ms = performance.now() - t0;
      if (res.ok) {
        const list = stats.latency.get(kind) ?? [];
        list.push(ms);
        stats.latency.set(kind, list);
      } else if (res.status >= 400) {
        throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
      }
      return { ok: res.ok, status: res.status, body: json, ms };
    }
    stats.retried.set(res.status, (stats.retried.get(res.status) ?? 0) + 1);
    await new Promise((r) => setTimeout(r, Math.min(retryAfterMs(res, attempt), Math.max(0, deadline - performance.now()))));
  }
  stats.unanswered++;
  return { ok: false, status: 0, body: undefined, ms: performance.now() - t0 };
}

function line(kind: string): string {
  const xs = stats.latency.get(kind) ?? [];
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  return `${kind.padEnd(12)} n=${String(xs.length).padStart(5)}  p50 ${f(quantile(xs, 0.5))} ms  p90 ${f(quantile(xs, 0.9))} ms  p99 ${f(quantile(xs, 0.99))} ms  max ${f(Math.max(...xs))} ms`;
}

async function createStudy(name: string, maxTrials: number): Promise<string> {
  const res = await call('create', 'POST', '/studies', {
    name,
    objective: { metric: 'loss', goal: 'minimize' },
    parameters: {
      x: { type: 'float', min: -1, max: 1 },
      y: { type: 'float', min: -1, max: 1 },
      kind: { type: 'categorical', values: ['a', 'b'] },
    },
    strategy: {
      execution: 'external',
      ...(opts.sampler ? { sampler: opts.sampler } : {}),
      seed: 1,
      scheduler: { type: 'fifo', max: opts.steps },
    },
    limits: { maxTrials },
    trial: { command: ['external-worker'] },
  });
  if (!res.ok) throw new Error(`cannot create the study: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.studyId as string;
}

/** One ask/tell worker: suggest, `steps` measurements, complete, until the study answers done. */
async function worker(studyId: string, clientId: string, numbers: number[]): Promise<void> {
  const base = `/studies/${studyId}`;
  for (;;) {
    const next = await call('suggest', 'POST', `${base}/trials/suggest`, { clientId });
    if (!next.ok) continue; // unanswered: ask again, as a worker would
    if (next.body.done || !next.body.trial) return;
    const trial = next.body.trial as { trialId: string; number: number; params: { x: number; y: number } };
    numbers.push(trial.number);
    const loss = trial.params.x ** 2 + trial.params.y ** 2;
    for (let step = 1; step <= opts.steps; step++)
      await call('measurement', 'POST', `${base}/trials/${trial.trialId}/measurements`, { step, metrics: { loss: loss + 1 / step } });
    await call('complete', 'POST', `${base}/trials/${trial.trialId}/complete`, {});
  }
}

async function suggestMix(): Promise<void> {
  const maxTrials = opts.workers * opts.trials;
  const studyId = await createStudy('api-load', maxTrials);
  const numbers: number[] = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: opts.workers }, (_, i) => worker(studyId, `w${i}`, numbers)));
  const seconds = (performance.now() - t0) / 1000;
  const study = (await call('read', 'GET', `/studies/${studyId}`)).body;
  const distinct = new Set(numbers).size;
  console.log(
    `suggest mix: ${opts.workers} workers x ${opts.trials} trials x ${opts.steps} measurements, sampler ${opts.sampler ?? 'default'}`,
  );
  console.log(`${stats.requests} requests in ${seconds.toFixed(1)} s: ${(stats.requests / seconds).toFixed(0)} requests/s`);
  for (const kind of ['suggest', 'measurement', 'complete']) console.log(line(kind));
  console.log(`unanswered within ${answerWithinMs / 1000} s: ${stats.unanswered}`);
  console.log(`answers asking for a retry: ${[...stats.retried].map(([s, n]) => `${s} x${n}`).join(', ') || 'none'}`);
  console.log(`trials handed out: ${numbers.length} (${distinct} distinct numbers, ${maxTrials} wanted); study ${study?.state}`);
}

async function readsMix(): Promise<void> {
  // A study to read: 20 trials run by 4 workers.
  const studyId = await createStudy('api-reads', 20);
  await Promise.all(Array.from({ length: 4 }, (_, i) => worker(studyId, `r${i}`, [])));
  stats.latency.clear();
  stats.requests = 0;
  const routes = [`/studies/${studyId}`, `/studies/${studyId}/trials`, `/studies/${studyId}/trials/7`, '/studies'];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      for (let i = next++; i < opts.reads; i = next++) await call('GET', 'GET', routes[i % routes.length]);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  console.log(`reads mix: ${opts.reads} GETs (study, trials, one trial, studies) at concurrency ${opts.concurrency}`);
  console.log(`${stats.requests} requests in ${seconds.toFixed(1)} s: ${(stats.requests / seconds).toFixed(0)} requests/s`);
  console.log(line('GET'));
  console.log(`unanswered within ${answerWithinMs / 1000} s: ${stats.unanswered}`);
}

try {
  if (opts.mix === 'suggest') await suggestMix();
  else if (opts.mix === 'reads') await readsMix();
  else throw new Error(`--mix must be suggest or reads, not ${opts.mix}`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await rm(dataDir, { recursive: true, force: true });
}
