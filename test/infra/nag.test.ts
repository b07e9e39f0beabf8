import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { createRungApp } from '../../infra/rung-app.js';

interface Finding {
  id: string;
  path: string;
}

/** AwsSolutions findings as `RuleId[Finding] at path`, acknowledged or not (`raw`). */
function findings(scope: IConstruct, raw: boolean): Finding[] {
  const pack = new AwsSolutionsChecks();
  // NagPack's private acknowledgement check: switched off to see every finding, acknowledged or not.
  if (raw) Object.assign(pack, { isAcknowledged: () => false });
  return pack
    .validateScope(scope)
    .violations.flatMap((v) => v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath ?? '(unknown)' })))
    .sort((a, b) => `${a.id} ${a.path}`.localeCompare(`${b.id} ${b.path}`));
}

/** Every `Validations.of(x).acknowledge(...)` of the AwsSolutions pack in the tree: rule id, construct path, reason. */
function acknowledgements(scope: IConstruct): { id: string; path: string; reason: string }[] {
  return scope.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>))
        .map(([id, reason]) => ({ id: id.replace(/^annotation::/i, ''), path: c.node.path, reason })),
    )
    .filter((a) => a.id.startsWith('AwsSolutions-'));
}

describe.each([
  ['default settings', {}],
  ['private subnets, other GPU types', { 'rung:privateSubnets': true, 'rung:gpuInstanceTypes': ['p4d.24xlarge'] }],
  ['execution logs with a role of its own', { 'rung:apiExecutionLogs': 'create' }],
])('cdk-nag AwsSolutions (%s)', (_name, context) => {
  it('reports no finding that is not acknowledged, and synth with the pack registered succeeds', () => {
    // Prepare: the app as infra/app.ts builds it, the pack registered the cdk-nag 3 way.
    const { app } = createRungApp({ bundling: false, context });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act: synth fails (ValidationFailed) on any unacknowledged finding; the list says which.
    let synthError: unknown;
    try {
      app.synth();
    } catch (error) {
      synthError = error;
    }
    const unacknowledged = findings(app, false);

    // Assess
    expect(unacknowledged.map((f) => `${f.id} at ${f.path}`)).toEqual([]);
    expect(synthError).toBeUndefined();
  });

  it('acknowledges only findings that exist, each with a reason, on the construct that has them', () => {
    // Prepare
    const { app } = createRungApp({ bundling: false, context });
    app.synth();

    // Act
    const raw = findings(app, true);
    const acks = acknowledgements(app);
    const stale = acks.filter((a) => !raw.some((f) => f.id === a.id && (f.path === a.path || f.path.startsWith(`${a.path}/`))));

    // Assess
    expect(acks.length).toBeGreaterThan(0);
    expect(stale.map((a) => `${a.id} at ${a.path}`)).toEqual([]);
    for (const ack of acks) expect(ack.reason.length).toBeGreaterThan(40);
    // Never app- or stack-wide: each acknowledgement sits on a construct below the stack.
    for (const ack of acks) expect(ack.path.split('/').length).toBeGreaterThan(1);
  });
});
