/**
 * Every metric kafka-upgrade-verifier publishes, in one place: its name, unit, meaning,
 * the report field it is read from (docs/history-format.md, "Report") and its default
 * alarm. The publisher, the alarms and the dashboard (lib/) all read this catalogue,
 * in the manner of cdk-monitoring-constructs' metric factories: definitions apart
 * from what is built on them.
 *
 * Pure: no AWS runtime here. The datum type is the SDK's, imported as a type only.
 */

/** The CloudWatch namespace of every metric (README.md, "Metrics"). */
export const NAMESPACE = 'KafkaUpgradeVerifier';

/** The one dimension on every metric: the name of the verified cluster. */
export const CLUSTER_DIMENSION = 'Cluster';

/** CloudWatch's longest dimension value (API reference, Dimension.Value: 1 to 1024 characters). */
export const MAX_DIMENSION_VALUE_LENGTH = 1024;

/** The CloudWatch units the catalogue uses (a subset of the API's StandardUnit values). */
export type MetricUnit = 'Count' | 'Milliseconds' | 'None';

/** CloudWatch's ComparisonOperator values an alarm on these metrics uses. */
export type AlarmComparison =
  'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold';

/** The default alarm on a metric. lib/ builds one when `wanted`; a deployment may tune it. */
export interface AlarmDefault {
  /** Whether the stack alarms on this metric by default (false: dashboard only). */
  readonly wanted: boolean;
  readonly comparison: AlarmComparison;
  readonly threshold: number;
  /**
   * A run publishes each metric once, at its end: the period's Maximum is that
   * figure. Missing data (no run in the period) is not a breach.
   */
  readonly statistic: 'Maximum';
  readonly treatMissingData: 'notBreaching';
}

/**
 * The fields of the report (`analyze --format json`) the metrics are read from, named
 * as the spec names them. A minimal structural type, so that any report shaped like
 * the spec's fits, however its full type is written; `reachability` and `balance` may
 * be absent (a report from before those checks existed) or null (the run made no probe,
 * looked at no leader).
 */
export interface ReportInput {
  readonly verdict: string;
  readonly totals: {
    readonly produced: number;
    readonly failed: number;
    readonly lost: number | null;
    readonly duplicates: number;
    readonly outOfOrder: number;
    readonly inconsistentOffsets: number;
    readonly redelivered: number;
    readonly skipped: number | null;
    readonly maxUnavailableMs: number;
  };
  readonly partitions: ReadonlyArray<{
    readonly endToEndLatencyMs: { readonly p99: number } | null;
    /** Format v3: tick to ack; absent from older reports. */
    readonly scheduledLatencyMs?: { readonly max: number } | null;
  }>;
  readonly reachability?: {
    readonly totals: {
      readonly unreachableBrokers: number;
      readonly unreachableBootstrap: number;
      readonly dnsFailures: number;
      readonly brokerAddressChanges: number;
      readonly ipLiteralEndpoints: number;
    };
  } | null;
  readonly balance?: {
    readonly totals: {
      readonly partitions: number;
      readonly leaderSkew: number | null;
      readonly preferredLeaderRatio: number | null;
      readonly underReplicated: number;
      readonly offline: number;
    };
  } | null;
}

/**
 * A figure read from a report: a number to publish, or why there is none. A null
 * figure is never published as 0: "nothing was read back" is not "nothing was lost".
 */
export type Reading = { readonly value: number } | { readonly missing: string };

export interface MetricDefinition {
  /** The CloudWatch metric name (README.md, "Metrics"). */
  readonly name: string;
  readonly unit: MetricUnit;
  /** What the metric means, in one line (for the dashboard and alarm descriptions). */
  readonly description: string;
  /** The report field it is read from, as a path in the report JSON. */
  readonly field: string;
  /** Reads the figure from a report. */
  readonly read: (report: ReportInput) => Reading;
  /**
   * True when the metric is also published live, at least every 30 s while a canary
   * runs (functions/core/live/publish.ts), as the run's count so far: the final datum
   * equals or supersedes the live ones, and the alarms' Maximum reads either the same
   * way. False: only the report has it (a read-back figure, a check made at the end,
   * or one that is expected to move while brokers restart). Where each live one comes
   * from: the session's counters (ProducedMessages, ProduceErrors,
   * LongestProduceStallMs), the live checker over the records (RedeliveredMessages,
   * SkippedMessages, DnsFailures; a Lambda slice's own count), and the CLI's following
   * reader (LostMessages as suspected now, DuplicateMessages, OutOfOrderMessages: final
   * only in AWS, whose slices have no following reader). README, "Live metrics".
   */
  readonly live: boolean;
  readonly alarm: AlarmDefault;
}

