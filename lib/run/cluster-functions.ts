/**
 * One cluster's run functions — baseline, canary-slice, reachability, verify — each
 * with only what it needs: the three that reach Kafka run in the cluster's VPC with its
 * secrets and (on Amazon MSK) IAM access to the canary topic and group; every one may
 * touch only its cluster's part of the run store; verify may publish metrics to the
 * verifier's namespace only.
 */
import { Annotations, CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

import type { ClusterConfig } from '../../functions/core/config/verifier-config.js';
import { NAMESPACE } from '../../functions/core/metrics/catalogue.js';
import { clusterNetwork, grantClusterAccess, grantReadinessCheck } from '../cluster-access.js';
import { VerifierFunction } from './verifier-function.js';

/** How long one canary slice runs; the function's timeout leaves room for the read-back. */
export const SLICE = Duration.minutes(10);

/**
 * The canary-slice function's memory for a canary topic of `partitions` partitions:
 * 512 MB up to 64 partitions, 256 MB more for each further 64 started, at most Lambda's
 * 10,240 MB. What grows with partitions: the records kept until the next flush (30 s of
 * a produce and a consume line per message), kafkajs's per-partition fetch buffers, the
 * sends in flight; and Lambda's CPU share grows with memory (docs/aws.md, "Memory").
 */
export function canarySliceMemoryMb(partitions: number): number {
  const extra = Math.ceil(Math.max(0, partitions - 64) / 64);
  return Math.min(10_240, 512 + 256 * extra);
}

export interface ClusterFunctionsProps {
  readonly cluster: ClusterConfig;
  readonly runStore: s3.IBucket;
}

/** The cluster's configuration as the handlers read it (KUV_CLUSTER_CONFIG): ARNs, no secrets. */
function clusterEnvironment(cluster: ClusterConfig, bucket: string): Record<string, string> {
  const { name, bootstrap, security, canary, policy, windowMs, mskClusterArn } = cluster;
  const handlerConfig = { name, bootstrap, security, canary, policy, windowMs, mskClusterArn };
  return { KUV_CLUSTER_CONFIG: JSON.stringify(handlerConfig), KUV_RUN_BUCKET: bucket };
}

export class ClusterFunctions extends Construct {
  readonly baseline: VerifierFunction;
  readonly canarySlice: VerifierFunction;
  readonly reachability: VerifierFunction;
  readonly verify: VerifierFunction;

  /** baseline, canary-slice, reachability, verify. */
  get all(): VerifierFunction[] {
    return [this.baseline, this.canarySlice, this.reachability, this.verify];
  }

  constructor(scope: Construct, id: string, props: ClusterFunctionsProps) {
    super(scope, id);
    const { cluster, runStore } = props;
    const network = clusterNetwork(this, cluster);
    const environment = clusterEnvironment(cluster, runStore.bucketName);
    const name = cluster.name;
    this.baseline = new VerifierFunction(this, 'Baseline', {
      handler: 'baseline',
      description: `kafka-upgrade-verifier ${name}: preflight, canary topic, baseline probes`,
      timeout: Duration.minutes(5),
      environment,
      network,
    });
    this.canarySlice = new VerifierFunction(this, 'CanarySlice', {
      handler: 'canary-slice',
      description: `kafka-upgrade-verifier ${name}: one canary slice, or the read-back`,
      memorySize: canarySliceMemoryMb(cluster.canary.partitions),
      timeout: Duration.minutes(15),
      environment: { ...environment, KUV_SLICE_MS: String(SLICE.toMilliseconds()) },
      network,
    });
    this.reachability = new VerifierFunction(this, 'Reachability', {
      handler: 'reachability',
      description: `kafka-upgrade-verifier ${name}: after-probes of every broker`,
      timeout: Duration.minutes(2),
      environment,
      network,
    });
    this.verify = new VerifierFunction(this, 'Verify', {
      handler: 'verify',
      description: `kafka-upgrade-verifier ${name}: analyse the history, report, metrics`,
      memorySize: 2048,
      timeout: Duration.minutes(15),
      environment,
      // report.html inlines uPlot's browser build, read where the report module resolves it.
      bundledFiles: [
        'node_modules/uplot/package.json',
        'node_modules/uplot/dist/uPlot.iife.min.js',
        'node_modules/uplot/dist/uPlot.min.css',
      ],
    });

    const history = runStore.arnForObjects(`runs/${name}/*`);
    for (const fn of [this.baseline, this.canarySlice, this.reachability]) {
      grantClusterAccess(fn, fn, cluster);
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [history] }),
      );
    }
    // The readiness check the run starts with (docs/preflight.md): broker configs, groups,
    // and on MSK the cluster's state and its AWS/Kafka metrics (CPU, quiet hours).
    grantReadinessCheck(this.baseline, cluster);
    if (cluster.mskClusterArn !== undefined) {
      this.baseline.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kafka:DescribeClusterV2'],
          resources: [cluster.mskClusterArn],
        }),
      );
      // The baseline's readiness check reads broker CPU and traffic; verify reads each
      // broker's BytesInPerSec and LeaderCount over the run (the report's mskBrokers).
      for (const fn of [this.baseline, this.verify]) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }),
        );
      }
    }
    // The finished-marker check lists upgrades/<cluster>/ (ListObjectsV2 with the key as
    // prefix): a HeadObject of a missing marker would be 403 without an unconditional
    // s3:ListBucket, which would let the slice list the whole bucket.
    this.canarySlice.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [runStore.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`upgrades/${name}/*`] } },
      }),
    );
    this.verify.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [history] }),
    );
    this.verify.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [runStore.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`runs/${name}/*`] } },
      }),
    );
    // verify publishes the report's final metrics; canary-slice the live ones, every
    // ≤ 30 s while it runs (functions/core/live/publish.ts), so the alarms fire mid-upgrade.
    for (const fn of [this.verify, this.canarySlice]) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': NAMESPACE } },
        }),
      );
    }
    // verify tells a run's end on the default bus (`Verification Finished`), canary-slice
    // its first hard live finding (`Verification Anomaly`; docs/events.md): PutEvents on
    // that bus only.
    for (const fn of [this.verify, this.canarySlice]) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['events:PutEvents'],
          resources: [
            Stack.of(this).formatArn({
              service: 'events',
              resource: 'event-bus',
              resourceName: 'default',
            }),
          ],
        }),
      );
    }
    acknowledge(this, runStore, name);
    if (cluster.security.protocol === 'msk-iam' && cluster.mskClusterArn !== undefined) {
      const [prefix, rest] = cluster.mskClusterArn.split(':cluster/') as [string, string];
      Validations.of(this).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${prefix}:group/${rest}/${cluster.canary.topic}*]`,
        reason:
          'MSK IAM names consumer groups by ARN: the canary group (<topic>-group) and the read-back throw-away groups (<topic>-reader-<runId>-…, deleted after each read-back) are all named after the canary topic, so this pattern covers them and no application group.',
      });
      Validations.of(this).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${prefix}:group/${rest}/*]`,
        reason:
          'The baseline’s readiness check describes every consumer group of the cluster (state and assignment protocol: eager assignors stop every member at each restart). DescribeGroup only, on this cluster only, for the baseline only: no group is joined, altered or deleted through it.',
      });
    }
    Annotations.of(this).acknowledgeWarning(
      '@aws-cdk/aws-ec2:noSubnetRouteTableId',
      'The subnets are imported by id for the functions’ network interfaces only; nothing here reads their route tables.',
    );
  }
}

