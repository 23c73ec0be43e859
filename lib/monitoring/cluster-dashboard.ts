import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

import { METRICS } from '../../functions/core/metrics/catalogue.js';
import { catalogueEntry, clusterMetric } from './metric-factory.js';

/**
 * The dashboard's rows: which catalogue metrics go on which graph. Names only: the
 * metrics themselves come from the factory, and a test checks that every catalogue
 * metric is on exactly one graph.
 */
export const DASHBOARD_ROWS: ReadonlyArray<{
  readonly title: string;
  readonly left: readonly string[];
  readonly right?: readonly string[];
}> = [
  {
    title: 'Canary latency and outages',
    left: ['EndToEndLatencyP99Ms', 'MaxUnavailableMs', 'LongestProduceStallMs'],
    right: ['ProduceErrors', 'ProducedMessages'],
  },
  {
    title: 'Anomalies',
    left: [
      'LostMessages',
      'DuplicateMessages',
      'OutOfOrderMessages',
      'RedeliveredMessages',
      'SkippedMessages',
      'InconsistentOffsets',
    ],
  },
  {
    title: 'Reachability',
    left: [
      'UnreachableBrokers',
      'UnreachableBootstrap',
      'DnsFailures',
      'BrokerAddressChanges',
      'IpLiteralEndpoints',
    ],
  },
  {
    title: 'Leadership balance',
    left: ['UnderReplicatedPartitions', 'OfflinePartitions', 'CheckedPartitions'],
    right: ['LeaderSkew', 'PreferredLeaderRatio'],
  },
  { title: 'Verdict', left: ['VerificationFailed', 'VerificationInconclusive'] },
];

export interface ClusterDashboardProps {
  readonly cluster: string;
  /** The dashboard's name. @default `KafkaUpgradeVerifier-<cluster>` */
  readonly dashboardName?: string;
  /** Shown at the top: the cluster's alarms at a glance (its composite alarm). */
  readonly alarms?: readonly cloudwatch.IAlarm[];
}

/** One cluster's dashboard: a graph per row of DASHBOARD_ROWS, metrics from the factory. */
export class ClusterDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ClusterDashboardProps) {
    super(scope, id);
    const metric = (name: string) => clusterMetric(catalogueEntry(name), props.cluster);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `KafkaUpgradeVerifier-${props.cluster}`,
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          `# Kafka upgrade verification: ${props.cluster}\n` +
          'Each run publishes its figures once, at its end. Runbooks: `docs/runbooks/README.md`.',
        width: 24,
        height: 2,
      }),
    );
    if (props.alarms !== undefined && props.alarms.length > 0) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({
          title: 'Alarms',
          alarms: [...props.alarms],
          width: 24,
          height: 2,
        }),
      );
    }
    this.dashboard.addWidgets(
      ...DASHBOARD_ROWS.map(
        (row) =>
          new cloudwatch.GraphWidget({
            title: row.title,
            left: row.left.map(metric),
            right: (row.right ?? []).map(metric),
            width: 12,
            height: 6,
          }),
      ),
    );
  }
}

/** Catalogue metrics no dashboard row shows (a test keeps this empty). */
export function metricsMissingFromDashboard(): string[] {
  const shown = new Set(DASHBOARD_ROWS.flatMap((row) => [...row.left, ...(row.right ?? [])]));
  return METRICS.map((m) => m.name).filter((name) => !shown.has(name));
}
