/**
 * The readiness check's MSK part against moto (issue 18): an MSK cluster made with
 * CreateClusterV2 (moto keeps it CREATING: an operation in progress), AWS/Kafka
 * metrics put by the test (CpuUser + CpuSystem over 24 h, 14 days of BytesInPerSec),
 * read back by the real gather (DescribeClusterV2, GetMetricData) and judged. The
 * quiet window is checked against one this test computes from the same numbers, by
 * brute force over every start hour; and `preflight --msk-arn` on the shared local
 * cluster carries the MSK findings beside the Kafka ones.
 */
import {
  CloudWatchClient,
  PutMetricDataCommand,
  type MetricDatum,
} from '@aws-sdk/client-cloudwatch';
import { CreateClusterV2Command, KafkaClient } from '@aws-sdk/client-kafka';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { preflightCommand } from '../../../bin/commands/preflight.js';
import { mskFindings } from '../../../functions/core/readiness/msk-check.js';
import type { ReadinessReport } from '../../../functions/core/readiness/index.js';
import {
  fixMotoKafkaDates,
  MOTO_CLIENT_CONFIG,
  type MotoServer,
  motoServerMissing,
  startMotoServer,
} from '../../support/aws.js';
import { testCluster } from '../../support/cluster.js';
import { skipWithout } from '../requirements.js';

const HOUR = 3_600_000;
const NOW = Math.floor(Date.now() / HOUR) * HOUR;

/** Broker b's bytes in at an hour: quiet at 04:00–06:00 UTC most days, with noise. */
function bytesIn(broker: number, at: number): number {
  const hour = new Date(at).getUTCHours();
  const day = Math.floor(at / (24 * HOUR));
  const base = hour === 4 || hour === 5 ? 200_000 : 3_000_000 + hour * 10_000;
  // Day-to-day noise, and one night of a batch job in the quiet hours.
  return (
    base +
    ((day * 7919 + broker * 104_729 + hour * 31) % 50_000) +
    (day % 14 === 3 && hour === 4 ? 9e7 : 0)
  );
}

