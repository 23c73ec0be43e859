import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
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
   * The start of every alarm name (`<prefix>.<cluster>.<metric>`), which the alarm
   * rule matches.
   * @default 'KafkaUpgradeVerifier'
   */
  readonly alarmNamePrefix?: string;
}

/**
 * The SNS filter policy (on the message attributes) that lets through one set of
 * clusters' messages. notify sets the attribute `cluster` on every message it publishes
 * (docs/aws.md, "Notifications"): a cluster's name, or `_verifier` for the verifier's
 * own alarms, which every address gets (they are about the runs of all its clusters).
 * A message without the attribute is CloudWatch's own, published directly by an alarm
 * notify cannot tell (its own Errors and Throttles, or any alarm of a stack without
 * notify): every address gets those too, rather than nobody.
 */
export function clusterFilterPolicy(clusters: readonly string[]): Record<string, unknown> {
  return { cluster: [...clusters, VERIFIER_ALARM_SCOPE, { exists: false }] };
}

/**
 * The EventBridge pattern of this stack's alarm state changes: alarms named
 * `<prefix>.…` (cluster and verifier alarms alike), except those that publish to the
 * topic themselves (`direct`, by ARN), so that no change is told twice.
 */
export function alarmEventPattern(
  alarmNamePrefix: string,
  directAlarmArns: readonly string[] = [],
): events.EventPattern {
  return {
    source: ['aws.cloudwatch'],
    detailType: ['CloudWatch Alarm State Change'],
    detail: { alarmName: [{ prefix: `${alarmNamePrefix}.` }] },
    ...(directAlarmArns.length === 0
      ? {}
      : { resources: events.Match.anythingBut(...directAlarmArns) }),
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
  readonly alarmNamePrefix: string;
  /** The rule that sends alarm state changes to notify, once routeAlarmsTo made it. */
  alarmRule?: events.Rule;
  /** The function alarms are told through, once routeAlarmsTo named it. */
  notifier?: lambda.IFunction;

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
    this.alarmNamePrefix = prefix;
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
        filterPolicyScope: 'MessageAttributes',
        filterPolicy: clusterFilterPolicy(subscription.clusters),
      });
    });
  }

  /**
   * Sends every state change of this stack's alarms to `notify`, which tells it as
   * text on the topic, except the alarms named in `directAlarmNames`, which publish to
   * the topic themselves. EventBridge invokes notify asynchronously: Lambda retries a
   * failed invocation twice; what still fails is counted in notify's Errors alarm.
   */
  routeAlarmsTo(notify: lambda.IFunction, directAlarmNames: readonly string[] = []): events.Rule {
    const stack = Stack.of(this);
    const arns = directAlarmNames.map((name) =>
      stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    this.notifier = notify;
    this.alarmRule = new events.Rule(this, 'AlarmStateChanges', {
      description: `kafka-upgrade-verifier: state changes of the ${this.alarmNamePrefix}.* alarms, told as text by notify`,
      eventPattern: alarmEventPattern(this.alarmNamePrefix, arns),
      targets: [
        new targets.LambdaFunction(notify, {
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });
    return this.alarmRule;
  }
}
