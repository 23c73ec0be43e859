import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Alerts } from './alerts.js';
import { RunStore } from './run-store.js';

export interface KafkaUpgradeVerifierStackProps extends StackProps {
  /** The cluster this stack verifies: the `Cluster` dimension of every metric. */
  readonly clusterName: string;
  /**
   * E-mail addresses subscribed to alarms and verdicts.
   * @default none
   */
  readonly alertEmails?: readonly string[];
  /**
   * Days a run's history and report are kept.
   * @default 90
   */
  readonly runRetentionDays?: number;
}

/** Everything kafka-upgrade-verifier deploys for one Kafka cluster. */
export class KafkaUpgradeVerifierStack extends Stack {
  readonly runStore: RunStore;
  readonly alerts: Alerts;

  constructor(scope: Construct, id: string, props: KafkaUpgradeVerifierStackProps) {
    super(scope, id, props);
    this.runStore = new RunStore(this, 'RunStore', {
      retention: Duration.days(props.runRetentionDays ?? 90),
    });
    this.alerts = new Alerts(this, 'Alerts', { emails: props.alertEmails ?? [] });
    new CfnOutput(this, 'RunStoreBucket', {
      value: this.runStore.bucket.bucketName,
      description: 'S3 bucket holding each run history and report',
    });
    new CfnOutput(this, 'AlertTopicArn', {
      value: this.alerts.topic.topicArn,
      description: 'SNS topic for alarms and verdicts: subscribe people here',
    });
  }
}
