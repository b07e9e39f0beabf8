import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { createRungApp } from '../../infra/rung-app.js';
import { readRungSettings, RungSettingsError } from '../../infra/settings.js';

/** `rung:auth`: IAM by default, a Cognito user pool's JWT for people as an option (one synth per mode). */

/** AwsSolutions acknowledgements of one rule: the construct paths that carry them. */
function acknowledged(scope: IConstruct, id: string): string[] {
  return scope.node
    .findAll()
    .filter((c) =>
      c.node.metadata.some(
        (m) =>
          m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY &&
          Object.keys(m.data as object).some((k) => k.replace(/^annotation::/i, '') === id),
      ),
    )
    .map((c) => c.node.path);
}

/** Every API method as `VERB path` with its authorization type and authorizer. */
function methods(template: Template) {
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const pathOf = (ref: unknown): string => {
    const id = (ref as { Ref?: string }).Ref;
    if (!id || !resources[id]) return '';
    const r = resources[id].Properties as { ParentId: unknown; PathPart: string };
    return `${pathOf(r.ParentId)}/${r.PathPart}`;
  };
  return Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => {
    const p = m.Properties as { HttpMethod: string; ResourceId: unknown; AuthorizationType: string; AuthorizerId?: unknown };
    return { route: `${p.HttpMethod} ${pathOf(p.ResourceId) || '/'}`, type: p.AuthorizationType, authorizer: p.AuthorizerId };
  });
}

describe('API authorization modes', () => {
  it('IAM by default: SigV4 on every method, no user pool, COG4 acknowledged on the API', () => {
    // Prepare / Act
    const { app, stack } = createRungApp({ bundling: false });
    const template = Template.fromStack(stack);
    // Assess
    expect(methods(template).filter((m) => m.type !== 'AWS_IAM')).toEqual([]);
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 0);
    expect(acknowledged(app, 'AwsSolutions-COG4')).toEqual(['Rung/Api/RestApi']);
  });

  it('cognito: a user pool authorizer on every person method, IAM on the job routes, AwsSolutions clean', () => {
    // Prepare: the app as infra/app.ts builds it, with the pack registered.
    const { app, stack } = createRungApp({ bundling: false, context: { 'rung:auth': 'cognito' } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // Act: synth fails on any unacknowledged finding.
    const template = Template.fromStack(stack);
    const unacknowledged = new AwsSolutionsChecks()
      .validateScope(app)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
    // Assess: routes.
    const all = methods(template);
    const jobRoutes = ['POST /studies/{studyId}/trials/{trialId}/checkpoint-url', 'POST /studies/{studyId}/trials/{trialId}/measurements'];
    const job = all.filter((m) => jobRoutes.includes(m.route));
    expect(job.sort((a, b) => a.route.localeCompare(b.route))).toEqual(
      jobRoutes.map((route) => ({ route, type: 'AWS_IAM', authorizer: undefined })),
    );
    const people = all.filter((m) => !job.includes(m));
    expect(people.length).toBeGreaterThan(10);
    for (const m of people)
      expect(m, m.route).toMatchObject({ type: 'COGNITO_USER_POOLS', authorizer: { Ref: expect.stringMatching(/Authorizer/) } });
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      IdentitySource: 'method.request.header.Authorization',
    });
    // The pool: no self sign-up, MFA required, strong passwords, Plus tier with threat protection enforced.
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      Policies: {
        PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true, RequireUppercase: true, RequireNumbers: true }),
      },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', { GenerateSecret: false });
    // The API handler knows where the team comes from.
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ AUTH_MODE: 'cognito' }) } });
    // Nag: COG4 acknowledged on the job routes only, nothing left.
    expect(acknowledged(app, 'AwsSolutions-COG4').sort()).toEqual([
      'Rung/Api/RestApi/Default/studies/{studyId}/trials/{trialId}/checkpoint-url/POST',
      'Rung/Api/RestApi/Default/studies/{studyId}/trials/{trialId}/measurements/POST',
    ]);
    expect(unacknowledged).toEqual([]);
    // The acknowledgements are not stale: without them the job routes are the only COG4 findings.
    const raw = new AwsSolutionsChecks();
    // NagPack's private acknowledgement check, switched off to see every finding (as nag.test.ts does).
    Object.assign(raw, { isAcknowledged: () => false });
    const cog4 = raw.validateScope(app).violations.filter((v) => v.ruleName.startsWith('AwsSolutions-COG4'));
    expect(cog4.flatMap((v) => v.violatingResources.map((r) => r.constructPath)).sort()).toEqual([
      'Rung/Api/RestApi/Default/studies/{studyId}/trials/{trialId}/checkpoint-url/POST/Resource',
      'Rung/Api/RestApi/Default/studies/{studyId}/trials/{trialId}/measurements/POST/Resource',
    ]);
  });

  it('reads rung:auth and an imported pool ARN, and refuses what it cannot use', () => {
    // Prepare
    const settingsOf = (context: Record<string, unknown>) =>
      readRungSettings(createRungApp({ bundling: false, context: { ...context } }).stack);
    const arn = 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123';
    // Act / Assess
    expect(settingsOf({}).auth).toBe('iam');
    expect(settingsOf({ 'rung:auth': 'cognito', 'rung:cognitoUserPoolArn': arn })).toMatchObject({
      auth: 'cognito',
      cognitoUserPoolArn: arn,
    });
    expect(() => settingsOf({ 'rung:auth': 'oidc' })).toThrow(RungSettingsError);
    expect(() => settingsOf({ 'rung:cognitoUserPoolArn': arn })).toThrow(/needs rung:auth=cognito/);
    expect(() => settingsOf({ 'rung:auth': 'cognito', 'rung:cognitoUserPoolArn': 'my-pool' })).toThrow(RungSettingsError);
  });
});
