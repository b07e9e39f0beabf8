import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RungClient } from '../../clients/typescript/rung-client.js';
import { dashboardFiles } from '../../dashboard/build.js';
import { mountDashboard } from '../../dashboard/serve.js';
import { analyzeStudy, type StudyView, type TrialView } from '../../dashboard/study-data.js';
import { startEmbedded, type Embedded } from '../../runtime/embedded.js';
import { dashboardUrl } from '../../cli/serve.js';

/**
 * The dashboard in a real browser (Debian's Chromium) against the embedded runtime serving it as
 * `rung serve` does: a real successive-halving study of the quickstart network, an ask/tell study
 * that is still running, then DOM checks of every view and screenshots under artifacts/screenshots/.
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
    limits: { maxTrials: 6, parallelism: 2 },
    trial: { command: ['node', '--import', 'tsx', 'examples/quickstart/train.ts'], gpus: 0 },
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
    for (let step = 1; step <= 4; step++) await client.report(externalStudy, trial!.trialId, step, { loss: ((trial!.params.x as number) - 0.4) ** 2 + 1 / step });
    if (i < 3) await client.complete(externalStudy, trial!.trialId);
  }
  await runtime.executions.wait(workflowStudy);

  context = await chromium.launchPersistentContext(await mkdtemp(path.join(os.tmpdir(), 'rung-chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await context?.close();
  await runtime?.close();
  await rm(scratch, { recursive: true, force: true });
});

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
    await page.locator('#view-studies tr[data-study-id]').nth(1).waitFor();
    expect(page.url()).toBe(`${origin}/#/`);
    expect(await page.evaluate(() => sessionStorage.getItem('rung.token'))).toBe(runtime.token);
    const rows = await page.locator('#view-studies tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
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
    for (const axis of ['lr', 'hidden', 'optimizer', 'momentum', 'weight_decay', 'batch_size', 'val_accuracy']) expect(parallel).toContain(axis);
    // Importance: one row per parameter, summing to 100% or all zero.
    expect(await page.locator('#view-importance tbody tr').count()).toBe(6);
    const names = await page.locator('#view-importance tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-param')));
    expect(names).toEqual(a.importance.parameters.map((p) => p.name));
    expect(await page.locator('#view-importance .note').textContent()).toContain(`From ${a.importance.n} values`);
    // Cost so far: shown when the study or its jobs record cost (shared/cost), absent otherwise.
    if (a.costUsd === undefined) expect(await page.locator('[data-cost]').count()).toBe(0);
    else expect(Number(await page.locator('[data-cost]').getAttribute('data-cost'))).toBeCloseTo(a.costUsd, 9);
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
