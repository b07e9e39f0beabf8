import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { createRungApp } from '../../infra/rung-app.js';

/** `rung:dataBuckets`: the S3 locations jobs may read their datasets from, read-only, and nothing else of S3. */
function jobRoleS3(context: Record<string, unknown>) {
  const { app, stack } = createRungApp({ bundling: false, context });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, any> };
  const statements = Object.entries(template.Resources)
    .filter(([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('TrainingJobRole'))
    .flatMap(([, r]) => r.Properties.PolicyDocument.Statement);
  const s3 = statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('s3:')));
  const unacknowledged = new AwsSolutionsChecks().validateScope(app).violations.flatMap((v) => v.violatingResources.map(() => v.ruleName));
  return { s3, unacknowledged };
}

describe('rung:dataBuckets', () => {
  it('lets the jobs read the named buckets and prefixes, and write none, cdk-nag clean', () => {
    // Act
    const { s3, unacknowledged } = jobRoleS3({ 'rung:dataBuckets': 'my-bucket/cifar10,shared-datasets' });

    // Assess
    const actions = [...new Set(s3.flatMap((s: any) => [s.Action].flat()))];
    expect(actions.every((a) => a.startsWith('s3:Get') || a.startsWith('s3:List'))).toBe(true);
    const resources = JSON.stringify(s3.flatMap((s: any) => [s.Resource].flat()));
    expect(resources).toContain('my-bucket/cifar10/*');
    expect(resources).toContain('shared-datasets/*');
    expect(resources).not.toContain('teams/');
    expect(unacknowledged).toEqual([]);
  });

  it('grants no S3 at all by default, and refuses what is not a bucket', () => {
    // Act / Assess
    expect(jobRoleS3({}).s3).toEqual([]);
    expect(() => createRungApp({ bundling: false, context: { 'rung:dataBuckets': 's3://my-bucket' } })).toThrow(
      /rung:dataBuckets must be a list of S3 buckets or bucket\/prefix/,
    );
  });
});
