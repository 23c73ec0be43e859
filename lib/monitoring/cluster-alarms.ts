import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

import type { ClusterConfig } from '../../functions/core/config/verifier-config.js';
import {
  METRICS,
  type AlarmComparison,
  type MetricDefinition,
} from '../../functions/core/metrics/catalogue.js';
import { clusterMetric } from './metric-factory.js';
import { runbookPath } from './runbooks.js';

export interface ClusterAlarmsProps {
  readonly cluster: ClusterConfig;
  /**
   * When given, every alarm publishes to it on ALARM and OK, as CloudWatch's own JSON:
   * for a stack without notify. With notify, alarms have no action: the stack's alarm
   * rule (lib/alerts.ts) sends their state changes to notify, which tells them as text.
   * @default no alarm action
   */
  readonly topic?: sns.ITopic;
  /**
   * The start of every alarm name: `<prefix>.<cluster>.<metric>`. Cluster names hold no
   * dot, so `<prefix>.<cluster>.` picks out one cluster's alarms (notify reads the cluster from it).
   */
  readonly alarmNamePrefix: string;
}

const COMPARISON: Record<AlarmComparison, cloudwatch.ComparisonOperator> = {
  GreaterThanThreshold: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  GreaterThanOrEqualToThreshold: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  LessThanThreshold: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
};

const COMPARISON_WORDS: Record<AlarmComparison, string> = {
  GreaterThanThreshold: 'above',
  GreaterThanOrEqualToThreshold: 'at or above',
  LessThanThreshold: 'below',
};

const MISSING_DATA = {
  notBreaching: cloudwatch.TreatMissingData.NOT_BREACHING,
} as const;

/** The prefix of a cluster's alarm names, as the alarm names use it. */
export function clusterAlarmPrefix(alarmNamePrefix: string, cluster: string): string {
  return `${alarmNamePrefix}.${cluster}.`;
}

/** The metrics a cluster alarms on, each with its threshold: the catalogue, overridden by the config. */
export function wantedAlarms(
  cluster: ClusterConfig,
): Array<{ readonly definition: MetricDefinition; readonly threshold: number }> {
  return METRICS.flatMap((definition) => {
    const override = cluster.alarms[definition.name] ?? {};
    const wanted = override.enabled ?? definition.alarm.wanted;
    return wanted
      ? [{ definition, threshold: override.threshold ?? definition.alarm.threshold }]
      : [];
  });
}

/**
 * One cluster's alarms: one per catalogue metric whose alarm the catalogue or the
 * configuration wants, and one composite alarm that is in ALARM while any of them is —
 * the cluster's one health signal for a dashboard or a pager. Through notify, each
 * metric alarm tells its ALARM and the composite its ALARM and its OK (one "all well
 * again" instead of one OK per metric).
 */
export class ClusterAlarms extends Construct {
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;
  readonly composite: cloudwatch.CompositeAlarm;

  constructor(scope: Construct, id: string, props: ClusterAlarmsProps) {
    super(scope, id);
    const name = props.cluster.name;
    const prefix = clusterAlarmPrefix(props.alarmNamePrefix, name);
    const action = props.topic === undefined ? undefined : new actions.SnsAction(props.topic);
    const alarms = new Map<string, cloudwatch.Alarm>();
    for (const { definition, threshold } of wantedAlarms(props.cluster)) {
      const { comparison, treatMissingData } = definition.alarm;
      const runbook = runbookPath(definition.name);
      const alarm = new cloudwatch.Alarm(this, definition.name, {
        alarmName: `${prefix}${definition.name}`,
        alarmDescription:
          `${definition.description} Cluster ${name}: ${definition.name} ${COMPARISON_WORDS[comparison]} ${threshold}. ` +
          `Runbook: ${runbook}. What to do: find the run's report in the run store (stack output RunStoreBucket), ` +
          `confirm the figure there, then follow the runbook's "What to do".`,
        metric: clusterMetric(definition, name),
        threshold,
        comparisonOperator: COMPARISON[comparison],
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: MISSING_DATA[treatMissingData],
      });
      if (action !== undefined) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
      alarms.set(definition.name, alarm);
    }
    this.alarms = alarms;
    this.composite = new cloudwatch.CompositeAlarm(this, 'Any', {
      compositeAlarmName: `${prefix}Any`,
      alarmDescription:
        `In ALARM while any of cluster ${name}'s kafka-upgrade-verifier alarms is; each of those tells its own ALARM. ` +
        'Runbooks: docs/runbooks/README.md.',
      alarmRule: cloudwatch.AlarmRule.anyOf(...alarms.values()),
    });
  }
}
