import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeManagedPolicy } from '../nag.js';
import type { ApiExecutionLogs } from '../settings.js';

/** Stage name: every route is under `/v1`. */
export const API_STAGE = 'v1';

/**
 * The routes the training jobs call, and the only ones their role may invoke: reporting a
 * measurement, and asking for a URL of their own checkpoint (the job token picks the trial).
 */
export const JOB_ROUTES = [
  { method: 'POST', path: '/studies/*/trials/*/measurements' },
  { method: 'POST', path: '/studies/*/trials/*/checkpoint-url' },
] as const;

/**
 * How people authenticate (infra/settings.ts `rung:auth`): SigV4 (IAM), or a Cognito user pool's
 * JWT. The measurement route that the training jobs call is IAM in both.
 */
export type ApiAuth = { mode: 'iam' } | { mode: 'cognito'; userPool: cognito.IUserPool };

export interface RungApiProps {
  /** @default IAM */
  readonly auth?: ApiAuth;
  /** `rung:apiExecutionLogs` (infra/settings.ts). @default off */
  readonly executionLogs?: ApiExecutionLogs;
}

/**
 * The rung REST API: IAM (SigV4) or Cognito authorization on every method, request validation,
 * access logs, X-Ray tracing. Routes are added with {@link RungApi.addRoutes} once the
 * handler exists (the handler needs the state machine, which needs the step functions,
 * one of which needs this API's URL: creating the RestApi first breaks that loop).
 */
export class RungApi extends Construct {
  readonly restApi: apigateway.RestApi;
  private readonly validator: apigateway.RequestValidator;
  readonly authMode: ApiAuth['mode'];
  /** Method options of the routes people call: IAM, or the Cognito authorizer. */
  private readonly personAuth: apigateway.MethodOptions;

