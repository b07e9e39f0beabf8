import { execFileSync } from 'node:child_process';
import { AssetHashType, Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { PROJECT_ROOT, fromRoot } from '../paths.js';
import { RUNG_NODE_RUNTIME, RungFunction } from './rung-function.js';

/** Handler module of the dashboard function (relative to the repository root). */
export const DASHBOARD_ENTRY = 'functions/dashboard/handler.ts';

/** Where the layer puts the bundle inside the function (`/opt` + the layer's `dashboard/` folder). */
export const DASHBOARD_DIR = '/opt/dashboard';

/**
 * The dashboard on AWS: its static files (the same esbuild bundle `rung serve` builds) in a Lambda
 * layer, served by a function of their own on `GET /dashboard` and `GET /dashboard/{proxy+}` of the
 * REST API (RungApi.addRoutes), so that the page has the API's authorization and origin.
 *
 * Why not S3: a BucketDeployment brings a Python custom-resource function (not the newest runtime,
 * cdk-nag L1), an AWS CLI layer and wildcard grants to acknowledge, and an S3 integration would
 * need its own copy of the page's security headers. This function is a RungFunction like every
 * other (newest Node.js runtime, ARM64, tracing, its own log group), holds no permission beyond its
 * logs, and sends the same headers as `rung serve` (dashboard/serve.ts). It costs nothing idle.
 *
 * The layer is bundled locally by running dashboard/write-site.ts in a child process (infra
 * imports no runtime code; no Docker). With bundling skipped (`aws:cdk:bundling-stacks` = [],
 * the tests and the embedded runtime) nothing is built.
 */
export class DashboardSite extends Construct {
  readonly site: lambda.LayerVersion;
  readonly function: RungFunction;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.site = new lambda.LayerVersion(this, 'Site', {
      description: 'rung dashboard: the esbuild bundle of dashboard/app (index.html, app.js, app.css) under /opt/dashboard',
      compatibleRuntimes: [RUNG_NODE_RUNTIME],
      compatibleArchitectures: [lambda.Architecture.ARM_64],
      code: lambda.Code.fromAsset(fromRoot('dashboard'), {
        // The bundle also pulls shared/ and echarts: hash what was built, not the folder.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Only used when local bundling is impossible (never here: esbuild is a dependency).
          image: RUNG_NODE_RUNTIME.bundlingImage,
          command: ['bash', '-c', 'npx tsx dashboard/write-site.ts /asset-output'],
          local: {
            tryBundle(outputDir: string): boolean {
              execFileSync(process.execPath, ['--import', 'tsx', fromRoot('dashboard/write-site.ts'), outputDir], {
                cwd: PROJECT_ROOT,
                stdio: ['ignore', 'inherit', 'inherit'],
              });
              return true;
            },
          },
        },
      }),
    });

    this.function = new RungFunction(this, 'Function', {
      entry: DASHBOARD_ENTRY,
      serviceName: 'rung-dashboard',
      description: 'rung dashboard: serves the static page (GET /dashboard) behind the API authorization',
      timeout: Duration.seconds(10),
      memorySize: 256,
      environment: { DASHBOARD_DIR },
    });
    this.function.addLayers(this.site);
  }
}