describe.skipIf(skipWithout(motoServerMissing))('preflight on Amazon MSK (moto)', () => {
  let moto: MotoServer;
  let arn = '';
  const saved = { ...process.env };
  const points: { broker: number; at: number; value: number }[] = [];

  beforeAll(async () => {
    moto = await startMotoServer();
    const aws = { ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint };
    const kafka = new KafkaClient(aws);
    const created = await kafka.send(
      new CreateClusterV2Command({
        ClusterName: 'prod-orders',
        Provisioned: {
          KafkaVersion: '3.9.x',
          NumberOfBrokerNodes: 3,
          BrokerNodeGroupInfo: {
            InstanceType: 'kafka.m7g.large',
            ClientSubnets: ['subnet-1', 'subnet-2', 'subnet-3'],
          },
        },
      }),
    );
    kafka.destroy();
    arn = created.ClusterArn!;
    const cloudWatch = new CloudWatchClient(aws);
    const datums: MetricDatum[] = [];
    const dims = (broker: number) => [
      { Name: 'Cluster Name', Value: 'prod-orders' },
      { Name: 'Broker ID', Value: String(broker) },
    ];
    for (let broker = 1; broker <= 3; broker++) {
      for (let at = NOW - 14 * 24 * HOUR; at < NOW; at += HOUR) {
        const value = bytesIn(broker, at);
        points.push({ broker, at, value });
        datums.push({
          MetricName: 'BytesInPerSec',
          Dimensions: dims(broker),
          Timestamp: new Date(at),
          Value: value,
        });
      }
      for (let at = NOW - 24 * HOUR; at < NOW; at += HOUR) {
        // Broker 2 peaks at 45 + 25 = 70 % one hour; the others stay near 30 %.
        const peak = broker === 2 && at === NOW - 5 * HOUR;
        datums.push(
          {
            MetricName: 'CpuUser',
            Dimensions: dims(broker),
            Timestamp: new Date(at),
            Value: peak ? 45 : 20,
          },
          {
            MetricName: 'CpuSystem',
            Dimensions: dims(broker),
            Timestamp: new Date(at),
            Value: peak ? 25 : 8,
          },
        );
      }
    }
    for (let i = 0; i < datums.length; i += 500) {
      await cloudWatch.send(
        new PutMetricDataCommand({ Namespace: 'AWS/Kafka', MetricData: datums.slice(i, i + 500) }),
      );
    }
    cloudWatch.destroy();
  }, 120_000);

  afterAll(async () => {
    process.env = saved;
    await moto?.stop();
  });

  /** The quiet window computed here: per hour of the day the median over the days of the brokers' sum. */
  function expectedWindow(): number {
    const sums = new Map<number, number>();
    for (const p of points) sums.set(p.at, (sums.get(p.at) ?? 0) + p.value);
    const byHour: number[][] = Array.from({ length: 24 }, () => []);
    for (const [at, v] of sums) byHour[new Date(at).getUTCHours()]!.push(v);
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    const typical = byHour.map(median);
    const scores = typical.map((_, start) => typical[start]! + typical[(start + 1) % 24]!);
    return scores.indexOf(Math.min(...scores));
  }

  it('blocks the cluster while an operation runs, warns on broker 2’s CPU, and gives the quiet window the test computes', async () => {
    const aws = { ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint };
    const kafka = new KafkaClient(aws);
    fixMotoKafkaDates(kafka as never);
    const cloudWatch = new CloudWatchClient(aws);
    try {
      const found = await mskFindings(arn, { kafka, cloudWatch }, 'Europe/Berlin', NOW);
      expect(
        found.map((f) => [f.severity, f.rule, f.subject.broker ?? null]),
        JSON.stringify(found),
      ).toEqual([
        ['block', 'msk-cluster-not-active', null],
        ['warn', 'msk-cpu-high', 2],
        ['info', 'msk-quiet-hours', null],
      ]);
      expect(found[0]!.measured).toBe('MSK cluster prod-orders is CREATING, not ACTIVE');
      expect(found[1]!.measured).toContain('70.0 %');
      const start = expectedWindow();
      expect(start).toBe(4);
      const hh = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
      expect(found[2]!.measured).toContain(`${hh(start)}–${hh(start + 2)} UTC`);
      expect(found[2]!.measured).toContain('Europe/Berlin');
    } finally {
      kafka.destroy();
      cloudWatch.destroy();
    }
  });

  it('says what to grant, and goes on, when the cluster cannot be read', async () => {
    const aws = { ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint };
    const kafka = new KafkaClient(aws);
    const cloudWatch = new CloudWatchClient(aws);
    try {
      const missing = arn.replace(/cluster\/[^/]+/, 'cluster/nowhere');
      const found = await mskFindings(missing, { kafka, cloudWatch });
      expect(found.map((f) => [f.severity, f.rule])).toEqual([['warn', 'msk-unchecked']]);
      expect(found[0]!.change).toContain('kafka:DescribeClusterV2');
    } finally {
      kafka.destroy();
      cloudWatch.destroy();
    }
  });

  it('preflight --msk-arn on the shared cluster shows the MSK findings with the Kafka ones (exit 1: the block)', async () => {
    const cluster = testCluster();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    // The command makes its own client: moto's date deviation is corrected on it too.
    const send = KafkaClient.prototype.send;
    const sendSpy = vi.spyOn(KafkaClient.prototype, 'send').mockImplementation(function (
      this: KafkaClient,
      ...args: Parameters<typeof send>
    ) {
      if (!fixed.has(this)) {
        fixed.add(this);
        fixMotoKafkaDates(this as never);
      }
      return send.apply(this, args);
    } as typeof send);
    const fixed = new WeakSet<KafkaClient>();
    let code: number;
    try {
      code = await preflightCommand.run([
        '--bootstrap',
        cluster.bootstrap,
        ...(cluster.dnsServer === null ? [] : ['--dns-server', cluster.dnsServer]),
        '--msk-arn',
        arn,
        '--time-zone',
        'Asia/Tokyo',
        '--format',
        'json',
      ]);
    } finally {
      spy.mockRestore();
      sendSpy.mockRestore();
    }
    expect(code).toBe(1);
    const report = JSON.parse(out) as ReadinessReport;
    const rules = report.findings.map((f) => f.rule);
    expect(rules).toEqual(
      expect.arrayContaining(['msk-cluster-not-active', 'msk-cpu-high', 'msk-quiet-hours']),
    );
    expect(JSON.stringify(report.findings)).toContain('Asia/Tokyo');
  });
});
