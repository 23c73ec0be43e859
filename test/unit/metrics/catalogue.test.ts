/**
 * The metrics catalogue (functions/core/metrics/catalogue.ts): every name DESIGN.md
 * promises, one definition each, and the datums read from reports shaped like the
 * history spec's (the fixtures' expected reports, and spec-shaped reachability and
 * balance sections).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, expectTypeOf, it } from 'vitest';

import { InputError } from '../../../functions/core/errors.js';
import type { Report } from '../../../functions/core/history/report.js';
import {
  CLUSTER_DIMENSION,
  METRICS,
  metricDefinition,
  NAMESPACE,
  type ReportInput,
} from '../../../functions/core/metrics/catalogue.js';
import { metricsFromReport } from '../../../functions/core/metrics/report-metrics.js';

/** DESIGN.md, "Names". */
const DESIGN_NAMES = [
  'LostMessages',
  'DuplicateMessages',
  'OutOfOrderMessages',
  'RedeliveredMessages',
  'SkippedMessages',
  'ProduceErrors',
  'MaxUnavailableMs',
  'EndToEndLatencyP99Ms',
  'UnreachableBrokers',
  'DnsFailures',
  'BrokerAddressChanges',
  'IpLiteralEndpoints',
  'LeaderSkew',
  'UnderReplicatedPartitions',
  'OfflinePartitions',
  'VerificationFailed',
  'VerificationInconclusive',
];

const FIXTURES = join(import.meta.dirname, '../../fixtures/history');

/** The fixtures' expected reports that are reports (not bad-input expectations). */
function fixtureReports(): Array<[string, ReportInput]> {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.expected.json'))
    .sort()
    .map((f) => [f, JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as ReportInput] as const)
    .filter(([, report]) => 'totals' in report)
    .map(([f, report]) => [f, report]);
}

/** A report with every section, its figures from the spec's examples. */
function fullReport(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    verdict: 'fail',
    totals: {
      produced: 11,
      failed: 1,
      lost: 2,
      duplicates: 3,
      outOfOrder: 4,
      inconsistentOffsets: 5,
      redelivered: 6,
      skipped: 7,
      maxUnavailableMs: 30_000,
    },
    partitions: [
      { endToEndLatencyMs: { p99: 120 }, scheduledLatencyMs: { max: 2800 } },
      { endToEndLatencyMs: null, scheduledLatencyMs: null },
      { endToEndLatencyMs: { p99: 340 }, scheduledLatencyMs: { max: 12_500 } },
    ],
    reachability: {
      totals: {
        unreachableBrokers: 1,
        unreachableBootstrap: 0,
        dnsFailures: 1,
        brokerAddressChanges: 2,
        ipLiteralEndpoints: 3,
      },
    },
    balance: {
      totals: {
        partitions: 3,
        leaderSkew: 2.25,
        preferredLeaderRatio: 0.33,
        underReplicated: 1,
        offline: 1,
      },
    },
    ...overrides,
  };
}

function values(report: ReportInput): Record<string, number | undefined> {
  const { datums } = metricsFromReport(report, { cluster: 'prod' });
  return Object.fromEntries(datums.map((d) => [d.MetricName, d.Value]));
}

function skippedNames(report: ReportInput): string[] {
  return metricsFromReport(report, { cluster: 'prod' }).skipped.map((s) => s.metric);
}

/** Reads a dotted path (`reachability.totals.dnsFailures`) from a JSON value. */
function atPath(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((v, key) => (v as Record<string, unknown> | null)?.[key], value);
}