  constructor(scope: Construct, id: string, props: RungApiProps = {}) {
    super(scope, id);
    const auth = props.auth ?? { mode: 'iam' };
    this.authMode = auth.mode;
    const executionLogs = props.executionLogs ?? 'off';

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.restApi = new apigateway.RestApi(this, 'RestApi', {
      description: 'rung: studies, trials and measurements',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Execution logs need the account-level API Gateway CloudWatch role; creating it rewrites a
      // region-wide setting that outlives the stack, so only `rung:apiExecutionLogs=create` does.
      cloudWatchRole: executionLogs === 'create',
      deployOptions: {
        stageName: API_STAGE,
        tracingEnabled: true,
        loggingLevel: executionLogs === 'off' ? apigateway.MethodLoggingLevel.OFF : apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        throttlingRateLimit: 100,
        throttlingBurstLimit: 200,
      },
      // IAM unless a route says otherwise: a method added without the person options is never open.
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
    });

    this.personAuth =
      auth.mode === 'cognito'
        ? {
            authorizationType: apigateway.AuthorizationType.COGNITO,
            // The ID token (it carries cognito:groups, whence the team) in the Authorization header.
            authorizer: new apigateway.CognitoUserPoolsAuthorizer(this, 'Authorizer', {
              cognitoUserPools: [auth.userPool],
              identitySource: apigateway.IdentitySource.header('Authorization'),
            }),
          }
        : { authorizationType: apigateway.AuthorizationType.IAM };

    this.validator = this.restApi.addRequestValidator('Validator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    if (executionLogs === 'create') {
      acknowledgeManagedPolicy(
        this.restApi,
        'service-role/AmazonAPIGatewayPushToCloudWatchLogs',
        'The account-level API Gateway logging role uses the AWS-maintained AmazonAPIGatewayPushToCloudWatchLogs policy, which is what API Gateway documents for execution logs.',
      );
    }
    if (executionLogs === 'off') {
      Validations.of(this.restApi).acknowledge({
        id: 'AwsSolutions-APIG6',
        reason:
          'Execution logs need the account-level API Gateway CloudWatch role, a region-wide setting shared by every REST API; rung does not change it unless asked (rung:apiExecutionLogs = account or create). Access logs and X-Ray traces stay on.',
      });
    }
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        auth.mode === 'cognito'
          ? 'No WAF web ACL: every method requires a Cognito JWT (or SigV4 for the job route) and the stage is throttled; a web ACL is billed monthly even while no study runs, which rung avoids.'
          : 'No WAF web ACL: every method requires SigV4 (IAM) authorization and the stage is throttled; a web ACL is billed monthly even while no study runs, which rung avoids.',
    });
    // With Cognito every person route has the authorizer, and only the job route is acknowledged (addRoutes).
    if (auth.mode === 'iam') {
      Validations.of(this.restApi).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'Callers are IAM principals (team users and roles, and the training job role) signing with SigV4; AuthorizationType.IAM is used on every method instead of a Cognito user pool (rung:auth=cognito switches people to one).',
      });
    }
  }

  /**
   * Base URL of the API without the stage (`https://{id}.execute-api.{region}.{suffix}`); the
   * v1 routes are under `/v1`. Built from the RestApi id only, so that it does not depend on the
   * deployment.
   */
  get baseUrl(): string {
    const stack = Stack.of(this);
    return `https://${this.restApi.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
  }

  /**
   * Every route, each a Lambda proxy integration of the API handler; with `dashboard`, also the
   * dashboard's static files (infra/constructs/dashboard-site.ts) on `GET /dashboard[/{proxy+}]`.
   */
  addRoutes(handler: lambda.IFunction, dashboard?: lambda.IFunction): void {
    const integration = new apigateway.LambdaIntegration(handler, { allowTestInvoke: false });

    const objectModel = this.restApi.addModel('JsonObject', {
      contentType: 'application/json',
      description: 'Any JSON object (the API handler validates the study spec with its own schema)',
      schema: { schema: apigateway.JsonSchemaVersion.DRAFT4, type: apigateway.JsonSchemaType.OBJECT },
    });
    const measurementModel = this.restApi.addModel('Measurement', {
      contentType: 'application/json',
      description: 'One measurement: { step, metrics: { name: number } }',
      schema: {
        schema: apigateway.JsonSchemaVersion.DRAFT4,
        type: apigateway.JsonSchemaType.OBJECT,
        required: ['step', 'metrics'],
        properties: {
          step: { type: apigateway.JsonSchemaType.NUMBER, minimum: 0 },
          metrics: {
            type: apigateway.JsonSchemaType.OBJECT,
            minProperties: 1,
            additionalProperties: { type: apigateway.JsonSchemaType.NUMBER },
          },
        },
      },
    });

    const path = (...names: string[]) => Object.fromEntries(names.map((n) => [`method.request.path.${n}`, true]));
    const options = (extra: apigateway.MethodOptions = {}): apigateway.MethodOptions => ({
      ...this.personAuth,
      requestValidator: this.validator,
      ...extra,
    });

    const studies = this.restApi.root.addResource('studies');
    studies.addMethod('GET', integration, options({ operationName: 'ListStudies' }));
    studies.addMethod('POST', integration, options({ operationName: 'CreateStudy', requestModels: { 'application/json': objectModel } }));

    const study = studies.addResource('{studyId}');
    const onStudy = (operationName: string, body = false) =>
      options({
        operationName,
        requestParameters: path('studyId'),
        ...(body ? { requestModels: { 'application/json': objectModel } } : {}),
      });
    const onTrial = (operationName: string, body = false) =>
      options({
        operationName,
        requestParameters: path('studyId', 'trialId'),
        ...(body ? { requestModels: { 'application/json': objectModel } } : {}),
      });
    study.addMethod('GET', integration, onStudy('GetStudy'));
    study.addMethod('PATCH', integration, onStudy('UpdateStudy', true));
    study.addResource('stop').addMethod('POST', integration, onStudy('StopStudy'));
    study.addResource('resume').addMethod('POST', integration, onStudy('ResumeStudy'));
    study.addResource('importance').addMethod('GET', integration, onStudy('GetImportance'));
    study.addResource('pareto').addMethod('GET', integration, onStudy('GetPareto'));

    const trials = study.addResource('trials');
    trials.addMethod('GET', integration, onStudy('ListTrials'));
    // Ask/tell and steering (docs/ask-tell.md): static names beside {trialId}.
    trials.addResource('suggest').addMethod('POST', integration, onStudy('SuggestTrial', true));
    trials.addResource('enqueue').addMethod('POST', integration, onStudy('EnqueueTrials', true));

    const trial = trials.addResource('{trialId}');
    trial.addMethod('GET', integration, onTrial('GetTrial'));
    trial.addResource('complete').addMethod('POST', integration, onTrial('CompleteTrial', true));
    trial.addResource('stop').addMethod('POST', integration, onTrial('StopTrial'));
    const measurements = trial.addResource('measurements').addMethod(
      'POST',
      integration,
      options({
        // The training jobs sign with their Batch job role (IAM) whatever people use.
        authorizationType: apigateway.AuthorizationType.IAM,
        authorizer: undefined,
        operationName: 'ReportMeasurement',
        requestParameters: path('studyId', 'trialId'),
        requestModels: { 'application/json': measurementModel },
      }),
    );
    const checkpointUrl = trial.addResource('checkpoint-url').addMethod(
      'POST',
      integration,
      options({
        authorizationType: apigateway.AuthorizationType.IAM,
        authorizer: undefined,
        operationName: 'GetCheckpointUrl',
        requestParameters: path('studyId', 'trialId'),
        requestModels: { 'application/json': objectModel },
      }),
    );
    if (this.authMode === 'cognito') {
      for (const method of [measurements, checkpointUrl])
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-COG4',
          reason:
            'The job routes (measurements, checkpoint URLs) are called by the training jobs, which sign with their Batch job role (SigV4), not by people; every other method has the Cognito user pool authorizer.',
        });
    }

    if (dashboard) {
      // The page's files hold no data, but take the same method options as every route above, so
      // that the page is behind the same authorization (and whatever it becomes) as the API.
      const site = new apigateway.LambdaIntegration(dashboard, { allowTestInvoke: false });
      const page = this.restApi.root.addResource('dashboard');
      page.addMethod('GET', site, options({ operationName: 'GetDashboard' }));
      page.addResource('{proxy+}').addMethod('GET', site, options({ operationName: 'GetDashboardFile', requestParameters: path('proxy') }));
    }
  }

  /** `execute-api:Invoke` ARNs of the job routes on the `v1` stage (literal stage: no dependency on the deployment). */
  get jobRouteArns(): string[] {
    return JOB_ROUTES.map((r) => this.restApi.arnForExecuteApi(r.method, r.path, API_STAGE));
  }
}
