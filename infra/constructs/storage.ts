import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * Key prefix of everything a study writes to the artifact bucket: checkpoints live at
 * `teams/{team}/studies/{studyId}/trials/{trialId}/checkpoint` (`checkpointUri` in
 * shared/study/job.ts, under `ARTIFACT_BASE_URI` = `s3://<bucket>`). Job, API and Finalize
 * grants are limited to it.
 */
export const STUDY_DATA_PREFIX = 'teams/';

/** Days after which an older version of an object (a checkpoint overwritten by a promotion) is deleted. */
export const NONCURRENT_VERSION_DAYS = 7;

/**
 * Everything rung keeps: one DynamoDB table (studies, trials, measurements; `pk`/`sk`),
 * one bucket for checkpoints and artifacts, and one bucket for logs (S3 server access
 * logs and VPC flow logs). Nothing here costs money while empty.
 */
export class Storage extends Construct {
  readonly table: dynamodb.Table;
  readonly artifactBucket: s3.Bucket;
  readonly logBucket: s3.Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // Idempotency records expire (shared/study/idempotency.ts writes expiresAt, epoch seconds).
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.logBucket = new s3.Bucket(this, 'LogBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // Server access log delivery supports SSE-S3 only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'expire-logs', expiration: Duration.days(365) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    this.artifactBucket = new s3.Bucket(this, 'ArtifactBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'artifact-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Every promotion overwrites a trial's checkpoint: older versions are kept a week only.
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(NONCURRENT_VERSION_DAYS),
          expiredObjectDeleteMarker: true,
        },
        // Checkpoints of finished studies are rarely read again: let S3 move them to cheaper tiers.
        {
          id: 'tier-old-study-data',
          prefix: STUDY_DATA_PREFIX,
          transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) }],
        },
      ],
    });
  }

  /** `s3://<bucket>`: the base of every checkpoint and artifact URI. */
  get artifactBaseUri(): string {
    return `s3://${this.artifactBucket.bucketName}`;
  }
}
