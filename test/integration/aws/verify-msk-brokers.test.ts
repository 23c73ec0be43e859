/**
 * The verify Lambda on an Amazon MSK cluster, against moto (issue 16): the test puts
 * AWS/Kafka BytesInPerSec and LeaderCount for 3 brokers over a run's window (broker 1
 * carrying most of the traffic for four minutes, broker 3 restarted: a minute with no
 * value, then leader count 0), plus decoys outside the window and for another cluster;
 * the handler reads them with GetMetricData and writes them into report.json
 * (`mskBrokers`), summary.txt and report.html. The figures are checked against ones this
 * test computes from its own model; the verdict against the same history judged without
 * them; the handler's recorded AWS calls against the synthesized template's grants
 * (a real IAM policy evaluator). A run whose metrics are not published yet says so.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import {
  CloudWatchClient,
  PutMetricDataCommand,
  type MetricDatum,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { analyzeCommand } from '../../../bin/commands/analyze.js';
import { reportCommand } from '../../../bin/commands/report.js';

import type { RunInput } from '../../../functions/core/config/events.js';
import { exitStatusFor } from '../../../functions/core/history/index.js';
import { parseVerifierConfig } from '../../../functions/core/config/verifier-config.js';
import { judgeHistory, type RunReport } from '../../../functions/core/run/judge.js';
import { partKey } from '../../../functions/core/store/s3-history.js';
import { verify } from '../../../functions/verify/handler.js';
import { authorizedCalls, recordAwsCalls } from '../../support/aws-calls.js';
import { describeDecision, TemplatePolicies } from '../../support/iam.js';
import { clusterEnv, lambdaContext } from '../../support/lambda.js';
import { buildAppStack, SYNTH_TIMEOUT_MS } from '../../support/stack.js';
import { skipWithout } from '../requirements.js';
import {
  MOTO_CLIENT_CONFIG,
  motoServerMissing,
  startMotoServer,
  type MotoServer,
} from '../../support/aws.js';

const MIN = 60_000;
const BUCKET = 'kuv-run-store-msk';
const MSK_NAME = 'prod-orders-msk';
const MSK_ARN = `arn:aws:kafka:${MOTO_CLIENT_CONFIG.region}:123456789012:cluster/${MSK_NAME}/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5`;
const MINUTES = 20;
/** The run's first minute: 40 minutes ago, well past MSK's publishing delay. */
const W0 = Math.floor(Date.now() / MIN) * MIN - 40 * MIN;

const run = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../fixtures/events/verify.json'), 'utf8'),
) as RunInput;

/** The test's model: broker b's bytes in at minute i of the run; null: no value (down). */
function bytesIn(b: number, i: number): number | null {
  if (b === 3 && i === 10) return null; // restarting: published nothing that minute
  if (b === 3 && i === 11) return 0; // back, leading nothing yet
  if (b === 1 && i >= 6 && i <= 9) return 6_000_000 + i * 1000; // carrying most
  return 1_000_000 + i * 1000 * b;
}
/** Broker b's leader count at minute i. */
function leaderCount(b: number, i: number): number {
  if (i === 10 || i === 11) return b === 3 ? 0 : 15;
  return 10;
}

/** A history of the run: probes and leadership of 3 brokers, broker 3 down and up. */
function history(runId: string, from: number, minutes: number): string {
  const probe = (broker: number, phase: string, at: number) => ({
    type: 'probe',
    endpoint: `b-${broker}.${MSK_NAME}.kafka.example:9098`,
    role: 'broker',
    broker,
    phase,
    at,
    dns: { ok: true, ms: 2, addresses: [`10.0.0.${broker}`] },
    tcp: { ok: true, ms: 1, address: `10.0.0.${broker}` },
    kafka: { ok: true, ms: 3 },
  });
  const leaders = (phase: string, at: number) => ({
    type: 'leaders',
    topic: 'kuv-canary',
    phase,
    at,
    partitions: [0, 1, 2].map((p) => ({
      partition: p,
      leader: p + 1,
      replicas: [p + 1, ((p + 1) % 3) + 1, ((p + 2) % 3) + 1],
      isr: [1, 2, 3],
    })),
  });
  const end = from + minutes * MIN - 30_000;
  return (
    [
      { type: 'run', runId, cluster: run.cluster, startedAt: from + 10_000 },
      ...[1, 2, 3].map((b) => probe(b, 'baseline', from + 20_000 + b)),
      leaders('baseline', from + 21_000),
      ...(minutes > 12
        ? [
            { type: 'broker', broker: 3, event: 'down', at: from + 10 * MIN + 5000 },
            { type: 'broker', broker: 3, event: 'up', at: from + 11 * MIN + 50_000 },
          ]
        : []),
      ...[1, 2, 3].map((b) => probe(b, 'after', end - 1000 + b)),
      leaders('after', end),
    ]
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n'
  );
}