describe('the metrics catalogue', () => {
  it('uses the namespace and dimension DESIGN.md names', () => {
    expect(NAMESPACE).toBe('KafkaUpgradeVerifier');
    expect(CLUSTER_DIMENSION).toBe('Cluster');
  });

  it('defines every metric DESIGN.md names', () => {
    const names = METRICS.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(DESIGN_NAMES));
  });

  it('also covers the reachability and balance totals the spec reports beyond DESIGN.md', () => {
    for (const name of [
      'UnreachableBootstrap',
      'PreferredLeaderRatio',
      'CheckedPartitions',
      'InconsistentOffsets',
    ]) {
      expect(metricDefinition(name)?.name).toBe(name);
    }
    expect(metricDefinition('NoSuchMetric')).toBeUndefined();
  });

  it('defines each name once, in CloudWatch-safe PascalCase', () => {
    const names = METRICS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[A-Z][A-Za-z0-9]{2,254}$/);
  });

  it('gives each metric a unit that fits its name: Ms is Milliseconds, counts are Count', () => {
    for (const m of METRICS) {
      expect(['Count', 'Milliseconds', 'None']).toContain(m.unit);
      if (m.name.endsWith('Ms')) expect(m.unit, m.name).toBe('Milliseconds');
      else if (
        /(Messages|Errors|Failures|Changes|Endpoints|Partitions|Brokers|Offsets)$/.test(m.name)
      )
        expect(m.unit, m.name).toBe('Count');
    }
    expect(metricDefinition('LeaderSkew')?.unit).toBe('None');
  });

  it('says in one line what each metric means and which report field it comes from', () => {
    for (const m of METRICS) {
      expect(m.description, m.name).toMatch(/^[A-Z].{10,100}\.$/);
      expect(m.description, m.name).not.toMatch(/\n/);
      expect(m.field, m.name).toMatch(
        /^(totals|reachability\.totals|balance\.totals|partitions|verdict)/,
      );
    }
  });

  it('gives each metric a default alarm with a finite threshold, and alarms on every fail criterion', () => {
    for (const m of METRICS) {
      expect(Number.isFinite(m.alarm.threshold), m.name).toBe(true);
      expect(m.alarm.statistic).toBe('Maximum');
      expect(m.alarm.treatMissingData).toBe('notBreaching');
    }
    // The spec's verdict: these above zero fail the run.
    for (const name of [
      'LostMessages',
      'DuplicateMessages',
      'SkippedMessages',
      'InconsistentOffsets',
      'OutOfOrderMessages',
      'UnreachableBrokers',
      'UnreachableBootstrap',
      'OfflinePartitions',
      'VerificationFailed',
    ]) {
      expect(metricDefinition(name)?.alarm, name).toMatchObject({
        wanted: true,
        comparison: 'GreaterThanThreshold',
        threshold: 0,
      });
    }
    expect(metricDefinition('LeaderSkew')?.alarm).toMatchObject({ wanted: true, threshold: 1.5 });
    expect(metricDefinition('RedeliveredMessages')?.alarm.wanted).toBe(false);
  });

  it('reads each plain-path metric from exactly the field it names', () => {
    const report = fullReport();
    for (const m of METRICS) {
      if (!/^(totals|reachability|balance)\./.test(m.field)) continue;
      expect(m.read(report), m.name).toEqual({ value: atPath(report, m.field) });
    }
  });

  it('takes the history module’s Report type as its input', () => {
    // The Report type is being rewritten to the spec; this fails typecheck if the two part.
    expectTypeOf<Report>().toExtend<ReportInput>();
  });
});

