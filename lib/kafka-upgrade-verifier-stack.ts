import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

import type { VerifierConfig } from '../functions/core/config/verifier-config.js';
import { Alerts, subscriptionsByEmail } from './alerts.js';
import { ClusterAlarms } from './monitoring/cluster-alarms.js';
import { ClusterDashboard } from './monitoring/cluster-dashboard.js';
import { functionsUnder, VerifierAlarms } from './monitoring/verifier-alarms.js';
import { RunStore } from './run-store.js';
import { UpgradeTriggers } from './triggers/upgrade-triggers.js';

export interface KafkaUpgradeVerifierStackProps extends StackProps {
  /** The clusters and settings, checked (functions/core/config/verifier-config.ts). */
  readonly config: VerifierConfig;
  /**
   * The verification state machine (input: RunInput, functions/core/config/events.ts).
   * It must be a STANDARD workflow: only those keep execution names unique, which is
   * what makes one run per cluster and upgrade.
   * @default a placeholder that fails every execution with "not deployed yet", so the
   * triggers can be deployed and exercised before the run itself exists
   */
  readonly run?: sfn.IStateMachine | RunFactory;
  /**
   * The msk-watch function, called on the configured schedule.
   * @default no poller
   */
  readonly mskWatch?: lambda.IFunction | ((scope: Construct) => lambda.IFunction);
}

/** What a run built inside the stack gets from it. */
export interface RunParts {
  readonly runStore: RunStore;
  readonly alerts: Alerts;
}

/** Builds the verification state machine inside the stack, from the stack's run store and alerts. */
export type RunFactory = (scope: Construct, parts: RunParts) => sfn.IStateMachine;

/**
 * Everything kafka-upgrade-verifier deploys, for every configured cluster: the run
 * store, the alert topic with its e-mail subscriptions, per cluster the alarms and a
 * dashboard, the triggers that start runs, and the alarms on the verifier itself.
 */
export class KafkaUpgradeVerifierStack extends Stack {
  readonly runStore: RunStore;
  readonly alerts: Alerts;
  readonly clusterAlarms: ReadonlyMap<string, ClusterAlarms>;
  readonly dashboards: ReadonlyMap<string, ClusterDashboard>;
  readonly triggers: UpgradeTriggers;
  readonly verifierAlarms: VerifierAlarms;

  constructor(scope: Construct, id: string, props: KafkaUpgradeVerifierStackProps) {
    super(scope, id, props);
    const { config } = props;
    const alarmNamePrefix = this.stackName;
    this.runStore = new RunStore(this, 'RunStore', {
      retention: Duration.days(config.runRetentionDays),
    });
    this.alerts = new Alerts(this, 'Alerts', {
      alarmNamePrefix,
      subscriptions: subscriptionsByEmail(config.clusters),
    });

    const run =
      typeof props.run === 'function'
        ? props.run(this, { runStore: this.runStore, alerts: this.alerts })
        : (props.run ?? this.placeholderRun());
    const clusterAlarms = new Map<string, ClusterAlarms>();
    const dashboards = new Map<string, ClusterDashboard>();
    for (const cluster of config.clusters) {
      const scope = new Construct(this, `Cluster-${cluster.name}`);
      const alarms = new ClusterAlarms(scope, 'Alarms', {
        cluster,
        // With notify, the alarm rule tells their state changes; without, they mail JSON.
        ...(this.alerts.notifier === undefined ? { topic: this.alerts.topic } : {}),
        alarmNamePrefix,
      });
      clusterAlarms.set(cluster.name, alarms);
      dashboards.set(
        cluster.name,
        new ClusterDashboard(scope, 'Dashboard', {
          cluster: cluster.name,
          dashboardName: `${alarmNamePrefix}-${cluster.name}`,
          alarms: [alarms.composite],
        }),
      );
    }
    this.clusterAlarms = clusterAlarms;
    this.dashboards = dashboards;

    const mskWatch = typeof props.mskWatch === 'function' ? props.mskWatch(this) : props.mskWatch;
    this.triggers = new UpgradeTriggers(this, 'Triggers', {
      run,
      runStore: this.runStore.bucket,
      clusters: config.clusters,
      scheduleMinutes: config.scheduleMinutes,
      ...(mskWatch === undefined ? {} : { mskWatch }),
    });

    // Last, so that it sees every function the stack has.
    this.verifierAlarms = new VerifierAlarms(this, 'VerifierAlarms', {
      topic: this.alerts.topic,
      ...(this.alerts.notifier === undefined ? {} : { notifier: this.alerts.notifier }),
      alarmNamePrefix,
      run,
      startRun: this.triggers.starter.startRun,
      finishUpgrade: this.triggers.starter.finishUpgrade,
      deadLetters: this.triggers.deadLetters,
      functions: functionsUnder(this),
    });

    new CfnOutput(this, 'RunStoreBucket', {
      value: this.runStore.bucket.bucketName,
      description: 'S3 bucket holding each run history and report',
    });
    new CfnOutput(this, 'AlertTopicArn', {
      value: this.alerts.topic.topicArn,
      description: 'SNS topic for alarms and verdicts: subscribe people here',
    });
    new CfnOutput(this, 'StartRunStateMachineArn', {
      value: this.triggers.starter.startRun.stateMachineArn,
      description:
        'Start a run by hand: aws stepfunctions start-execution with {cluster, upgradeKey, trigger}',
    });
    new CfnOutput(this, 'FinishUpgradeStateMachineArn', {
      value: this.triggers.starter.finishUpgrade.stateMachineArn,
      description:
        'Record by hand that an upgrade is over: aws stepfunctions start-execution with {cluster, upgradeKey, trigger}',
    });
    new CfnOutput(this, 'TriggerDeadLetterQueueUrl', {
      value: this.triggers.deadLetters.queueUrl,
      description: 'Trigger events EventBridge could not deliver',
    });
  }

  /** Stands in for the verification state machine until it is built: every run fails, saying so. */
  private placeholderRun(): sfn.StateMachine {
    const machine = new sfn.StateMachine(this, 'PlaceholderRun', {
      comment: 'Stands in for the kafka-upgrade-verifier run until its state machine is deployed',
      definitionBody: sfn.DefinitionBody.fromChainable(
        new sfn.Fail(this, 'RunNotDeployed', {
          error: 'RunNotDeployed',
          cause:
            'The verification state machine is not deployed in this stack yet: nothing was verified.',
        }),
      ),
    });
    Validations.of(machine).acknowledge({
      id: 'AwsSolutions-SF1',
      reason:
        'Placeholder with one Fail state: its execution history says all there is; the real run logs ALL.',
    });
    Validations.of(machine).acknowledge({
      id: 'AwsSolutions-SF2',
      reason: 'Placeholder with one Fail state: it calls nothing, there is nothing to trace.',
    });
    return machine;
  }
}
