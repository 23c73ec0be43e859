/**
 * What a Lambda function needs to reach one configured cluster, for the function
 * constructs that come with the handlers: the cluster's VPC, subnets and security
 * groups imported by id (no lookup: `cdk synth` stays offline), and the grants to read
 * its secrets and, on Amazon MSK, to use it.
 */
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

import type { ClusterConfig } from '../functions/core/config/verifier-config.js';

/** A function's `vpc`, `vpcSubnets` and `securityGroups` for one cluster. */
export interface ClusterNetwork {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
}

/**
 * The cluster's network, imported by the ids in the configuration. `scope` gets one
 * child per cluster; call it once per cluster and scope.
 */
export function clusterNetwork(scope: Construct, cluster: ClusterConfig): ClusterNetwork {
  const net = new Construct(scope, `Network-${cluster.name}`);
  const vpc = ec2.Vpc.fromVpcAttributes(net, 'Vpc', {
    vpcId: cluster.vpc.vpcId,
    availabilityZones: Stack.of(scope).availabilityZones,
  });
  return {
    vpc,
    vpcSubnets: {
      subnets: cluster.vpc.subnetIds.map((id) => ec2.Subnet.fromSubnetId(net, id, id)),
    },
    securityGroups: cluster.vpc.securityGroupIds.map((id) =>
      ec2.SecurityGroup.fromSecurityGroupId(net, id, id, { mutable: false }),
    ),
  };
}

/** The cluster's topic and group ARNs on Amazon MSK (IAM access control names them so). */
function mskResourceArns(clusterArn: string, topic: string) {
  const [prefix, rest] = clusterArn.split(':cluster/') as [string, string];
  return {
    cluster: clusterArn,
    topic: `${prefix}:topic/${rest}/${topic}`,
    groups: `${prefix}:group/${rest}/${topic}*`,
    everyGroup: `${prefix}:group/${rest}/*`,
  };
}

/**
 * Lets `grantee` read the cluster's CA and SASL secrets and, with `msk-iam`, connect as
 * the canary does: write and read its topic, create it, move its replicas, use and
 * delete consumer groups named after it. Secrets encrypted with a customer-managed KMS key also need `kms:Decrypt` on
 * that key, which the configuration does not name.
 */
export function grantClusterAccess(
  grantee: iam.IGrantable,
  scope: Construct,
  cluster: ClusterConfig,
): void {
  const secrets = new Construct(scope, `Secrets-${cluster.name}`);
  const { caSecretArn, saslSecretArn } = cluster.security;
  for (const [id, arn] of [
    ['Ca', caSecretArn],
    ['Sasl', saslSecretArn],
  ] as const) {
    if (arn !== undefined)
      secretsmanager.Secret.fromSecretCompleteArn(secrets, id, arn).grantRead(grantee);
  }
  if (cluster.security.protocol !== 'msk-iam' || cluster.mskClusterArn === undefined) return;
  const arns = mskResourceArns(cluster.mskClusterArn, cluster.canary.topic);
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      // AlterCluster: the topic's replicas are moved (AlterPartitionReassignments) when
      // a broker leads none of its partitions.
      actions: [
        'kafka-cluster:Connect',
        'kafka-cluster:DescribeCluster',
        'kafka-cluster:AlterCluster',
        'kafka-cluster:WriteDataIdempotently',
      ],
      resources: [arns.cluster],
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [
        'kafka-cluster:CreateTopic',
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:WriteData',
        'kafka-cluster:ReadData',
      ],
      resources: [arns.topic],
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      // The canary's group and the read-back's throw-away groups, deleted after each
      // read-back (functions/core/canary/consumer.ts names both after the topic).
      actions: [
        'kafka-cluster:AlterGroup',
        'kafka-cluster:DescribeGroup',
        'kafka-cluster:DeleteGroup',
      ],
      resources: [arns.groups],
    }),
  );
}

/**
 * Lets `grantee` (the baseline) run the readiness check on an msk-iam cluster: read the
 * brokers' dynamic configuration (auto.leader.rebalance.enable and the imbalance
 * interval) and describe every consumer group (state, assignment protocol). Read-only:
 * no group's offsets, members' data or topic data.
 */
export function grantReadinessCheck(grantee: iam.IGrantable, cluster: ClusterConfig): void {
  if (cluster.security.protocol !== 'msk-iam' || cluster.mskClusterArn === undefined) return;
  const arns = mskResourceArns(cluster.mskClusterArn, cluster.canary.topic);
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kafka-cluster:DescribeClusterDynamicConfiguration'],
      resources: [arns.cluster],
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kafka-cluster:DescribeGroup'],
      resources: [arns.everyGroup],
    }),
  );
}

/** Lets `grantee` (msk-watch) see the MSK clusters' state and operations. */
export function grantMskWatch(grantee: iam.IGrantable, clusters: readonly ClusterConfig[]): void {
  const arns = clusters.flatMap((c) => (c.mskClusterArn === undefined ? [] : [c.mskClusterArn]));
  if (arns.length === 0) return;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kafka:DescribeClusterV2', 'kafka:ListClusterOperationsV2'],
      resources: arns,
    }),
  );
  // DescribeClusterOperationV2 is authorized on the operation's ARN, known only at run time.
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kafka:DescribeClusterOperationV2'],
      resources: arns.map((arn) => `${arn.replace(':cluster/', ':cluster-operation/')}/*`),
    }),
  );
}