describe('metricsFromReport', () => {
  it.each(fixtureReports())('reads %s: its totals, verdict and worst p99', (_file, report) => {
    const got = values(report);
    const t = report.totals;
    // A null figure (nothing read back: lost and skipped) is not published at all.
    for (const [name, figure] of [
      ['LostMessages', t.lost],
      ['SkippedMessages', t.skipped],
    ] as const) {
      if (figure === null) expect(got).not.toHaveProperty(name);
      else expect(got).toHaveProperty(name, figure);
    }
    expect(got).toMatchObject({
      DuplicateMessages: t.duplicates,
      OutOfOrderMessages: t.outOfOrder,
      InconsistentOffsets: t.inconsistentOffsets,
      RedeliveredMessages: t.redelivered,
      ProducedMessages: t.produced,
      ProduceErrors: t.failed,
      MaxUnavailableMs: t.maxUnavailableMs,
      VerificationFailed: report.verdict === 'fail' ? 1 : 0,
      VerificationInconclusive: report.verdict === 'inconclusive' ? 1 : 0,
    });
    const p99s = report.partitions.flatMap((p) =>
      p.endToEndLatencyMs ? [p.endToEndLatencyMs.p99] : [],
    );
    expect(got.EndToEndLatencyP99Ms).toBe(p99s.length > 0 ? Math.max(...p99s) : undefined);
    const stalls = report.partitions.flatMap((p) =>
      p.scheduledLatencyMs ? [p.scheduledLatencyMs.max] : [],
    );
    expect(got.LongestProduceStallMs).toBe(stalls.length > 0 ? Math.max(...stalls) : undefined);
  });

  it('publishes the longest stall (tick to ack) of the worst partition, and names why there is none', () => {
    expect(values(fullReport()).LongestProduceStallMs).toBe(12_500);
    const { skipped } = metricsFromReport(
      fullReport({ partitions: [{ endToEndLatencyMs: null }] }),
      { cluster: 'prod' },
    );
    expect(skipped).toContainEqual({
      metric: 'LongestProduceStallMs',
      field: 'partitions[].scheduledLatencyMs.max (the largest)',
      reason: 'no acked send has a scheduledAt: the history was written before format v3',
    });
  });

  it('reads the rolling-101 example as the spec computes it', () => {
    const report = fixtureReports().find(([f]) => f === 'rolling-101.strict.expected.json')?.[1];
    expect(report).toBeDefined();
    expect(values(report!)).toMatchObject({
      LostMessages: 6,
      DuplicateMessages: 66,
      OutOfOrderMessages: 35,
      RedeliveredMessages: 86,
      ProduceErrors: 13,
      MaxUnavailableMs: 1201,
      EndToEndLatencyP99Ms: 228,
      VerificationFailed: 1,
    });
  });

  it('skips reachability and balance metrics when the report has no such section, saying why', () => {
    const { skipped } = metricsFromReport(fullReport({ reachability: null, balance: undefined }), {
      cluster: 'prod',
    });
    expect(skipped).toContainEqual({
      metric: 'UnreachableBrokers',
      field: 'reachability.totals.unreachableBrokers',
      reason: 'the report has no reachability section: the run made no probe',
    });
    expect(skipped).toContainEqual({
      metric: 'OfflinePartitions',
      field: 'balance.totals.offline',
      reason: 'the report has no balance section: the run looked at no leader',
    });
    expect(skipped).toHaveLength(10);
  });

  it('does not publish a null lost or skipped as 0 when nothing was read back', () => {
    const report = fullReport({
      verdict: 'inconclusive',
      totals: { ...fullReport().totals, lost: null, skipped: null },
    });
    const { datums, skipped } = metricsFromReport(report, { cluster: 'prod' });
    expect(datums.map((d) => d.MetricName)).not.toContain('LostMessages');
    expect(datums.map((d) => d.MetricName)).not.toContain('SkippedMessages');
    expect(skipped).toEqual([
      {
        metric: 'LostMessages',
        field: 'totals.lost',
        reason: 'the history has no log record: nothing was read back',
      },
      {
        metric: 'SkippedMessages',
        field: 'totals.skipped',
        reason: 'the history has no log record: nothing was read back',
      },
    ]);
    expect(values(report)).toMatchObject({ VerificationInconclusive: 1, VerificationFailed: 0 });
  });

  it('reads spec-shaped reachability and balance totals', () => {
    expect(values(fullReport())).toMatchObject({
      UnreachableBrokers: 1,
      UnreachableBootstrap: 0,
      DnsFailures: 1,
      BrokerAddressChanges: 2,
      IpLiteralEndpoints: 3,
      LeaderSkew: 2.25,
      PreferredLeaderRatio: 0.33,
      UnderReplicatedPartitions: 1,
      OfflinePartitions: 1,
      CheckedPartitions: 3,
      EndToEndLatencyP99Ms: 340,
    });
    expect(skippedNames(fullReport())).toEqual([]);
  });

  it('skips a null leaderSkew and an end-to-end latency no partition has', () => {
    const balance = fullReport().balance!;
    const report = fullReport({
      partitions: [{ endToEndLatencyMs: null, scheduledLatencyMs: { max: 40 } }],
      balance: { totals: { ...balance.totals, leaderSkew: null, preferredLeaderRatio: null } },
    });
    const { skipped } = metricsFromReport(report, { cluster: 'prod' });
    expect(skipped.map((s) => [s.metric, s.reason])).toEqual([
      [
        'EndToEndLatencyP99Ms',
        'no partition has an end-to-end latency: no group received a canary record',
      ],
      ['LeaderSkew', 'leaderSkew is null: no partition has a leader'],
      ['PreferredLeaderRatio', 'preferredLeaderRatio is null: no partition was seen'],
    ]);
  });

  it('skips a figure that is not a finite number rather than send what CloudWatch refuses', () => {
    const report = fullReport({ totals: { ...fullReport().totals, maxUnavailableMs: Number.NaN } });
    expect(metricsFromReport(report, { cluster: 'prod' }).skipped).toEqual([
      {
        metric: 'MaxUnavailableMs',
        field: 'totals.maxUnavailableMs',
        reason: 'totals.maxUnavailableMs is NaN, not a finite number',
      },
    ]);
  });

  it('puts the Cluster dimension and the catalogue unit on every datum, and no timestamp', () => {
    const { datums } = metricsFromReport(fullReport(), { cluster: 'prod-eu-1' });
    expect(datums).toHaveLength(METRICS.length);
    for (const d of datums) {
      expect(d.Dimensions).toEqual([{ Name: 'Cluster', Value: 'prod-eu-1' }]);
      expect(d.Unit).toBe(metricDefinition(d.MetricName!)?.unit);
      expect(d.Timestamp).toBeUndefined();
    }
  });

  it.each(['', '   ', 'x'.repeat(1025)])('rejects cluster name %j for the dimension', (cluster) => {
    expect(() => metricsFromReport(fullReport(), { cluster })).toThrow(InputError);
    expect(() => metricsFromReport(fullReport(), { cluster })).toThrow(
      /cannot be the Cluster dimension of a metric: give 1 to 1024 characters/,
    );
  });
});