const NO_LOG = 'the history has no log record: nothing was read back';
const NO_PROBE = 'the report has no reachability section: the run made no probe';
const NO_LEADERS = 'the report has no balance section: the run looked at no leader';

function alarmAbove(threshold: number): AlarmDefault {
  return {
    wanted: true,
    comparison: 'GreaterThanThreshold',
    threshold,
    statistic: 'Maximum',
    treatMissingData: 'notBreaching',
  };
}

function noAlarm(comparison: AlarmComparison, threshold: number): AlarmDefault {
  return { ...alarmAbove(threshold), wanted: false, comparison };
}

const value = (v: number): Reading => ({ value: v });
const orMissing = (v: number | null, why: string): Reading =>
  v === null ? { missing: why } : { value: v };

type Totals = ReportInput['totals'];
type ReachabilityTotals = NonNullable<ReportInput['reachability']>['totals'];
type BalanceTotals = NonNullable<ReportInput['balance']>['totals'];

function fromTotals(key: keyof Totals): Pick<MetricDefinition, 'field' | 'read'> {
  return {
    field: `totals.${key}`,
    read: (r) => orMissing(r.totals[key], NO_LOG),
  };
}

function fromReachability(key: keyof ReachabilityTotals): Pick<MetricDefinition, 'field' | 'read'> {
  return {
    field: `reachability.totals.${key}`,
    read: (r) => (r.reachability ? value(r.reachability.totals[key]) : { missing: NO_PROBE }),
  };
}

function fromBalance(
  key: keyof BalanceTotals,
  whyNull = `${key} is null`,
): Pick<MetricDefinition, 'field' | 'read'> {
  return {
    field: `balance.totals.${key}`,
    read: (r) => (r.balance ? orMissing(r.balance.totals[key], whyNull) : { missing: NO_LEADERS }),
  };
}

/** The worst partition's p99: one slow partition is what an application feels. */
function longestStall(report: ReportInput): Reading {
  const stalls = report.partitions.flatMap((p) =>
    p.scheduledLatencyMs == null ? [] : [p.scheduledLatencyMs.max],
  );
  return stalls.length === 0
    ? { missing: 'no acked send has a scheduledAt: the history was written before format v3' }
    : value(Math.max(...stalls));
}

function worstEndToEndP99(report: ReportInput): Reading {
  const p99s = report.partitions.flatMap((p) =>
    p.endToEndLatencyMs === null ? [] : [p.endToEndLatencyMs.p99],
  );
  return p99s.length === 0
    ? { missing: 'no partition has an end-to-end latency: no group received a canary record' }
    : value(Math.max(...p99s));
}

/**
 * The catalogue, in the order the dashboard shows them: delivery, availability,
 * reachability, balance, then the verdict.
 */
