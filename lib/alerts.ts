import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

import { VERIFIER_ALARM_SCOPE } from './monitoring/verifier-alarms.js';

/** An e-mail address and the clusters whose alarms and verdicts it gets. */
export interface AlertSubscription {
  readonly email: string;
  readonly clusters: readonly string[];
}

export interface AlertsProps {
  /**
   * E-mail subscriptions, each filtered to its clusters.
   * @default none: subscribe later in the console or with `aws sns subscribe`
   */
  readonly subscriptions?: readonly AlertSubscription[];
  /**
   * The start of every alarm name (`<prefix>.<cluster>.<metric>`), which the e-mail
   * filters match.
   * @default 'KafkaUpgradeVerifier'
   */
  readonly alarmNamePrefix?: string;
}

/**
 * The SNS filter policy (on the message body) that lets through one set of clusters'
 * messages: CloudWatch alarm notifications, whose `AlarmName` starts with
 * `<prefix>.<cluster>.`, and the verifier's own notifications, which carry a top-level
 * `cluster` (docs/aws.md, "Event contract"). Cluster names hold no dot, so one cluster's
 * prefix never matches another's alarms. Every address also gets the verifier's own
 * alarms (`<prefix>._verifier.`, lib/monitoring/verifier-alarms.ts): they are about
 * the runs of all its clusters.
 */
export function clusterFilterPolicy(
  alarmNamePrefix: string,
  clusters: readonly string[],
): Record<string, unknown> {
  return {
    $or: [
      {
        AlarmName: [...clusters, VERIFIER_ALARM_SCOPE].map((c) => ({
          prefix: `${alarmNamePrefix}.${c}.`,
        })),
      },
      { cluster: [...clusters] },
    ],
  };
}

/** Groups per-cluster e-mail lists into one subscription per address (SNS allows one). */
export function subscriptionsByEmail(
  clusters: ReadonlyArray<{ readonly name: string; readonly emails: readonly string[] }>,
): AlertSubscription[] {
  const byEmail = new Map<string, string[]>();
  for (const cluster of clusters) {
    for (const email of cluster.emails) {
      const key = email.toLowerCase();
      byEmail.set(key, [...(byEmail.get(key) ?? []), cluster.name]);
    }
  }
  return [...byEmail].map(([email, names]) => ({ email, clusters: [...new Set(names)] }));
}

/**
 * Where alarms and verdicts reach people: an SNS topic encrypted with its own KMS key,
 * which CloudWatch alarms may use (the AWS-managed SNS key does not let CloudWatch
 * publish), TLS only. CloudWatch may use the key only on behalf of this account
 * (`aws:SourceAccount`), so another account's alarms cannot borrow it (the
 * confused-deputy case). Each e-mail address gets only its clusters' messages.
 */
export class Alerts extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlertsProps = {}) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'kafka-upgrade-verifier alert topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Kafka upgrade verifier',
      masterKey: this.key,
      enforceSSL: true,
    });
    const prefix = props.alarmNamePrefix ?? 'KafkaUpgradeVerifier';
    // enforceSSL writes an AWS::SNS::TopicPolicy, and a topic policy replaces SNS's
    // default one: without this statement no alarm could publish. Only this account's
    // alarms, and only those named <prefix>.… (the confused-deputy case).
    const stack = Stack.of(this);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:${prefix}.*`,
          },
        },
      }),
    );
    (props.subscriptions ?? []).forEach((subscription, i) => {
      new sns.CfnSubscription(this, `Email${i}`, {
        topicArn: this.topic.topicArn,
        protocol: 'email',
        endpoint: subscription.email,
        filterPolicyScope: 'MessageBody',
        filterPolicy: clusterFilterPolicy(prefix, subscription.clusters),
      });
    });
  }
}