/** The cluster's configuration as the stack writes it, on MSK when given its ARN. */
function clusterConfig(mskClusterArn: string | undefined): string {
  const env = clusterEnv(`b-1.${MSK_NAME}.kafka.example:9098`, run.cluster);
  const config = JSON.parse(env.KUV_CLUSTER_CONFIG) as Record<string, unknown>;
  return JSON.stringify(mskClusterArn === undefined ? config : { ...config, mskClusterArn });
}

describe.skipIf(skipWithout(motoServerMissing))(
  'verify on Amazon MSK: per-broker AWS/Kafka traffic (moto)',
  () => {
    let moto: MotoServer;
    let s3: S3Client;
    let cloudWatch: CloudWatchClient;
    const aws = recordAwsCalls([S3Client, CloudWatchClient]);

    beforeAll(async () => {
      moto = await startMotoServer();
      const config = { ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint };
      s3 = new S3Client({ ...config, forcePathStyle: true });
      cloudWatch = new CloudWatchClient(config);
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      const dims = (cluster: string, broker: number) => [
        { Name: 'Cluster Name', Value: cluster },
        { Name: 'Broker ID', Value: String(broker) },
      ];
      const datums: MetricDatum[] = [];
      for (let b = 1; b <= 3; b++) {
        for (let i = 0; i < MINUTES; i++) {
          // Each value at second 20 of its minute, as a one-minute publisher would stamp it.
          const at = new Date(W0 + i * MIN + 20_000);
          const bytes = bytesIn(b, i);
          if (bytes !== null) {
            datums.push({
              MetricName: 'BytesInPerSec',
              Dimensions: dims(MSK_NAME, b),
              Timestamp: at,
              Value: bytes,
            });
          }
          datums.push({
            MetricName: 'LeaderCount',
            Dimensions: dims(MSK_NAME, b),
            Timestamp: at,
            Value: leaderCount(b, i),
          });
        }
        // Decoys: before and after the window, and another cluster's brokers inside it.
        for (const at of [W0 - 5 * MIN, W0 + (MINUTES + 5) * MIN]) {
          datums.push({
            MetricName: 'BytesInPerSec',
            Dimensions: dims(MSK_NAME, b),
            Timestamp: new Date(at),
            Value: 9e9,
          });
        }
        datums.push({
          MetricName: 'LeaderCount',
          Dimensions: dims('someone-else', b),
          Timestamp: new Date(W0 + 5 * MIN),
          Value: 999,
        });
      }
      for (let i = 0; i < datums.length; i += 500) {
        await cloudWatch.send(
          new PutMetricDataCommand({
            Namespace: 'AWS/Kafka',
            MetricData: datums.slice(i, i + 500),
          }),
        );
      }
    }, 120_000);

    afterAll(async () => {
      aws.stop();
      s3?.destroy();
      cloudWatch?.destroy();
      await moto?.stop();
    });

    async function verifyRun(input: RunInput, text: string, mskArn: string | undefined) {
      const where = { bucket: BUCKET, cluster: input.cluster, runId: input.runId };
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: partKey(where, 0, 'a1'),
          Body: gzipSync(text),
        }),
      );
      const began = Date.now();
      aws.caller.current = 'verify';
      try {
        const summary = await verify(input, lambdaContext('verify'), {
          s3,
          cloudWatch,
          bucket: BUCKET,
          env: { KUV_CLUSTER_CONFIG: clusterConfig(mskArn), AWS_REGION: MOTO_CLIENT_CONFIG.region },
        });
        const took = Date.now() - began;
        const read = async (key: string) =>
          (
            await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
          ).Body!.transformToString();
        return {
          took,
          report: JSON.parse(await read(summary.report.reportKey)) as RunReport,
          reportBytes: (await read(summary.report.reportKey)).length,
          summary: await read(summary.report.summaryKey),
          html: await read(summary.report.htmlKey),
        };
      } finally {
        aws.caller.current = undefined;
      }
    }

    it('puts each broker’s bytes in and leader count over the run in the report, as this test computes them, and leaves the verdict alone', async () => {
      const text = history(run.runId, W0, MINUTES);
      const { report, summary, html, took, reportBytes } = await verifyRun(run, text, MSK_ARN);
      const msk = report.mskBrokers!;
      expect(msk.status, msk.note ?? '').toBe('ok');
      expect(msk).toMatchObject({
        clusterArn: MSK_ARN,
        clusterName: MSK_NAME,
        from: W0,
        to: W0 + MINUTES * MIN,
        periodSeconds: 60,
      });
      expect(msk.minutes).toEqual(Array.from({ length: MINUTES }, (_, i) => W0 + i * MIN));

      // The figures from the model, computed here.
      const minutes = Array.from({ length: MINUTES }, (_, i) => i);
      const expected = [1, 2, 3].map((b) => {
        const bytes = minutes.map((i) => bytesIn(b, i)).filter((v): v is number => v !== null);
        const leaders = minutes.map((i) => leaderCount(b, i));
        return {
          broker: b,
          bytesInMean: Math.round((bytes.reduce((a, v) => a + v, 0) / bytes.length) * 10) / 10,
          bytesInMax: Math.max(...bytes),
          leaderCountMin: Math.min(...leaders),
          leaderCountMax: Math.max(...leaders),
          bytesInPerSec: minutes.map((i) => bytesIn(b, i)),
          leaderCount: leaders,
        };
      });
      expect(msk.brokers.map(({ shareAtPeakSkew: _, ...rest }) => rest)).toEqual(expected);
      expect(msk.brokers[2]!.leaderCountMin).toBe(0);
      // Skew per minute: the largest broker's share × 3 (broker 3's silent minute inside its
      // series counts as 0: it was down). Broker 1 carries 6 MB/s of ~8 in minutes 6–9.
      let best = { skew: -1, minute: -1, shares: [] as number[] };
      for (const i of minutes) {
        const row = [1, 2, 3].map((b) => bytesIn(b, i) ?? 0);
        const total = row.reduce((a, v) => a + v, 0);
        const skew = Math.round((Math.max(...row) / total) * 3 * 100) / 100;
        if (skew > best.skew) best = { skew, minute: i, shares: row.map((v) => v / total) };
      }
      expect(best.minute).toBeGreaterThanOrEqual(6);
      expect(best.minute).toBeLessThanOrEqual(11);
      expect(msk.peakTrafficSkew).toBe(best.skew);
      expect(msk.peakTrafficSkewAt).toBe(W0 + best.minute * MIN);
      expect(msk.peakTrafficSkewBroker).toBe(1);
      expect(msk.minutesCompared).toBe(MINUTES);
      expect(msk.brokers.map((b) => b.shareAtPeakSkew)).toEqual(
        best.shares.map((s) => Math.round(s * 1000) / 1000),
      );

      // The verdict is the history's alone: the same as judged without the metrics.
      const without = await judgeHistory([text], {
        policy: 'strict',
        windowMs: 300_000,
        source: 'x',
      });
      expect(report.verdict).toBe(without.report.verdict);
      expect(report.reasons).toEqual(without.report.reasons);
      expect(without.report.mskBrokers).toBeUndefined();

      expect(summary).toContain(
        `MSK BROKER TRAFFIC (AWS/Kafka BytesInPerSec, LeaderCount, cluster ${MSK_NAME}`,
      );
      expect(summary).toContain(`peak traffic skew ${best.skew}`);
      expect(html).toContain('<section id="msk-brokers" data-status="ok">');
      expect(
        html.match(/<tr data-broker="\d+"><td>broker \d+<\/td><td class="num" data-v="[\d.]+">/g),
      ).toHaveLength(3);
      expect(html).toContain('id="msk-bytes-chart"');
      expect(html).toMatch(/id="msk-leaders-chart"[^>]*data-restart-bands="1"/);
      process.stderr.write(
        `verify with AWS/Kafka metrics: ${took} ms in-process against moto; report.json ${reportBytes} bytes; ` +
          `report.html +${html.length - without.html.length} bytes for the section; ` +
          `${aws.calls.filter((c) => c.command === 'GetMetricDataCommand').length} GetMetricData call(s)\n`,
      );
    });

    it('says the metrics are not published yet for a run that just ended, and still judges it', async () => {
      const now = Math.floor(Date.now() / MIN) * MIN;
      const input = { ...run, runId: `${run.cluster}-${'a'.repeat(32)}-1` };
      const { report, summary } = await verifyRun(
        input,
        history(input.runId, now - 3 * MIN, 3),
        MSK_ARN,
      );
      const msk = report.mskBrokers!;
      expect(msk.status).toBe('no-data');
      expect(msk.note).toMatch(
        /MSK publishes AWS\/Kafka metrics a few minutes late: verify this run again later/,
      );
      expect(msk.peakTrafficSkew).toBeNull();
      expect(summary).toContain('no-data');
      expect(['pass', 'warn']).toContain(report.verdict);
    });

    it('says a self-managed cluster has no AWS/Kafka metrics, and asks CloudWatch nothing', async () => {
      const input = { ...run, runId: `${run.cluster}-${'b'.repeat(32)}-1` };
      const before = aws.calls.filter((c) => c.command === 'GetMetricDataCommand').length;
      const { report } = await verifyRun(input, history(input.runId, W0, MINUTES), undefined);
      expect(report.mskBrokers).toMatchObject({ status: 'not-msk', brokers: [] });
      expect(aws.calls.filter((c) => c.command === 'GetMetricDataCommand')).toHaveLength(before);
    });

    it('analyze and report --msk-arn read the same figures from the CLI, and keep the exit status', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'kuv-msk-cli-'));
      const saved = { ...process.env };
      let out = '';
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        out += String(chunk);
        return true;
      });
      const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        const text = history(run.runId, W0, MINUTES);
        const file = join(dir, 'history.jsonl');
        await writeFile(file, text);
        Object.assign(process.env, {
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
        });
        const code = await analyzeCommand.run([file, '--format', 'json', '--msk-arn', MSK_ARN]);
        const plain = await judgeHistory([text], {
          policy: 'strict',
          windowMs: 300_000,
          source: 'x',
        });
        expect(code).toBe(exitStatusFor(plain.report.verdict));
        const report = JSON.parse(out) as RunReport;
        expect(report.verdict).toBe(plain.report.verdict);
        // The Lambda's figures for the same history and metrics (the first test's).
        expect(report.mskBrokers?.status).toBe('ok');
        expect(report.mskBrokers?.peakTrafficSkewBroker).toBe(1);
        expect(report.mskBrokers?.brokers.map((b) => b.leaderCountMin)).toEqual([10, 10, 0]);
        out = '';
        expect(await analyzeCommand.run([file, '--msk-arn', MSK_ARN])).toBe(code);
        expect(out).toContain(
          `MSK BROKER TRAFFIC (AWS/Kafka BytesInPerSec, LeaderCount, cluster ${MSK_NAME}`,
        );
        const page = join(dir, 'page.html');
        expect(await reportCommand.run([file, '--out', page, '--msk-arn', MSK_ARN])).toBe(code);
        expect(await readFile(page, 'utf8')).toContain(
          '<section id="msk-brokers" data-status="ok">',
        );
      } finally {
        spy.mockRestore();
        quiet.mockRestore();
        process.env = saved;
        await rm(dir, { recursive: true, force: true });
      }
    });

    it(
      'every AWS call verify made is allowed by the synthesized template (the MSK cluster’s verify role)',
      async () => {
        const config = parseVerifierConfig(
          {
            clusters: [
              {
                name: run.cluster,
                bootstrap: 'b-1.example.com:9098',
                security: { protocol: 'msk-iam' },
                mskClusterArn: MSK_ARN,
                vpc: {
                  vpcId: 'vpc-0a1b2c3d4e5f60718',
                  subnetIds: ['subnet-0a1b2c3d4e5f60711'],
                  securityGroupIds: ['sg-0a1b2c3d4e5f60719'],
                },
                emails: ['oncall@example.com'],
              },
            ],
          },
          'iam-contract.json',
        );
        const template = Template.fromStack(buildAppStack(config).stack).toJSON() as {
          Resources: Record<string, { Type: string }>;
        };
        const bucketId = Object.keys(template.Resources).find(
          (id) => template.Resources[id]!.Type === 'AWS::S3::Bucket',
        )!;
        const policies = new TemplatePolicies(template, '123456789012', MOTO_CLIENT_CONFIG.region, {
          [bucketId]: { ref: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
        });
        const [fn] = policies.ids('AWS::Lambda::Function', `RunCluster${run.cluster}Verify`);
        const role = policies.roleOfFunction(fn!);
        // The calls the tests above recorded (run the file whole: alone this one has none).
        const calls = aws.calls.flatMap((c) => authorizedCalls(c, { topicKey: () => undefined }));
        expect(calls.map((c) => c.action)).toContain('cloudwatch:GetMetricData');
        const unique = [...new Map(calls.map((c) => [JSON.stringify(c), c])).values()];
        const denied: string[] = [];
        for (const c of unique) {
          const decision = await policies.evaluate(c, { role });
          if (decision.result !== 'Allowed') denied.push(describeDecision(decision));
        }
        expect(denied).toEqual([]);
      },
      SYNTH_TIMEOUT_MS,
    );
  },
);
