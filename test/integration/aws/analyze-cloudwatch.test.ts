/**
 * `analyze FILE --cloudwatch --cluster NAME`, run as a user runs it (the built CLI),
 * publishing to a real AWS API emulator (moto's server) through the SDK's default
 * chain: the endpoint from AWS_ENDPOINT_URL_CLOUDWATCH, dummy credentials and region
 * from the environment. The metrics read back carry the report's figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CLUSTER_DIMENSION, NAMESPACE } from '../../../functions/core/metrics/catalogue.js';
import {
  MOTO_CLIENT_CONFIG,
  type MotoServer,
  motoServerMissing,
  startMotoServer,
} from '../../support/aws.js';
import { secureRandom } from '../../support/kafka.js';
import { skipWithout } from '../requirements.js';

const ROOT = join(import.meta.dirname, '../../..');
const CLI = join(ROOT, 'dist/bin/kafka-upgrade-verifier.js');
const HISTORY = join(ROOT, 'test/fixtures/history/rolling-101.jsonl');
const missing =
  motoServerMissing ?? (existsSync(CLI) ? null : `${CLI} is not built (npm run build)`);

function analyze(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [CLI, 'analyze', ...args], {
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
}

describe.skipIf(skipWithout(missing))(`analyze --cloudwatch (${missing ?? 'moto server'})`, () => {
  let moto: MotoServer;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    moto = await startMotoServer();
    env = {
      ...process.env,
      AWS_REGION: MOTO_CLIENT_CONFIG.region,
      AWS_ACCESS_KEY_ID: MOTO_CLIENT_CONFIG.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CLIENT_CONFIG.credentials.secretAccessKey,
      AWS_ENDPOINT_URL_CLOUDWATCH: moto.endpoint,
    };
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it("publishes the report's figures under the cluster's dimension and keeps the verdict's exit status", async () => {
    const cluster = `cli-${secureRandom(4)}`;
    const before = Date.now();
    const r = analyze([HISTORY, '--cloudwatch', '--cluster', cluster, '--format', 'json'], env);
    expect(r.status, r.stderr).toBe(1); // rolling-101 fails under strict
    expect(r.stderr).toMatch(
      new RegExp(`CloudWatch: published \\d+ metrics to ${NAMESPACE} \\(Cluster=${cluster}\\)`),
    );
    const report = JSON.parse(r.stdout) as { totals: { lost: number; duplicates: number } };

    const client = new CloudWatchClient({ ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint });
    try {
      const read = await client.send(
        new GetMetricDataCommand({
          StartTime: new Date(before - 10 * 60_000),
          EndTime: new Date(Date.now() + 10 * 60_000),
          MetricDataQueries: ['LostMessages', 'DuplicateMessages', 'VerificationFailed'].map(
            (name, i) => ({
              Id: `m${i}`,
              Label: name,
              MetricStat: {
                Metric: {
                  Namespace: NAMESPACE,
                  MetricName: name,
                  Dimensions: [{ Name: CLUSTER_DIMENSION, Value: cluster }],
                },
                Period: 60,
                Stat: 'Maximum',
              },
            }),
          ),
        }),
      );
      const value = (label: string) =>
        read.MetricDataResults?.find((m) => m.Label === label)?.Values?.[0];
      expect(value('LostMessages')).toBe(report.totals.lost);
      expect(value('DuplicateMessages')).toBe(report.totals.duplicates);
      expect(value('VerificationFailed')).toBe(1);
    } finally {
      client.destroy();
    }
  });

  it('names --cluster when --cloudwatch is given without it (exit 2, nothing published)', () => {
    const r = analyze([HISTORY, '--cloudwatch'], env);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/analyze: --cloudwatch needs --cluster NAME/);
    expect(r.stdout).toBe('');
  });

  it('reports metrics it could not send on stderr and still exits with the verdict', () => {
    const r = analyze([HISTORY, '--cloudwatch', '--cluster', 'nowhere'], {
      ...env,
      AWS_ENDPOINT_URL_CLOUDWATCH: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/CloudWatch: \w+ NOT published: /);
  });
});
