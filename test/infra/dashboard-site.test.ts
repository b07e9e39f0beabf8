import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_DIR, DashboardSite } from '../../infra/constructs/dashboard-site.js';
import { RUNG_NODE_RUNTIME } from '../../infra/constructs/rung-function.js';
import { PLACEHOLDER_ENV } from '../../infra/rung-app.js';
import { synthResources, type Resources } from './synth.js';

/**
 * The dashboard on AWS (infra/constructs/dashboard-site.ts): its two routes on the REST API with
 * the authorization of every other route, a function that may do nothing but serve, and a layer
 * that local bundling (no Docker) fills with the same bundle `rung serve` builds.
 */
let template: Template;
let resources: Resources;
let ofType: ReturnType<typeof synthResources>['ofType'];

beforeAll(() => {
  // Prepare: one synth of the default app (bundling off: the template only).
  ({ template, resources, ofType } = synthResources());
});

function methodsByRoute(): Map<string, Resources[string]['Properties']> {
  const pathOf = (id: string): string => {
    const { ParentId, PathPart } = resources[id]!.Properties;
    return `${ParentId['Fn::GetAtt'] ? '' : pathOf(ParentId.Ref)}/${PathPart}`;
  };
  return new Map(
    ofType('AWS::ApiGateway::Method').map(([, m]) => [`${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId.Ref)}`, m.Properties]),
  );
}

describe('the dashboard in the stack', () => {
  it('serves GET /dashboard and GET /dashboard/{proxy+} with the same authorization and validation as every API route', () => {
    // Act
    const methods = methodsByRoute();
    const page = methods.get('GET /dashboard');
    const file = methods.get('GET /dashboard/{proxy+}');
    const [functionId] = ofType('AWS::Lambda::Function').find(([, f]) => f.Properties.Environment?.Variables?.DASHBOARD_DIR)!;

    // Assess
    expect(page).toBeDefined();
    expect(file).toBeDefined();
    const authorization = (m: Record<string, any>) => ({
      type: m.AuthorizationType,
      authorizer: m.AuthorizerId,
      scopes: m.AuthorizationScopes,
      validator: m.RequestValidatorId,
    });
    const reference = authorization(methods.get('GET /studies')!);
    expect(reference.type).toBe('AWS_IAM');
    for (const [route, method] of methods) expect(authorization(method), route).toEqual(reference);
    for (const m of [page!, file!]) {
      expect(m.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
      expect(JSON.stringify(m.Integration.Uri)).toContain(functionId);
    }
    expect(file!.RequestParameters).toEqual({ 'method.request.path.proxy': true });
  });

  it('runs a function with the site layer on the newest runtime, allowed to write its logs and traces only', () => {
    // Act
    const [functionId, fn] = ofType('AWS::Lambda::Function').find(([, f]) => f.Properties.Environment?.Variables?.DASHBOARD_DIR)!;
    const [layerId] = ofType('AWS::Lambda::LayerVersion').find(([, l]) => String(l.Properties.Description).startsWith('rung dashboard'))!;
    const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
    const actions = ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()));
    const invokers = ofType('AWS::Lambda::Permission').filter(([, p]) => JSON.stringify(p.Properties.FunctionName).includes(functionId));

    // Assess
    expect(fn.Properties).toMatchObject({
      Runtime: RUNG_NODE_RUNTIME.name,
      Architectures: ['arm64'],
      Layers: [{ Ref: layerId }],
      Environment: { Variables: { DASHBOARD_DIR } },
    });
    expect(resources[roleId]!.Properties.ManagedPolicyArns).toBeUndefined();
    expect(new Set(actions)).toEqual(
      new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']),
    );
    // API Gateway may invoke it on exactly the two routes.
    expect(invokers.map(([, p]) => p.Properties.Principal)).toEqual(['apigateway.amazonaws.com', 'apigateway.amazonaws.com']);
    expect(template.toJSON().Outputs.DashboardUrl).toBeDefined();
  });
});

describe('the dashboard site bundled locally', () => {
  // Prepare: the construct alone in a stack, bundled as `cdk synth` bundles (esbuild, no Docker).
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'rung-dashboard-site-'));
  let layerDir: string;
  let app: App;

  beforeAll(() => {
    app = new App({ outdir });
    const stack = new Stack(app, 'DashboardOnly', { env: PLACEHOLDER_ENV });
    new DashboardSite(stack, 'Dashboard');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    app.synth();
    // The staged assets are `asset.<hash>` folders: the layer's is the one with a dashboard/ folder.
    const asset = readdirSync(outdir).find(
      (name) => name.startsWith('asset.') && readdirSync(path.join(outdir, name)).includes('dashboard'),
    );
    layerDir = path.join(outdir, asset ?? 'no-layer-asset');
  }, 120_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('puts the page, its script and its style under dashboard/ (that is /opt/dashboard), with ECharts inside', () => {
    // Act
    const files = readdirSync(path.join(layerDir, 'dashboard')).sort();
    const js = readFileSync(path.join(layerDir, 'dashboard/app.js'), 'utf8');

    // Assess
    expect(files).toEqual(['app.css', 'app.js', 'index.html']);
    expect(readFileSync(path.join(layerDir, 'dashboard/index.html'), 'utf8')).toContain('<script type="module" src="app.js">');
    expect(js.length).toBeGreaterThan(200_000);
    expect(js).not.toMatch(/https?:\/\/cdn/);
  });

  it('serves those files with the headers of `rung serve`, and redirects /dashboard to the folder', async () => {
    // Prepare
    process.env.DASHBOARD_DIR = path.join(layerDir, 'dashboard');
    const { handler } = await import('../../functions/dashboard/handler.js');
    const event = (p: string, proxy?: string) =>
      ({ path: p, pathParameters: proxy === undefined ? null : { proxy } }) as unknown as APIGatewayProxyEvent;

    // Act
    const bare = await handler(event('/dashboard'));
    const page = await handler(event('/dashboard/'));
    const script = await handler(event('/dashboard/app.js', 'app.js'));
    const outside = await handler(event('/dashboard/../../etc/passwd', '../../etc/passwd'));
    const missing = await handler(event('/dashboard/nope.js', 'nope.js'));

    // Assess
    expect(bare).toMatchObject({ statusCode: 302, headers: { location: 'dashboard/' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    expect(String(page.headers!['content-security-policy'])).toContain("default-src 'none'");
    expect(page.body).toContain('<title>rung</title>');
    expect(script).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/javascript; charset=utf-8' } });
    expect(outside.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
  });
});
