/**
 * The time from an anomaly to its CloudWatch datum in Lambda (issue 17, goal ≤ 60 s):
 * a local cluster of its own (rehearsal/), a moto server, baseline and one canary-slice
 * invocation as Lambda runs them, with moto as CloudWatch and S3. During the slice two
 * of the three brokers are SIGKILLed (min.insync.replicas 2: sends fail; the cluster is
 * this script's own and is stopped at the end);
 * the script polls moto for the first ProduceErrors datum above 0 and prints the time
 * from the kill to it (an upper bound of anomaly → datum: it includes the send's own
 * timeout). A measurement printed from one run, not a test (docs/aws.md, "Live metrics").
 *
 *   npm run build && node dist/scripts/bench-live-metric.js [--port-base 23392] [--dns-port 17853]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

import { killBroker, start, stop, stderrLog } from '../rehearsal/index.js';
import { sleep } from '../functions/core/wait.js';
import { lambdaContext, manualRunInput, startMotoServer } from '../rehearsal/local-aws.js';

const BUCKET = 'kuv-bench-live';
const CLUSTER = 'bench-live';
const AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
} as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'port-base': { type: 'string', default: '23392' },
      'dns-port': { type: 'string', default: '17853' },
    },
  });
  const statePath = join(mkdtempSync(join(tmpdir(), 'kuv-bench-live-')), 'state.json');
  const moto = await startMotoServer();
  try {
    const status = await start({
      statePath,
      portBase: Number(values['port-base']),
      dnsPort: Number(values['dns-port']),
      log: stderrLog,
    });
    const s3 = new S3Client({ ...AWS, endpoint: moto.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    s3.destroy();
    Object.assign(process.env, {
      ...moto.env,
      KUV_RUN_BUCKET: BUCKET,
      KUV_SLICE_MS: '75000',
      KUV_DNS_SERVER: status.dnsServer,
      KUV_CLUSTER_CONFIG: JSON.stringify({
        name: CLUSTER,
        bootstrap: status.bootstrap,
        security: { protocol: 'plaintext' },
        canary: {
          topic: 'kuv-canary-bench-live',
          intervalMs: 100,
          producer: 'canary',
          mode: 'idempotent',
          settleMs: 5000,
          maxDurationMs: 600_000,
        },
        policy: 'tolerant',
        windowMs: 300_000,
      }),
    });
    const { handler: baseline } = await import('../functions/baseline/handler.js');
    const { handler: canarySlice } = await import('../functions/canary-slice/handler.js');
    const upgradeKey = `bench-live-${Date.now()}`;
    const run = manualRunInput(CLUSTER, BUCKET, upgradeKey);
    const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
    const first = roundTrip(await baseline(roundTrip(run), lambdaContext('baseline', 300_000)));
    const cloudWatch = new CloudWatchClient({ ...AWS, endpoint: moto.endpoint });
    /** The largest datum of a metric so far in moto (-Infinity when none). */
    const largest = async (metric: string): Promise<number> => {
      const out = await cloudWatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(Date.now() - 600_000),
          EndTime: new Date(Date.now() + 60_000),
          MetricDataQueries: [
            {
              Id: 'errors',
              MetricStat: {
                Metric: {
                  Namespace: 'KafkaUpgradeVerifier',
                  MetricName: metric,
                  Dimensions: [{ Name: 'Cluster', Value: CLUSTER }],
                },
                Period: 1,
                Stat: 'Maximum',
              },
            },
          ],
        }),
      );
      return Math.max(...(out.MetricDataResults?.[0]?.Values ?? []));
    };
    let done = false;
    const slice = canarySlice(
      roundTrip({ ...run, canary: first }),
      lambdaContext('canary-slice', 900_000),
    ).finally(() => {
      done = true;
    });
    await sleep(10_000);
    const killedAt = Date.now();
    await killBroker(statePath, 2, { log: stderrLog });
    await killBroker(statePath, 3, { log: stderrLog });
    // Two figures: a failed send (counted when kafkajs gives up on it) and a stall
    // (the live checker counts a wait while it lasts: LongestProduceStallMs ≥ 5 s).
    let errorsAt: number | null = null;
    let stallAt: number | null = null;
    while (!done && (errorsAt === null || stallAt === null)) {
      if (errorsAt === null && (await largest('ProduceErrors')) > 0) errorsAt = Date.now();
      if (stallAt === null && (await largest('LongestProduceStallMs')) >= 5000) {
        stallAt = Date.now();
      }
      await sleep(500);
    }
    const after = (at: number | null, what: string) =>
      at === null
        ? `no ${what} datum reached moto before the slice ended\n`
        : `anomaly → CloudWatch datum (two brokers SIGKILLed → first ${what} in moto): ${((at - killedAt) / 1000).toFixed(1)} s (live cadence 30 s)\n`;
    // Printed now: the slice goes on draining its failed sends until it ends.
    process.stdout.write(after(stallAt, 'LongestProduceStallMs ≥ 5000'));
    process.stdout.write(after(errorsAt, 'ProduceErrors > 0'));
    const step = (await slice) as { state: { counters: { sent: number; failed: number } } };
    cloudWatch.destroy();
    process.stdout.write(
      `the slice sent ${step.state.counters.sent}, failed ${step.state.counters.failed}\n`,
    );
  } finally {
    await stop(statePath, { log: stderrLog }).catch(() => undefined);
    await moto.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench-live-metric: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
