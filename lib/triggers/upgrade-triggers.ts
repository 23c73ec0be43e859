import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

import { UPGRADE_FINISHED, UPGRADE_STARTED } from '../../functions/core/config/events.js';
import type { ClusterConfig } from '../../functions/core/config/verifier-config.js';
import { mskApiCallPattern, upgradeEventPattern } from './event-patterns.js';
import { StartRun } from './start-run.js';

export interface UpgradeTriggersProps {
  /** The verification state machine, started once per cluster and upgrade (input: RunInput). */
  readonly run: sfn.IStateMachine;
  /** The run store: upgrade-finished markers go under `upgrades/`. */
  readonly runStore: s3.IBucket;
  readonly clusters: readonly ClusterConfig[];
  /**
   * The msk-watch function, called on `scheduleMinutes` with the MSK clusters to poll.
   * @default no poller: MSK upgrades start runs through CloudTrail only, and their end is
   * seen only at `canary.maxDuration`
   */
  readonly mskWatch?: lambda.IFunction;
  /**
   * Minutes between msk-watch calls; null: no schedule.
   * @default 1
   */
  readonly scheduleMinutes?: number | null;
}

/** What the msk-watch schedule passes to its function (docs/aws.md, "Event contract"). */
export interface MskWatchInput {
  readonly clusters: ReadonlyArray<{ readonly cluster: string; readonly mskClusterArn: string }>;
  readonly startRunStateMachineArn: string;
  readonly finishUpgradeStateMachineArn: string;
}

/**
 * Everything that starts a verification run, or tells one its upgrade is over:
 *
 * - per Amazon MSK cluster, a rule on the broker-restarting MSK API calls through
 *   CloudTrail → start-run, with `{cluster, upgradeKey: ClusterOperationArn, trigger}`;
 * - `kafka-upgrade-verifier` / `Upgrade Started` for any configured cluster → start-run;
 * - `kafka-upgrade-verifier` / `Upgrade Finished` → finish-upgrade (the marker in the run store);
 * - the msk-watch schedule → the msk-watch function, with the MSK clusters to poll.
 *
 * Events EventBridge could not hand to a target after its retries land in `deadLetters`.
 */
export class UpgradeTriggers extends Construct {
  readonly starter: StartRun;
  readonly deadLetters: sqs.Queue;
  readonly mskApiRules: ReadonlyMap<string, events.Rule>;
  readonly startedRule: events.Rule;
  readonly finishedRule: events.Rule;
  readonly schedule: events.Rule | null;

  constructor(scope: Construct, id: string, props: UpgradeTriggersProps) {
    super(scope, id);
    this.starter = new StartRun(this, 'StartRun', { run: props.run, runStore: props.runStore });
    const { startRun, finishUpgrade } = this.starter;

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the trigger rules: its messages are read by a person.',
    });
    const delivery = {
      deadLetterQueue: this.deadLetters,
      retryAttempts: 8,
      maxEventAge: Duration.hours(2),
    };
    const field = events.EventField.fromPath;

    const mskApiRules = new Map<string, events.Rule>();
    for (const cluster of props.clusters) {
      if (cluster.mskClusterArn === undefined) continue;
      const operationArn = field('$.detail.responseElements.clusterOperationArn');
      const rule = new events.Rule(this, `MskApi-${cluster.name}`, {
        description: `Amazon MSK operations that restart brokers of ${cluster.name} start a verification run`,
        eventPattern: mskApiCallPattern(cluster.mskClusterArn),
      });
      rule.addTarget(
        new targets.SfnStateMachine(startRun, {
          ...delivery,
          input: events.RuleTargetInput.fromObject({
            cluster: cluster.name,
            upgradeKey: operationArn,
            trigger: {
              kind: 'msk-api',
              eventName: field('$.detail.eventName'),
              eventId: field('$.detail.eventID'),
              time: field('$.time'),
              operationArn,
            },
          }),
        }),
      );
      mskApiRules.set(cluster.name, rule);
    }
    this.mskApiRules = mskApiRules;

    const names = props.clusters.map((c) => c.name);
    const customInput = events.RuleTargetInput.fromObject({
      cluster: field('$.detail.cluster'),
      upgradeKey: field('$.detail.upgradeId'),
      trigger: {
        kind: 'custom',
        upgradeId: field('$.detail.upgradeId'),
        eventId: field('$.id'),
        time: field('$.time'),
      },
    });
    this.startedRule = new events.Rule(this, 'UpgradeStarted', {
      description: 'A pipeline says an upgrade of a configured cluster has started: start its run',
      eventPattern: upgradeEventPattern(UPGRADE_STARTED, names),
    });
    this.startedRule.addTarget(
      new targets.SfnStateMachine(startRun, { ...delivery, input: customInput }),
    );
    this.finishedRule = new events.Rule(this, 'UpgradeFinished', {
      description: 'A pipeline says an upgrade is over: record it, so its run settles and verifies',
      eventPattern: upgradeEventPattern(UPGRADE_FINISHED, names),
    });
    this.finishedRule.addTarget(
      new targets.SfnStateMachine(finishUpgrade, { ...delivery, input: customInput }),
    );

    const msk = props.clusters.flatMap((c) =>
      c.mskClusterArn === undefined ? [] : [{ cluster: c.name, mskClusterArn: c.mskClusterArn }],
    );
    const minutes = props.scheduleMinutes === undefined ? 1 : props.scheduleMinutes;
    this.schedule = null;
    if (props.mskWatch !== undefined && minutes !== null && msk.length > 0) {
      const input: MskWatchInput = {
        clusters: msk,
        startRunStateMachineArn: startRun.stateMachineArn,
        finishUpgradeStateMachineArn: finishUpgrade.stateMachineArn,
      };
      this.schedule = new events.Rule(this, 'MskWatchSchedule', {
        description:
          'msk-watch: polls the Amazon MSK clusters for operations CloudTrail did not show',
        schedule: events.Schedule.rate(Duration.minutes(minutes)),
      });
      this.schedule.addTarget(
        new targets.LambdaFunction(props.mskWatch, {
          ...delivery,
          maxEventAge: Duration.minutes(minutes),
          event: events.RuleTargetInput.fromObject(input),
        }),
      );
      startRun.grantStartExecution(props.mskWatch);
      finishUpgrade.grantStartExecution(props.mskWatch);
    }
  }
}
