import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Durability of `rung serve` (issue 16): the server killed with SIGKILL while 16 ask/tell workers
 * suggest, report and complete at once restarts on the same data folder with every acknowledged
 * measurement and completion stored, no trial handed to two workers, and the study finishes with
 * each trial number once. A workflow study the killed server was running is ended as orphaned
 * when the next server starts (issue 14), and resumes to the end. The server is one real process
 * (node --import tsx, no wrapper between the signal and it) on a real dynalite database.
 */
const root = path.resolve(import.meta.dirname, '../..');
const servers: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const s of servers.splice(0)) s.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function serve(dataDir: string): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'cli/main.ts'), 'serve', '--data', dataDir, '--port', '0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.push(child);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /rung API on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1].replace(/\/$/, ''));
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`rung serve exited ${code}: ${out}`)));
  });
  return { url, process: child };
}

/** A new data folder with a server on it, and the folder's bearer token. */
async function serveNewFolder(prefix: string) {
  const dataDir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dataDir);
  const first = await serve(dataDir);
  const { tokens } = JSON.parse(readFileSync(path.join(dataDir, 'credentials.json'), 'utf8')) as { tokens: Record<string, unknown> };
  return { dataDir, first, token: Object.keys(tokens)[0]! };
}

const maxTrials = 60;
const spec = {
  name: 'sigkill',
  objective: { metric: 'loss', goal: 'minimize' },
  parameters: { x: { type: 'float', min: -1, max: 1 } },
  strategy: { execution: 'external', sampler: 'random', seed: 9, scheduler: { type: 'fifo', max: 3 } },
  limits: { maxTrials, parallelism: 16 },
  trial: { command: ['my-worker'] },
};

interface Ledger {
  /** `trialId/step` -> loss, for each report the server acknowledged (2xx). */
  measured: Map<string, number>;
  /** trialId -> the workers it was handed to. */
  handed: Map<string, Set<string>>;
  completed: Set<string>;
}

