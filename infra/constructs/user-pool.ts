import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/**
 * Cognito groups that name a team: a user in the group `rung-team-vision` acts for the team
 * `vision` (functions/api/identity.ts). Groups are managed by the pool's administrators; users
 * cannot put themselves in one, which is why the team comes from them and not from an attribute.
 */
export const TEAM_GROUP_PREFIX = 'rung-team-';

export interface RungUserPoolProps {
  /** An existing pool to trust (its users and groups are managed elsewhere); by default a new one. */
  readonly userPoolArn?: string;
}

/**
 * The people who may call the API when `rung:auth` is `cognito`: a user pool (or an imported one)
 * and an app client for the CLI and the dashboard. A new pool admits no self sign-up (an
 * administrator creates users and puts each in one team group), requires MFA (TOTP), a strong
 * password, and the Plus tier's threat protection in enforced mode; Plus is billed per monthly
 * active user, so an idle deployment still costs nothing.
 */
export class RungUserPool extends Construct {
  readonly userPool: cognito.IUserPool;
  readonly client: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: RungUserPoolProps = {}) {
    super(scope, id);
    this.userPool = props.userPoolArn
      ? cognito.UserPool.fromUserPoolArn(this, 'Pool', props.userPoolArn)
      : new cognito.UserPool(this, 'Pool', {
          selfSignUpEnabled: false,
          signInAliases: { email: true, username: true },
          mfa: cognito.Mfa.REQUIRED,
          mfaSecondFactor: { otp: true, sms: false },
          passwordPolicy: {
            minLength: 12,
            requireLowercase: true,
            requireUppercase: true,
            requireDigits: true,
            requireSymbols: true,
            tempPasswordValidity: Duration.days(3),
          },
          accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
          featurePlan: cognito.FeaturePlan.PLUS,
          standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
          deletionProtection: true,
          // Users and their team groups outlive a stack that is torn down and deployed again.
          removalPolicy: RemovalPolicy.RETAIN,
        });

    // A public client (no secret: the CLI and the browser cannot keep one) signing in with SRP.
    this.client = this.userPool.addClient('Client', {
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    new CfnOutput(this, 'UserPoolId', {
      value: this.userPool.userPoolId,
      description: 'Cognito user pool of rung callers (rung:auth=cognito)',
    });
    new CfnOutput(this, 'UserPoolClientId', {
      value: this.client.userPoolClientId,
      description: 'App client for the CLI and the dashboard (SRP sign-in, no secret)',
    });
  }
}