export const METRICS: readonly MetricDefinition[] = [
  {
    name: 'LostMessages',
    unit: 'Count',
    description: 'Acknowledged canary messages not found when the log was read back.',
    ...fromTotals('lost'),
    live: true,
    alarm: alarmAbove(0),
  },
  {
    name: 'DuplicateMessages',
    unit: 'Count',
    description: 'Extra copies of canary messages written to the log at more than one offset.',
    ...fromTotals('duplicates'),
    live: true,
    alarm: alarmAbove(0),
  },
  {
    name: 'OutOfOrderMessages',
    unit: 'Count',
    description: 'Canary messages written to the log after a later message of the same producer.',
    ...fromTotals('outOfOrder'),
    live: true,
    alarm: alarmAbove(0),
  },
  {
    name: 'InconsistentOffsets',
    unit: 'Count',
    description: 'Log offsets that two reads of the log gave different messages at.',
    ...fromTotals('inconsistentOffsets'),
    live: false,
    alarm: alarmAbove(0),
  },
  {
    name: 'RedeliveredMessages',
    unit: 'Count',
    description: 'Canary records a consumer group received again (expected across a rebalance).',
    ...fromTotals('redelivered'),
    live: true,
    alarm: noAlarm('GreaterThanThreshold', 0),
  },
  {
    name: 'SkippedMessages',
    unit: 'Count',
    description: 'Logged canary records a consumer group passed over without receiving.',
    ...fromTotals('skipped'),
    live: true,
    alarm: alarmAbove(0),
  },
  {
    name: 'ProducedMessages',
    unit: 'Count',
    description: 'Canary messages the producer sent: the sample the other counts are out of.',
    ...fromTotals('produced'),
    live: true,
    alarm: noAlarm('LessThanThreshold', 1),
  },
  {
    name: 'ProduceErrors',
    unit: 'Count',
    description: 'Canary sends the cluster did not acknowledge (timeouts, leader moves).',
    ...fromTotals('failed'),
    live: true,
    alarm: noAlarm('GreaterThanThreshold', 0),
  },
  {
    name: 'MaxUnavailableMs',
    unit: 'Milliseconds',
    description: 'Longest time a partition accepted no canary write (failed sends only).',
    ...fromTotals('maxUnavailableMs'),
    // Counted from failed sends in the history; nothing counts it live yet (a stall is
    // LongestProduceStallMs, live).
    live: false,
    alarm: alarmAbove(60_000),
  },
  {
    name: 'LongestProduceStallMs',
    unit: 'Milliseconds',
    description: 'Longest wait of a canary message from its tick to its ack, failed sends or not.',
    field: 'partitions[].scheduledLatencyMs.max (the largest)',
    read: longestStall,
    live: true,
    alarm: alarmAbove(30_000),
  },
  {
    name: 'EndToEndLatencyP99Ms',
    unit: 'Milliseconds',
    description: "Worst partition's p99 time from send to first delivery to a consumer group.",
    field: 'partitions[].endToEndLatencyMs.p99 (the largest)',
    read: worstEndToEndP99,
    live: false,
    alarm: noAlarm('GreaterThanThreshold', 10_000),
  },
  {
    name: 'UnreachableBrokers',
    unit: 'Count',
    description: 'Brokers a client could not reach by their advertised name at the final check.',
    ...fromReachability('unreachableBrokers'),
    live: false,
    alarm: alarmAbove(0),
  },
  {
    name: 'UnreachableBootstrap',
    unit: 'Count',
    description:
      'Bootstrap endpoints, as clients are configured with them, unreachable at the end.',
    ...fromReachability('unreachableBootstrap'),
    live: false,
    alarm: alarmAbove(0),
  },
  {
    name: 'DnsFailures',
    unit: 'Count',
    description: 'Probes whose DNS lookup of a broker or bootstrap name failed.',
    ...fromReachability('dnsFailures'),
    live: true,
    alarm: alarmAbove(0),
  },
  {
    name: 'BrokerAddressChanges',
    unit: 'Count',
    description: 'Brokers whose endpoint or resolved addresses differ after the upgrade.',
    ...fromReachability('brokerAddressChanges'),
    live: false,
    alarm: noAlarm('GreaterThanThreshold', 0),
  },
  {
    name: 'IpLiteralEndpoints',
    unit: 'Count',
    description: 'Endpoints given as IP addresses, which break when broker addresses change.',
    ...fromReachability('ipLiteralEndpoints'),
    live: false,
    alarm: alarmAbove(0),
  },
  {
    name: 'LeaderSkew',
    unit: 'None',
    description: 'Most partitions led by one broker over the even share (1 is even).',
    ...fromBalance('leaderSkew', 'leaderSkew is null: no partition has a leader'),
    // The spec's default maxLeaderSkew: above it the verdict warns.
    live: false,
    alarm: alarmAbove(1.5),
  },
  {
    name: 'PreferredLeaderRatio',
    unit: 'None',
    description: 'Share of partitions led by their preferred replica (1 is all of them).',
    ...fromBalance('preferredLeaderRatio', 'preferredLeaderRatio is null: no partition was seen'),
    live: false,
    alarm: noAlarm('LessThanThreshold', 1),
  },
  {
    name: 'UnderReplicatedPartitions',
    unit: 'Count',
    description: 'Partitions with a leader whose in-sync replicas are fewer than their replicas.',
    ...fromBalance('underReplicated'),
    live: false,
    alarm: alarmAbove(0),
  },
  {
    name: 'OfflinePartitions',
    unit: 'Count',
    description: 'Partitions with no leader: nobody can write to or read from them.',
    ...fromBalance('offline'),
    live: false,
    alarm: alarmAbove(0),
  },
  {
    name: 'CheckedPartitions',
    unit: 'Count',
    description: 'Partitions whose leadership the balance check looked at.',
    ...fromBalance('partitions'),
    live: false,
    alarm: noAlarm('LessThanThreshold', 1),
  },
  {
    name: 'VerificationFailed',
    unit: 'Count',
    description: "One when the run's verdict is fail, zero otherwise.",
    field: 'verdict',
    read: (r) => value(r.verdict === 'fail' ? 1 : 0),
    live: false,
    alarm: alarmAbove(0),
  },
  {
    name: 'VerificationInconclusive',
    unit: 'Count',
    description: 'One when the run checked nothing it could decide on, zero otherwise.',
    field: 'verdict',
    read: (r) => value(r.verdict === 'inconclusive' ? 1 : 0),
    live: false,
    alarm: alarmAbove(0),
  },
];

/** The catalogue entry of a metric name; undefined for a name the catalogue lacks. */
export function metricDefinition(name: string): MetricDefinition | undefined {
  return METRICS.find((m) => m.name === name);
}