/** One worker: suggest, three reports, complete, until the study is done or the server goes away. */
async function worker(base: string, token: string, clientId: string, ledger: Ledger, stop: { now: boolean }): Promise<void> {
  const call = async (method: string, route: string, body?: object) => {
    const res = await fetch(`${base}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  try {
    while (!stop.now) {
      const asked = await call('POST', '/trials/suggest', { clientId });
      if (asked.status === 503) continue;
      if (asked.status !== 200) throw new Error(`suggest answered ${asked.status}: ${JSON.stringify(asked.body)}`);
      if (asked.body.done) return;
      const trial = asked.body.trial as { trialId: string; params: { x: number } };
      const holders = ledger.handed.get(trial.trialId) ?? new Set<string>();
      ledger.handed.set(trial.trialId, holders.add(clientId));
      for (let step = 1; step <= 3; step++) {
        const loss = trial.params.x ** 2 + 1 / step;
        const reported = await call('POST', `/trials/${trial.trialId}/measurements`, { step, metrics: { loss } });
        if (reported.status >= 300) throw new Error(`report answered ${reported.status}: ${JSON.stringify(reported.body)}`);
        ledger.measured.set(`${trial.trialId}/${step}`, loss);
      }
      const done = await call('POST', `/trials/${trial.trialId}/complete`, {});
      if (done.status >= 300) throw new Error(`complete answered ${done.status}: ${JSON.stringify(done.body)}`);
      ledger.completed.add(trial.trialId);
    }
  } catch (e) {
    // The server was killed under this request: the worker stops (it comes back after the restart).
    if (!(e instanceof TypeError) || !stop.now) throw e;
  }
}

describe('rung serve killed with SIGKILL under concurrent tells', () => {
  it('restarts with every acknowledged measurement, no trial handed out twice, and finishes each number once', async () => {
    // Prepare
    const { dataDir, first, token } = await serveNewFolder('rung-sigkill-');
    const created = await fetch(`${first.url}/studies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(spec),
    });
    const { studyId } = (await created.json()) as { studyId: string };
    const ledger: Ledger = { measured: new Map(), handed: new Map(), completed: new Set() };
    const clients = Array.from({ length: 16 }, (_, i) => `w${i}`);

    // Act: kill the server once a third of the trials are complete, with every worker mid-request.
    const killed = { now: false };
    const running = clients.map((c) => worker(`${first.url}/studies/${studyId}`, token, c, ledger, killed));
    while (ledger.completed.size < maxTrials / 3) await new Promise((r) => setTimeout(r, 5));
    killed.now = true;
    first.process.kill('SIGKILL');
    await Promise.all(running);
    const acknowledged = new Map(ledger.measured);
    const second = await serve(dataDir);
    const base = `${second.url}/studies/${studyId}`;
    const read = async (route: string) =>
      (await (await fetch(`${base}${route}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, unknown>;
    const storedAfterRestart = new Map<string, number>();
    for (const key of acknowledged.keys()) {
      const trialId = key.split('/')[0];
      if (storedAfterRestart.has(key)) continue;
      const { measurements } = (await read(`/trials/${trialId}`)) as { measurements: { step: number; metrics: { loss: number } }[] };
      for (const m of measurements) storedAfterRestart.set(`${trialId}/${m.step}`, m.metrics.loss);
    }
    const completedBefore = [...ledger.completed];
    // Trials handed out and not completed when the server died: the kill came mid-study.
    const inFlight = ledger.handed.size - completedBefore.length;
    // The workers come back with their names and finish the study.
    await Promise.all(clients.map((c) => worker(base, token, c, ledger, { now: false })));
    const study = await read('');
    const { items: trials } = (await read('/trials?limit=100')) as { items: { trialId: string; state: string; clientId: string }[] };

    // Assess
    for (const [key, loss] of acknowledged) expect(storedAfterRestart.get(key), key).toBe(loss);
    for (const [trialId, holders] of ledger.handed) expect([...holders], `trial ${trialId}`).toHaveLength(1);
    for (const id of completedBefore) expect(trials.find((t) => t.trialId === id)?.state).toBe('COMPLETE');
    expect(acknowledged.size).toBeGreaterThanOrEqual(maxTrials);
    expect(inFlight).toBeGreaterThan(0);
    expect(trials.map((t) => Number(t.trialId)).sort((a, b) => a - b)).toEqual(Array.from({ length: maxTrials }, (_, i) => i));
    expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    expect(study.state).toBe('COMPLETED');
  });
});

// A job of a workflow study: half a second of "training", then its rung's value.
const slowJob = [
  'node',
  '-e',
  [
    'setTimeout(() => {',
    "const url = process.env.RUNG_API_URL + '/studies/' + process.env.RUNG_STUDY_ID + '/trials/' + process.env.RUNG_TRIAL_ID + '/measurements';",
    "const headers = { authorization: 'Bearer ' + process.env.RUNG_API_TOKEN, 'content-type': 'application/json' };",
    'const to = Number(process.env.RUNG_RESOURCE_TO); const x = JSON.parse(process.env.RUNG_PARAMS).x;',
    'fetch(url, { method: "POST", headers, body: JSON.stringify({ step: to, metrics: { loss: x * x + 1 / to } }) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));',
    '}, 500);',
  ].join(' '),
];

describe('a workflow study whose server was killed', () => {
  it('is ended as orphaned (FAILED, with how to go on) when the next server starts, and resumes to COMPLETED', async () => {
    // Prepare
    const { dataDir, first, token } = await serveNewFolder('rung-orphan-');
    const call = async (url: string, method = 'GET', body?: object) => {
      const res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const created = await call(`${first.url}/studies`, 'POST', {
      name: 'orphan',
      objective: { metric: 'loss', goal: 'minimize' },
      parameters: { x: { type: 'float', min: -1, max: 1 } },
      strategy: { sampler: 'random', seed: 4, scheduler: { type: 'asha', min: 1, max: 3, eta: 3 } },
      limits: { maxTrials: 6, parallelism: 2 },
      trial: { command: slowJob, gpus: 0, retries: 0 },
    });
    const studyId = created.body.studyId as string;
    const trialsOf = async (base: string) => ((await call(`${base}/studies/${studyId}/trials?limit=100`)).body.items as any[]) ?? [];

    // Act: kill the server once a trial has finished a slice, with others running.
    for (;;) {
      const trials = await trialsOf(first.url);
      if (trials.some((t) => t.rungValues?.length > 0)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    first.process.kill('SIGKILL');
    await new Promise((resolve) => first.process.once('exit', resolve));
    const second = await serve(dataDir);
    const orphaned = (await call(`${second.url}/studies/${studyId}`)).body;
    const resumed = await call(`${second.url}/studies/${studyId}/resume`, 'POST');
    let study = resumed.body;
    for (let i = 0; i < 600 && !['COMPLETED', 'FAILED', 'STOPPED'].includes(study.state); i++) {
      await new Promise((r) => setTimeout(r, 100));
      study = (await call(`${second.url}/studies/${studyId}`)).body;
    }
    const trials = await trialsOf(second.url);

    // Assess
    expect(orphaned.state).toBe('FAILED');
    expect(orphaned.error).toMatch(/^Orphaned: the process that ran its workflow ended without finishing it/);
    expect(resumed.status).toBe(202);
    expect(study.state, study.error).toBe('COMPLETED');
    expect(trials).toHaveLength(6);
    expect(trials.filter((t) => t.state === 'FAILED')).toEqual([]);
  });
});
