/**
 * Peak memory of one canary slice as Lambda runs it: baseline, then one canary-slice
 * invocation of `--slice` length, in a child process of its own (what Lambda's memory
 * limit counts: the whole Node process), against a running Kafka cluster and a moto
 * server this script starts for S3. Prints the child's peak RSS and what the slice did.
 * A measurement, not a test (docs/aws.md, "Memory of a canary slice").
 *
 *   node dist/bin/kafka-upgrade-verifier.js local-cluster start --json   # once
 *   npm run build && node dist/scripts/measure-slice-memory.js \
 *     --bootstrap 127.0.0.1:19092 --dns-server 127.0.0.1:15353 \
 *     [--partitions 60] [--interval-ms 100] [--slice 120s]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import {
  lambdaContext,
  MOTO_CLIENT_CONFIG,
  manualRunInput,
  startMotoServer,
} from '../rehearsal/local-aws.js';

const BUCKET = 'kuv-slice-memory';
const CLUSTER = 'memory';

interface ChildResult {
  maxRssMB: number;
  heapPeakMB: number;
  sliceMs: number;
  acked: number;
  failed: number;
  parts: number;
  partitions: number;
}

/** Child mode: the handlers in this process, as Lambda calls them; prints one JSON line. */
async function child(): Promise<void> {
  const { handler: baseline } = await import('../functions/baseline/handler.js');
  const { handler: canarySlice } = await import('../functions/canary-slice/handler.js');
  const { clusterConfigFromEnv } = await import('../functions/commons/environment.js');
  const { connectionFor } = await import('../functions/commons/kafka.js');
  const { createKafka } = await import('../functions/core/kafka/client.js');
  // The canary adopts a topic that exists: made here with the partitions to measure (a
  // topic the run creates has two per broker).
  const cluster = clusterConfigFromEnv();
  const kafka = createKafka(await connectionFor(cluster, 'kuv-measure-setup'));
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic: cluster.canary.topic,
        numPartitions: cluster.canary.partitions,
        replicationFactor: 3,
        configEntries: [{ name: 'min.insync.replicas', value: '2' }],
      },
    ],
  });
  await admin.disconnect();
  const upgradeKey = `memory-${Date.now()}`;
  const run = manualRunInput(CLUSTER, BUCKET, upgradeKey);
  let heapPeak = 0;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 200);
  const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  type Step = {
    state: { partitions: number; counters: { acked: number; failed: number } };
    nextPart: number;
  };
  const first = roundTrip(
    (await baseline(roundTrip(run), lambdaContext('baseline', 300_000))) as Step,
  );
  const began = Date.now();
  const step = roundTrip(
    (await canarySlice(
      roundTrip({ ...run, canary: first }),
      lambdaContext('canary-slice', 900_000),
    )) as Step,
  );
  const sliceMs = Date.now() - began;
  clearInterval(sampler);
  const result: ChildResult = {
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    heapPeakMB: Math.round(heapPeak / 2 ** 20),
    sliceMs,
    acked: step.state.counters.acked,
    failed: step.state.counters.failed,
    parts: step.nextPart,
    partitions: step.state.partitions,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // The handlers closed their clients; nothing else should hold the loop.
  process.exit(0);
}

function durationMs(text: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(text);
  if (m === null) throw new Error(`--slice must be like 90s or 2m, not '${text}'`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'boolean', default: false },
      bootstrap: { type: 'string' },
      'dns-server': { type: 'string' },
      partitions: { type: 'string', default: '60' },
      'interval-ms': { type: 'string', default: '100' },
      slice: { type: 'string', default: '120s' },
    },
  });
  if (values.child) return child();
  if (values.bootstrap === undefined) {
    throw new Error('--bootstrap HOST:PORT is required (local-cluster start prints it)');
  }
  const partitions = Number(values.partitions);
  const intervalMs = Number(values['interval-ms']);
  const sliceMs = durationMs(values.slice);
  const moto = await startMotoServer();
  try {
    const s3 = new S3Client({
      ...MOTO_CLIENT_CONFIG,
      endpoint: moto.endpoint,
      forcePathStyle: true,
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // Not the finished marker: the slice runs its whole length.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ready', Body: '' }));
    s3.destroy();
    const env = {
      ...process.env,
      ...moto.env,
      KUV_RUN_BUCKET: BUCKET,
      KUV_SLICE_MS: String(sliceMs),
      ...(values['dns-server'] === undefined ? {} : { KUV_DNS_SERVER: values['dns-server'] }),
      KUV_CLUSTER_CONFIG: JSON.stringify({
        name: CLUSTER,
        bootstrap: values.bootstrap,
        security: { protocol: 'plaintext' },
        canary: {
          topic: `kuv-canary-memory-${Date.now().toString(36)}`,
          partitions,
          intervalMs,
          producer: 'canary',
          // What the stack writes when verifier.config.json names no mode.
          mode: 'idempotent',
          settleMs: 10_000,
          maxDurationMs: 3_600_000,
        },
        policy: 'tolerant',
        windowMs: 300_000,
      }),
    };
    const script = fileURLToPath(import.meta.url);
    const result = spawnSync(process.execPath, [script, '--child'], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 2 ** 20,
    });
    const line = result.stdout.trim().split('\n').pop() ?? '';
    if (result.status !== 0 || !line.startsWith('{')) {
      throw new Error(`the slice's process exited ${result.status}: ${result.stdout.slice(-2000)}`);
    }
    const r = JSON.parse(line) as ChildResult;
    const rate = (r.acked / (r.sliceMs / 1000)).toFixed(0);
    process.stdout.write(
      `one canary slice: ${r.partitions} partitions every ${intervalMs} ms, ${(r.sliceMs / 1000).toFixed(0)} s\n` +
        `  acked ${r.acked} (${rate}/s), failed ${r.failed}, history parts ${r.parts}\n` +
        `  peak RSS ${r.maxRssMB} MB (baseline + slice, whole process), peak JS heap ${r.heapPeakMB} MB\n`,
    );
  } finally {
    await moto.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `measure-slice-memory: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
