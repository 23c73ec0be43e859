/**
 * The metrics publisher against a real AWS API emulator (moto's server): a report's
 * metrics go out through @aws-sdk/client-cloudwatch with dummy credentials and come
 * back by ListMetrics and GetMetricData with their names, Cluster dimension and
 * values. Needs no Kafka cluster (it runs in the integration project, whose global
 * setup starts one; this file does not use it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  CloudWatchClient,
  GetMetricDataCommand,
  ListMetricsCommand,
  type Metric,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  CLUSTER_DIMENSION,
  NAMESPACE,
  type ReportInput,
} from '../../../functions/core/metrics/catalogue.js';
import { metricsFromReport } from '../../../functions/core/metrics/report-metrics.js';
import { publishMetrics } from '../../../functions/core/metrics/publisher.js';
import {
  MOTO_CLIENT_CONFIG,
  type MotoServer,
  motoServerMissing,
  startMotoServer,
} from '../../support/aws.js';
import { secureRandom } from '../../support/kafka.js';
import { skipWithout } from '../requirements.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/history');

/**
 * rolling-101's expected report, with spec-shaped reachability and balance sections
 * added, and a format-v3 scheduled latency on each partition (rolling-101 is a v2
 * history, so without it LongestProduceStallMs would be skipped).
 */
function report(): ReportInput {
  const base = JSON.parse(
    readFileSync(join(FIXTURES, 'rolling-101.strict.expected.json'), 'utf8'),
  ) as ReportInput;
  return {
    ...base,
    partitions: base.partitions.map((p, i) => ({
      ...p,
      scheduledLatencyMs: { p50: 5, p99: 40, max: 1_000 * (i + 1) },
    })),
    reachability: {
      totals: {
        unreachableBrokers: 1,
        unreachableBootstrap: 0,
        dnsFailures: 2,
        brokerAddressChanges: 3,
        ipLiteralEndpoints: 0,
      },
    },
    balance: {
      totals: {
        partitions: 6,
        leaderSkew: 1.5,
        preferredLeaderRatio: 0.67,
        underReplicated: 1,
        offline: 0,
      },
    },
  };
}

async function listAll(client: CloudWatchClient, namespace: string): Promise<Metric[]> {
  const metrics: Metric[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(new ListMetricsCommand({ Namespace: namespace, NextToken }));
    metrics.push(...(page.Metrics ?? []));
    NextToken = page.NextToken;
  } while (NextToken !== undefined);
  return metrics;
}

describe.skipIf(skipWithout(motoServerMissing))(
  `CloudWatch metrics through moto server (${motoServerMissing ?? 'installed'})`,
  () => {
    let moto: MotoServer;
    let client: CloudWatchClient;

    beforeAll(async () => {
      moto = await startMotoServer();
      client = new CloudWatchClient({ ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint });
    });

    afterAll(async () => {
      client?.destroy();
      await moto?.stop();
    });

    beforeEach(async () => {
      await moto.reset();
    });

    it('publishes a report’s metrics and reads back each name, dimension and value', async () => {
      const cluster = `it-${secureRandom(4)}`;
      const { datums, skipped } = metricsFromReport(report(), { cluster });
      expect(skipped).toEqual([]);
      const before = Date.now();
      const result = await publishMetrics(client, datums);
      expect(result).toEqual({ published: datums.length, requests: 1, failed: [] });

      const listed = await listAll(client, NAMESPACE);
      expect(listed.map((m) => m.MetricName).sort()).toEqual(
        datums.map((d) => d.MetricName).sort(),
      );
      for (const metric of listed) {
        expect(metric.Dimensions).toEqual([{ Name: CLUSTER_DIMENSION, Value: cluster }]);
      }

      const read = await client.send(
        new GetMetricDataCommand({
          StartTime: new Date(before - 10 * 60_000),
          EndTime: new Date(Date.now() + 10 * 60_000),
          MetricDataQueries: datums.map((d, i) => ({
            Id: `m${i}`,
            Label: d.MetricName,
            MetricStat: {
              Metric: {
                Namespace: NAMESPACE,
                MetricName: d.MetricName,
                Dimensions: [{ Name: CLUSTER_DIMENSION, Value: cluster }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          })),
        }),
      );
      const got = Object.fromEntries(
        (read.MetricDataResults ?? []).map((r) => [r.Label, r.Values]),
      );
      expect(got).toEqual(Object.fromEntries(datums.map((d) => [d.MetricName, [d.Value]])));
      expect(got).toMatchObject({
        LostMessages: [6],
        DuplicateMessages: [66],
        EndToEndLatencyP99Ms: [228],
        LongestProduceStallMs: [3_000],
        UnreachableBrokers: [1],
        LeaderSkew: [1.5],
        VerificationFailed: [1],
        VerificationInconclusive: [0],
      });
    });

    it('sends 1500 datums in two requests that the API accepts, and every one is listed', async () => {
      const namespace = `KuvBatching${secureRandom(3)}`;
      const datums = Array.from({ length: 1500 }, (_, i) => ({
        MetricName: `Batch${i}`,
        Dimensions: [{ Name: CLUSTER_DIMENSION, Value: 'batch' }],
        Unit: 'Count' as const,
        Value: i,
      }));
      const result = await publishMetrics(client, datums, { namespace });
      expect(result).toEqual({ published: 1500, requests: 2, failed: [] });
      const listed = await listAll(client, namespace);
      expect(new Set(listed.map((m) => m.MetricName))).toEqual(
        new Set(datums.map((d) => d.MetricName)),
      );
    });

    it('reports every metric as not sent, and does not throw, when the endpoint is gone', async () => {
      const closed = new CloudWatchClient({
        ...MOTO_CLIENT_CONFIG,
        // Port 1 on loopback: nothing listens there.
        endpoint: 'http://127.0.0.1:1',
        maxAttempts: 1,
      });
      try {
        const { datums } = metricsFromReport(report(), { cluster: 'gone' });
        const result = await publishMetrics(closed, datums, { maxAttempts: 2, baseDelayMs: 10 });
        expect(result.published).toBe(0);
        expect(result.requests).toBe(2);
        expect(result.failed.map((f) => f.metric)).toEqual(datums.map((d) => d.MetricName));
        expect(result.failed[0]!.reason).toMatch(
          /^PutMetricData failed after 2 attempts: .*ECONNREFUSED/,
        );
      } finally {
        closed.destroy();
      }
    });
  },
);
