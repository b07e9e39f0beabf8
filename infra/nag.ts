/**
 * cdk-nag acknowledgements, each for one finding (cdk-nag 3 matches `RuleId[Finding]`
 * exactly) and with its reason. Finding ids that name a resource are computed from the
 * same token the policy holds, flattened the way cdk-nag flattens it, so that they do not
 * depend on logical-id hashes, the account or the region. Call them after every
 * `overrideLogicalId` of the resources they name.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** `AwsSolutions-IAM5[Action::<action>]` on `scope` (and the policies below it). */
export function acknowledgeWildcardAction(scope: IConstruct, action: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason });
}

/** `AwsSolutions-IAM5[Resource::<flattened resource>]` for a resource ARN (token or literal) that holds a wildcard. */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  const flattened = flattenCfnReference(Stack.of(scope).resolve(resourceArn));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flattened}]`, reason });
}

/** `AwsSolutions-IAM4[Policy::<arn>]` for an AWS-managed policy attached below `scope`. */
export function acknowledgeManagedPolicy(scope: IConstruct, managedPolicyName: string, reason: string): void {
  const arn = iam.ManagedPolicy.fromAwsManagedPolicyName(managedPolicyName).managedPolicyArn;
  const flattened = flattenCfnReference(Stack.of(scope).resolve(arn));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM4[Policy::${flattened}]`, reason });
}

/** The action groups of CDK's bucket grants that contain a wildcard. */
export const S3_READ_WILDCARD_ACTIONS = ['s3:GetBucket*', 's3:GetObject*', 's3:List*'] as const;
export const S3_WRITE_WILDCARD_ACTIONS = ['s3:Abort*', 's3:DeleteObject*'] as const;
