import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RungClient } from '../../clients/typescript/rung-client.js';
import { dashboardFiles } from '../../dashboard/build.js';
import { mountDashboard } from '../../dashboard/serve.js';
import { analyzeStudy, type StudyView, type TrialView } from '../../dashboard/study-data.js';
import type { ParetoReport } from '../../shared/analysis/pareto.js';
import { architectureGraphs } from '../../dashboard/architecture-graphs.js';
import type { Trial } from '../../shared/study/types.js';
import { startEmbedded, type Embedded } from '../../runtime/embedded.js';
import { dashboardUrl } from '../../cli/serve.js';
import { startSigningProxy } from '../../cli/dashboard-proxy.js';
import { writeSite } from '../../dashboard/write-site.js';

/**
 * The dashboard in a real browser (Debian's Chromium) against the embedded runtime serving it as
 * `rung serve` does: a real successive-halving study of the quickstart network with a dollar
 * budget, an ask/tell study that is still running, and a multi-objective NAS study (a cell
 * architecture parameter, accuracy against latency under a latency constraint); then DOM checks
 * of every view and screenshots under artifacts/screenshots/.
 */
const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'artifacts/screenshots');
let runtime: Embedded;
let scratch: string;
let context: BrowserContext;
let client: RungClient;
let origin: string;
let workflowStudy: string;
let externalStudy: string;
let paretoStudy: string;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  scratch = await mkdtemp(path.join(os.tmpdir(), 'rung-browser-'));
  const files = await dashboardFiles();
  runtime = await startEmbedded({ scratchDir: scratch, jobCwd: root, mount: (r) => mountDashboard(r, files) });
  origin = runtime.apiUrl!.replace(/\/v1$/, '');
  client = new RungClient({ apiUrl: runtime.apiUrl!, token: runtime.token });

  // A real workflow study: successive halving 1 -> 3 -> 9 epochs over 6 trials of the quickstart trainer.
  const created = await client.createStudy({
    name: 'browser-spirals',
    objective: { metric: 'val_accuracy', goal: 'maximize' },
    parameters: {
      lr: { type: 'float', min: 0.01, max: 0.3, scale: 'log' },
      hidden: { type: 'int', min: 8, max: 32 },
      optimizer: { type: 'categorical', values: ['adam', 'sgd'] },
      momentum: { type: 'float', min: 0, max: 0.9, when: { optimizer: 'sgd' } },
      weight_decay: { type: 'float', min: 1e-6, max: 1e-4, scale: 'log' },
      batch_size: { type: 'ordinal', values: [32, 64] },
    },
    strategy: { sampler: 'random', scheduler: { type: 'successive_halving', min: 1, max: 9, eta: 3 }, seed: 11 },
    // A budget far above what these CPU jobs cost, so that the ledger runs and stops nothing.
    limits: { maxTrials: 6, parallelism: 2, maxCostUsd: 2 },
    trial: { command: ['node', '--import', 'tsx', 'examples/quickstart/train.ts'], gpus: 0, secondsPerResource: 2 },
  });
  workflowStudy = created.studyId;

  // An ask/tell study left running: three trials told, a fourth held by a worker.
  const ext = await client.createStudy({
    name: 'browser-external',
    objective: { metric: 'loss', goal: 'minimize' },
    parameters: { x: { type: 'float', min: 0, max: 1 }, kind: { type: 'categorical', values: ['a', 'b'] } },
    strategy: { execution: 'external', seed: 3, scheduler: { type: 'successive_halving', min: 1, max: 4, eta: 2 } },
    limits: { maxTrials: 20 },
    trial: { command: ['worker'] },
  });
  externalStudy = ext.studyId;
  for (let i = 0; i < 4; i++) {
    const { trial } = await client.suggest(externalStudy, 'w');
    for (let step = 1; step <= 4; step++)
      await client.report(externalStudy, trial!.trialId, step, { loss: ((trial!.params.x as number) - 0.4) ** 2 + 1 / step });
    if (i < 3) await client.complete(externalStudy, trial!.trialId);
  }
  paretoStudy = await seedParetoStudy();
  await runtime.executions.wait(workflowStudy);

  context = await chromium.launchPersistentContext(await mkdtemp(path.join(os.tmpdir(), 'rung-chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await context?.close();
  await runtime?.close();
  await rm(scratch, { recursive: true, force: true });
});

/**
 * Accuracy up, latency down, latency at most 25 ms: 8 ask/tell trials of a NAS space (a 4-node
 * cell), their params drawn by the study's sampler. The ask/tell API records the objective; the
 * other objective and the feasibility are written on each trial as the workflow leaves them in a
 * Pareto study (`metrics`, `feasible`: see test/handlers/pareto.test.ts). By construction the front
 * has 5 trials, 2 are dominated and 1 violates the constraint.
 */
async function seedParetoStudy(): Promise<string> {
  const created = await client.createStudy({
    name: 'browser-pareto-nas',
    objectives: [
      { metric: 'val_accuracy', goal: 'maximize' },
      { metric: 'latency_ms', goal: 'minimize' },
    ],
    constraints: [{ metric: 'latency_ms', max: 25 }],
    parameters: {
      lr: { type: 'float', min: 0.001, max: 0.1, scale: 'log' },
      cell: { type: 'cell', nodes: 4, ops: ['none', 'skip_connect', 'conv_1x1', 'conv_3x3', 'avg_pool_3x3'] },
    },
    strategy: { execution: 'external', seed: 7, scheduler: { type: 'successive_halving', min: 1, max: 3, eta: 3 } },
    limits: { maxTrials: 8 },
    trial: { command: ['worker'] },
  } as never);
  const studyId = created.studyId;
  const accuracy = [0.62, 0.7, 0.75, 0.8, 0.66, 0.72, 0.78, 0.69];
  const latency = [8, 12, 15, 22, 14, 18, 28, 10];
  for (let i = 0; i < accuracy.length; i++) {
    const { trial } = await client.suggest(studyId, 'w');
    const metrics = { val_accuracy: accuracy[i]!, latency_ms: latency[i]! };
    for (let step = 1; step <= 3; step++)
      await client.report(studyId, trial!.trialId, step, { val_accuracy: (accuracy[i]! * step) / 3, latency_ms: latency[i]! });
    await client.complete(studyId, trial!.trialId);
    const stored = (await runtime.store.getTrial(String(created.team), studyId, trial!.trialId)) as Trial;
    await runtime.store.updateTrial({ ...stored, metrics, feasible: latency[i]! <= 25 });
  }
  return studyId;
}

async function expected(studyId: string) {
  const study = await client.getStudy(studyId);
  const trials: TrialView[] = [];
  const measurements: Record<string, any[]> = {};
  for (const t of (await runtime.request('GET', `/studies/${studyId}/trials?limit=100`)).body.items as TrialView[]) {
    trials.push(t);
    measurements[t.trialId] = (await runtime.request('GET', `/studies/${studyId}/trials/${t.trialId}`)).body.measurements;
  }
  return analyzeStudy(study as unknown as StudyView, trials, measurements, Date.now());
}

const count = (page: Page, view: string) => page.locator(`#view-${view}`).getAttribute('data-count').then(Number);
const svgText = (page: Page, view: string) => page.locator(`#view-${view} svg`).evaluate((svg) => svg.textContent ?? '');

describe('the dashboard in Chromium', () => {
  let page: Page;

  it('takes the token from the fragment, forgets it in the URL, and lists the studies', async () => {
    page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const response = await page.goto(dashboardUrl(runtime.apiUrl!, runtime.token));
    expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");
    await page.locator('#view-studies tr[data-study-id]').nth(2).waitFor();
    expect(page.url()).toBe(`${origin}/#/`);
    expect(await page.evaluate(() => sessionStorage.getItem('rung.token'))).toBe(runtime.token);
    const rows = await page.locator('#view-studies tbody tr').allTextContents();
    expect(rows).toHaveLength(3);
    expect(rows.join('\n')).toContain('browser-spirals');
    expect(rows.join('\n')).toContain('COMPLETED');
    expect(rows.join('\n')).toContain('RUNNING');
    await page.screenshot({ path: path.join(shots, 'studies.png') });
    expect(errors).toEqual([]);
  });

  it('draws every view of a finished successive-halving study from its data', async () => {
    const a = await expected(workflowStudy);
    await page.locator(`a[href="#/studies/${workflowStudy}"]`).click();
    await page.waitForSelector('body[data-study-state="COMPLETED"]');
    // Summary and best trials.
    expect(await page.locator('#view-summary').textContent()).toContain('COMPLETED');
    expect(await page.locator('[data-best-trial]').getAttribute('data-best-trial')).toBe(a.study.best!.trialId);
    expect(await page.locator('#view-best tbody tr').first().getAttribute('data-trial-id')).toBe(a.study.best!.trialId);
    expect(await page.locator('#view-best tbody tr').count()).toBe(a.ranked.length);
    // The network learned: better than the 1/3 of chance.
    expect(a.study.best!.value).toBeGreaterThan(0.4);
    // History: one point per rung result (6 at 1 epoch, 2 at 3, 1 at 9), best so far at 9 epochs.
    expect(await count(page, 'history')).toBe(a.evaluations.length);
    expect(a.evaluations.length).toBe(9);
    expect(await svgText(page, 'history')).toContain('best so far (9 epoch)');
    // Learning curves: every trial, rung boundaries 1, 3, 9 and the promotions.
    expect(await count(page, 'curves')).toBe(6);
    const curves = await svgText(page, 'curves');
    for (const label of ['1 epoch', '3 epoch', '9 epoch', 'promoted']) expect(curves).toContain(label);
    expect(a.promotions.length).toBe(3);
    // Timeline: one bar per job (6 + 2 + 1 slices), drawn as SVG paths.
    expect(await count(page, 'timeline')).toBe(a.timeline.length);
    expect(await page.locator('#view-timeline svg path').count()).toBeGreaterThanOrEqual(a.timeline.length);
    // Parallel coordinates: an axis per parameter and the objective; a line per trial with a value.
    expect(await count(page, 'parallel')).toBe(6);
    const parallel = await svgText(page, 'parallel');
    for (const axis of ['lr', 'hidden', 'optimizer', 'momentum', 'weight_decay', 'batch_size', 'val_accuracy'])
      expect(parallel).toContain(axis);
    // Importance: one row per parameter, summing to 100% or all zero.
    expect(await page.locator('#view-importance tbody tr').count()).toBe(6);
    const names = await page.locator('#view-importance tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-param')));
    expect(names).toEqual(a.importance.parameters.map((p) => p.name));
    expect(await page.locator('#view-importance .note').textContent()).toContain(`From ${a.importance.n} values`);
    // Cost so far against the budget: the ledger's spent dollars (every job priced), of limits.maxCostUsd.
    expect(a.costUsd).toBeGreaterThan(0);
    expect(Number(await page.locator('[data-cost]').getAttribute('data-cost'))).toBeCloseTo(a.costUsd!, 9);
    expect(await page.locator('[data-budget]').getAttribute('data-budget')).toBe('2');
    expect(Number(await page.locator('meter.budget').getAttribute('value'))).toBeCloseTo(a.costUsd! / 2, 9);
    // A single-objective study without architecture parameters has neither of those views.
    expect(await page.locator('#view-pareto').isHidden()).toBe(true);
    expect(await page.locator('#view-architecture').isHidden()).toBe(true);
    await page.screenshot({ path: path.join(shots, 'study-workflow.png'), fullPage: true });
  });

  it('refreshes a running ask/tell study by polling, and steers it', async () => {
    await page.goto(`${origin}/#/studies/${externalStudy}`);
    await page.waitForSelector('[data-trials="4"]');
    expect(await count(page, 'curves')).toBe(4);
    // A worker tells its trial and takes another: the page shows it without a reload.
    const before = Number(await page.evaluate(() => document.body.dataset.refreshes));
    await client.complete(externalStudy, '3');
    const { trial } = await client.suggest(externalStudy, 'w');
    await client.report(externalStudy, trial!.trialId, 1, { loss: 0.5 });
    await page.waitForSelector('[data-trials="5"]', { timeout: 15_000 });
    expect(Number(await page.evaluate(() => document.body.dataset.refreshes))).toBeGreaterThan(before);
    await page.waitForFunction(() => document.querySelector('#view-curves')?.getAttribute('data-count') === '5');
    // Steering from the page: lower max trials.
    await page.fill('input[name="maxTrials"]', '7');
    await page.click('#steer button[type="submit"]');
    await page.waitForSelector('#steer-message:text("applied")');
    expect((await client.getStudy(externalStudy)).spec).toMatchObject({ limits: { maxTrials: 7 } });
    await page.waitForFunction(() => document.querySelector('[data-trials]')?.parentElement?.textContent?.includes('5 of 7'));
    await page.screenshot({ path: path.join(shots, 'study-external-running.png'), fullPage: true });
  });

  it('draws the Pareto front of a multi-objective study and the architecture of the selected trial', async () => {
    const pareto = (await runtime.request('GET', `/studies/${paretoStudy}/pareto`)).body as ParetoReport;
    const study = (await client.getStudy(paretoStudy)) as unknown as StudyView;
    const trialParams = async (id: string) => (await runtime.request('GET', `/studies/${paretoStudy}/trials/${id}`)).body.params;
    await page.goto(`${origin}/#/studies/${paretoStudy}`);
    await page.waitForSelector('#view-pareto[data-front]');
    // The seeded front: 5 on it, 2 dominated, 1 infeasible; the page draws what the API answers.
    expect([pareto.front.length, pareto.dominated.length, pareto.infeasible.length]).toEqual([5, 2, 1]);
    const view = page.locator('#view-pareto');
    expect(await view.getAttribute('data-front')).toBe('5');
    expect(await view.getAttribute('data-dominated')).toBe('2');
    expect(await view.getAttribute('data-infeasible')).toBe('1');
    expect(Number(await view.getAttribute('data-hypervolume'))).toBeCloseTo(pareto.hypervolume!, 9);
    const rows = await page.locator('#view-pareto tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-trial-id')));
    expect(rows).toEqual(pareto.front.map((p) => p.trialId));
    const chart = await svgText(page, 'pareto');
    for (const text of ['hypervolume', 'Pareto front', 'dominated', 'infeasible', 'val_accuracy (max)', 'latency_ms (min)'])
      expect(chart).toContain(text);
    // One marker per trial in its series' colour (dashboard/pareto-view.ts), plus the legend's icon.
    const markers = (fill: string) => page.locator(`#view-pareto svg path[fill="${fill}"]`).count();
    expect(await markers('#2563eb')).toBe(pareto.front.length + 1);
    expect(await markers('#94a3b8')).toBe(pareto.dominated.length + 1);
    expect(await markers('#7c3aed')).toBe(pareto.infeasible.length + 1);

    // The architecture view shows the best trial's cell first.
    const architecture = page.locator('#view-architecture');
    await page.waitForSelector('#view-architecture[data-trial-id]');
    expect(await architecture.getAttribute('data-trial-id')).toBe(study.best!.trialId);
    const bestGraphs = architectureGraphs(study.spec.parameters as never, await trialParams(study.best!.trialId));
    expect(bestGraphs).toHaveLength(1);
    expect(await architecture.getAttribute('data-nodes')).toBe(String(bestGraphs[0]!.nodes.length));
    expect(await architecture.getAttribute('data-edges')).toBe(String(bestGraphs[0]!.edges.length));
    const graphText = await page.locator('#view-architecture .graphs svg').evaluate((svg) => svg.textContent ?? '');
    for (const node of bestGraphs[0]!.nodes) expect(graphText).toContain(node.label);
    for (const edge of bestGraphs[0]!.edges) expect(graphText).toContain(edge.op);
    await page.screenshot({ path: path.join(shots, 'study-pareto-nas.png'), fullPage: true });

    // Another trial, picked in the front's table: its own graph replaces the best one's.
    const other = pareto.front.find((p) => p.trialId !== study.best!.trialId)!;
    await page.locator(`#view-pareto tbody tr[data-trial-id="${other.trialId}"]`).click();
    await page.waitForSelector(`#view-architecture[data-trial-id="${other.trialId}"]`);
    const otherGraphs = architectureGraphs(study.spec.parameters as never, await trialParams(other.trialId));
    expect(await architecture.getAttribute('data-edges')).toBe(String(otherGraphs[0]!.edges.length));
    expect(await page.locator('#view-architecture .trial-id').textContent()).toBe(other.trialId);
    expect(await page.locator(`#view-best tr.selected`).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-trial-id')))).toEqual(
      (await page.locator('#view-best tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-trial-id')))).filter(
        (id) => id === other.trialId,
      ),
    );
    await page.locator('#view-architecture').screenshot({ path: path.join(shots, 'architecture-picked.png') });
  });

  it('opens as deployed, through `rung dashboard`: the page at /v1/dashboard/, every request signed', async () => {
    // Prepare: a stand-in for API Gateway that refuses unsigned requests, answers /dashboard with
    // the dashboard function over the bundle the stack's layer holds, and the rest from the local API.
    const site = await mkdtemp(path.join(os.tmpdir(), 'rung-site-'));
    await writeSite(site);
    process.env.DASHBOARD_DIR = path.join(site, 'dashboard');
    const { handler } = await import('../../functions/dashboard/handler.js');
    const signed: string[] = [];
    const read = async (req: IncomingMessage) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    const gateway = createServer(async (req, res) => {
      if (!String(req.headers.authorization).startsWith('AWS4-HMAC-SHA256 Credential=')) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end('{"message":"Missing Authentication Token"}');
        return;
      }
      signed.push(`${req.method} ${req.url}`);
      const url = new URL(req.url!, 'http://gateway');
      const rest = url.pathname.replace(/^\/v1/, '');
      if (rest === '/dashboard' || rest.startsWith('/dashboard/')) {
        const file = rest.slice('/dashboard/'.length);
        const out = await handler({ path: rest, pathParameters: file ? { proxy: file } : null } as never);
        res.writeHead(out.statusCode, out.headers as Record<string, string>);
        res.end(out.body);
        return;
      }
      const body = await read(req);
      const answer = await fetch(`${runtime.apiUrl}${rest}${url.search}`, {
        method: req.method,
        headers: { authorization: `Bearer ${runtime.token}`, 'content-type': 'application/json' },
        body: body.length > 0 ? body : undefined,
      });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const proxy = await startSigningProxy({
      apiUrl: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/v1`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      port: 0,
    });
    const deployed = await context.newPage();
    const errors: string[] = [];
    deployed.on('pageerror', (e) => errors.push(e.message));
    try {
      // Act
      const response = await deployed.goto(proxy.dashboardUrl);
      await deployed.locator('#view-studies tr[data-study-id]').nth(2).waitFor();
      await deployed.locator(`a[href="#/studies/${paretoStudy}"]`).click();
      await deployed.waitForSelector('#view-pareto[data-front="5"]');
      await deployed.waitForSelector('#view-architecture[data-trial-id]');

      // Assess
      expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");
      expect(deployed.url()).toBe(`${proxy.origin}/v1/dashboard/#/studies/${paretoStudy}`);
      expect(signed).toEqual(
        expect.arrayContaining([
          'GET /v1/dashboard/',
          'GET /v1/dashboard/app.js',
          'GET /v1/dashboard/app.css',
          'GET /v1/studies?limit=100',
          `GET /v1/studies/${paretoStudy}/pareto`,
        ]),
      );
      expect(errors).toEqual([]);
      await deployed.screenshot({ path: path.join(shots, 'deployed-through-proxy.png') });
    } finally {
      await deployed.close();
      await proxy.close();
      await new Promise((resolve) => gateway.close(resolve));
      await rm(site, { recursive: true, force: true });
    }
  });

  it('opens on the study that `rung run` names in its address (#token=...&study=...)', async () => {
    // Prepare: a fresh tab, as from the link `rung run` prints.
    const fresh = await context.newPage();
    // Act
    await fresh.goto(`${dashboardUrl(runtime.apiUrl!, runtime.token)}&study=${workflowStudy}`);
    // Assess: the token is kept, the address names the study, and its page is drawn.
    await fresh.waitForSelector('body[data-study-state="COMPLETED"]');
    expect(fresh.url()).toBe(`${origin}/#/studies/${workflowStudy}`);
    expect(await fresh.evaluate(() => sessionStorage.getItem('rung.token'))).toBe(runtime.token);
    await fresh.close();
  });

  it('without a token shows how to get one and calls no API', async () => {
    const fresh = await context.newPage();
    const apiCalls: string[] = [];
    fresh.on('request', (r) => r.url().includes('/v1/') && apiCalls.push(r.url()));
    await fresh.goto(`${origin}/`);
    await fresh.waitForSelector('text=rung serve');
    expect(apiCalls).toEqual([]);
    await fresh.close();
  });
});