function acknowledge(scope: Construct, runStore: s3.IBucket, cluster: string): void {
  const cfnBucket = runStore.node.defaultChild;
  const bucketId =
    cfnBucket instanceof CfnElement ? Stack.of(cfnBucket).getLogicalId(cfnBucket) : undefined;
  const reasons: Array<[string, string]> = [
    [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'The AWS-managed basic execution role lets the function write its own log streams only; the log group is the function’s own.',
    ],
    [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      'The AWS-managed VPC access role is what Lambda needs to attach its network interfaces in the cluster’s subnets; ec2:CreateNetworkInterface accepts no narrower resource.',
    ],
    [
      'AwsSolutions-IAM5[Resource::*]',
      'cloudwatch:PutMetricData and cloudwatch:GetMetricData accept no resource ARN. PutMetricData is limited to the KafkaUpgradeVerifier namespace by the cloudwatch:namespace condition; GetMetricData (read-only, MSK clusters only: the baseline’s readiness check of broker CPU and traffic, and verify’s per-broker BytesInPerSec and LeaderCount over the run, in AWS/Kafka) has no condition key to narrow it.',
    ],
  ];
  if (bucketId !== undefined) {
    reasons.push([
      `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/runs/${cluster}/*]`,
      `Each run writes history parts and a report under runs/${cluster}/<runId>/, a name known only at run time: the function may touch its own cluster's runs and nothing else.`,
    ]);
  }
  for (const [id, reason] of reasons) Validations.of(scope).acknowledge({ id, reason });
}
