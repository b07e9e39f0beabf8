import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface NetworkProps {
  /** Private subnets behind one NAT gateway instead of public subnets only. */
  readonly privateSubnets: boolean;
  /** Where the VPC flow logs go (S3: no charge while nothing runs, cheaper than CloudWatch Logs when it does). */
  readonly flowLogBucket: s3.IBucket;
}

/**
 * The VPC the Batch GPU instances run in. By default public subnets only: no NAT gateway and
 * no interface endpoints, so nothing here is billed while no instance runs. Instances get a
 * public IP for image pulls, S3 and the rung API, and a security group that admits no inbound
 * traffic. `rung:privateSubnets` adds private subnets behind one NAT gateway.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly batchSecurityGroup: ec2.SecurityGroup;
  readonly batchSubnets: ec2.SubnetSelection;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);

    const subnetConfiguration: ec2.SubnetConfiguration[] = [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20, mapPublicIpOnLaunch: !props.privateSubnets },
    ];
    if (props.privateSubnets) {
      subnetConfiguration.push({ name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 });
    }

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.64.0.0/16'),
      maxAzs: 3,
      natGateways: props.privateSubnets ? 1 : 0,
      subnetConfiguration,
      // Gateway endpoints are free: S3 traffic (checkpoints) skips the NAT gateway when there is one.
      gatewayEndpoints: props.privateSubnets ? { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } } : undefined,
      flowLogs: {
        ToS3: {
          destination: ec2.FlowLogDestination.toS3(props.flowLogBucket, 'vpc-flow-logs/'),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });

    this.batchSubnets = { subnetType: props.privateSubnets ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PUBLIC };

    this.batchSecurityGroup = new ec2.SecurityGroup(this, 'BatchSecurityGroup', {
      vpc: this.vpc,
      description: 'rung Batch GPU instances: no inbound; outbound for image pulls, S3 checkpoints and the rung API',
      allowAllOutbound: true,
    });
  }
}
