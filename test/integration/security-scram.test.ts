/**
 * SASL/SCRAM over TLS on a local cluster of this file's own: reachability and a
 * produce/consume round trip with SCRAM-SHA-512 (and -256), a wrong password exits 2
 * naming the refusal, and a reachability round written to a history file and analysed
 * into a report leaves the password in neither, nor in anything printed. Then the
 * Lambda handlers end to end on the same cluster: the credentials and the CA read from
 * moto's Secrets Manager by ARN, as a deployed run reads them, and no log line, history
 * part or report holding the password.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { handler as baseline } from '../../functions/baseline/handler.js';
import { handler as canarySlice } from '../../functions/canary-slice/handler.js';
import type { CanaryStep } from '../../functions/commons/events.js';
import type { VerdictSummary } from '../../functions/commons/verdict.js';
import { handler as reachability } from '../../functions/reachability/handler.js';
import { handler as verify } from '../../functions/verify/handler.js';
import { MOTO_CLIENT_CONFIG, motoServerMissing, startMotoServer } from '../support/aws.js';
import { cliInProcess, type InProcessRun } from '../support/cli.js';
import { type SecureCluster, startSecureCluster } from '../support/cluster.js';
import { roundTrip, secureRandom, trackClients } from '../support/kafka.js';
import { invokeInProcess, manualRunInput, shortCanaryClusterConfig } from '../support/lambda.js';
import { createKafka } from '../../functions/core/kafka/client.js';
import { checkSecurityOptions, Secret } from '../../functions/core/kafka/security.js';

let cluster: SecureCluster;
let password = '';
const dir = mkdtempSync(join(tmpdir(), 'kuv-scram-it-'));
const track = trackClients();

beforeAll(async () => {
  cluster = await startSecureCluster('sasl-scram');
  password = readFileSync(cluster.status.security.saslPasswordFile!, 'utf8');
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function scramFlags(passwordFile = cluster.status.security.saslPasswordFile!): string[] {
  return [
    '--bootstrap',
    cluster.status.bootstrap,
    '--dns-server',
    cluster.status.dnsServer,
    '--security',
    'sasl-scram',
    '--ca-file',
    cluster.status.security.caFile,
    '--sasl-username',
    'kuv-canary',
    '--sasl-password-file',
    passwordFile,
  ];
}

describe('a SASL/SCRAM cluster', () => {
  it('keeps the password in a 0600 file that status names but never prints', async () => {
    expect(statSync(cluster.status.security.saslPasswordFile!).mode & 0o777).toBe(0o600);
    const status = await cliInProcess('local-cluster', [
      'status',
      '--json',
      '--state',
      cluster.statePath,
    ]);
    const text = await cliInProcess('local-cluster', ['status', '--state', cluster.statePath]);
    expect(JSON.parse(status.stdout).security).toMatchObject({
      protocol: 'sasl-scram',
      saslUsername: 'kuv-canary',
      saslMechanisms: ['scram-sha-512', 'scram-sha-256'],
    });
    for (const run of [status, text]) expect(run.stdout + run.stderr).not.toContain(password);
    expect(readFileSync(cluster.statePath, 'utf8')).not.toContain(password);
  });

  it('reachability over SASL/SCRAM: every broker reachable, the tls stage present', async () => {
    const run = await cliInProcess('reachability', [...scramFlags(), '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.reachability.totals.unreachableBrokers).toBe(0);
    expect(report.reachability.brokers).toHaveLength(3);
  });

  it('produce and consume with SCRAM-SHA-512; SCRAM-SHA-256 authenticates too', async () => {
    const connection = {
      bootstrap: cluster.status.bootstrap,
      dnsServer: cluster.status.dnsServer,
      config: { retry: { retries: 5, initialRetryTime: 200 }, connectionTimeout: 5000 },
    };
    await roundTrip(createKafka({ ...connection, security: cluster.clientSecurity() }), track, 20);
    const admin = track(
      createKafka({
        ...connection,
        security: cluster.clientSecurity({ saslMechanism: 'scram-sha-256' }),
      }).admin(),
    );
    await admin.connect();
    expect((await admin.describeCluster()).brokers).toHaveLength(3);
  });

  it('a wrong password: exit 2 naming the refusal; kafkajs says so too', async () => {
    const wrong = join(dir, 'wrong-password');
    writeFileSync(wrong, 'not-the-password\n', { mode: 0o600 });
    const run = await cliInProcess('reachability', scramFlags(wrong));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /reachability: security: SASL authentication to .* was refused \(the broker said: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512\): check --sasl-username, the password/,
    );
    expect(run.stderr).not.toMatch(/Connection timeout/i);
    const admin = track(
      createKafka({
        bootstrap: cluster.status.bootstrap,
        dnsServer: cluster.status.dnsServer,
        security: checkSecurityOptions({
          security: 'sasl-scram',
          caFile: cluster.status.security.caFile,
          saslUsername: 'kuv-canary',
          saslPassword: new Secret('not-the-password'),
        }),
        config: { retry: { retries: 0 }, connectionTimeout: 3000 },
      }).admin(),
    );
    await expect(admin.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
  });

  it('a round written to a history and its report: the password is in neither, nor in anything printed', async () => {
    const history = join(dir, 'baseline.jsonl');
    const reportFile = join(dir, 'report.json');
    const runs: InProcessRun[] = [];
    const saved = process.env.KUV_SASL_PASSWORD;
    process.env.KUV_SASL_PASSWORD = password; // the other way in: the environment
    try {
      const flags = scramFlags().slice(0, -2); // no --sasl-password-file
      runs.push(await cliInProcess('reachability', [...flags, '--out', history]));
      runs.push(await cliInProcess('reachability', [...flags, '--format', 'json']));
    } finally {
      if (saved === undefined) delete process.env.KUV_SASL_PASSWORD;
      else process.env.KUV_SASL_PASSWORD = saved;
    }
    runs.push(await cliInProcess('analyze', [history, '--format', 'json']));
    writeFileSync(reportFile, runs.at(-1)!.stdout);
    runs.push(await cliInProcess('analyze', [history]));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const lines = readFileSync(history, 'utf8').trim().split('\n');
    const probes = lines.map((l) => JSON.parse(l)).filter((r) => r.type === 'probe');
    expect(probes.length).toBe(6); // three bootstrap endpoints, three brokers
    for (const p of probes) expect(p.tls).toMatchObject({ ok: true, notAfter: expect.any(Number) });
    for (const text of [
      readFileSync(history, 'utf8'),
      readFileSync(reportFile, 'utf8'),
      ...runs.flatMap((r) => [r.stdout, r.stderr]),
    ]) {
      expect(text).not.toContain(password);
    }
  });
});

describe.skipIf(motoServerMissing !== null)(
  `the Lambda handlers on the SASL/SCRAM cluster, secrets from moto's Secrets Manager (${motoServerMissing ?? 'ready'})`,
  () => {
    const BUCKET = 'kuv-run-store-scram';
    const saved = { ...process.env };
    const clusterName = `scram-${secureRandom(3)}`;
    const upgradeKey = `scram-upgrade-${secureRandom()}`;
    const run = manualRunInput(clusterName, BUCKET, upgradeKey);
    let moto: Awaited<ReturnType<typeof startMotoServer>>;
    let s3: S3Client;
    let logged = '';

    /** A handler called as Lambda calls it: the event through JSON, stdout (its log) kept. */
    async function call<T>(
      name: string,
      fn: (e: unknown, c: Context) => Promise<T>,
      event: unknown,
    ): Promise<T> {
      const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        logged += String(chunk);
        return true;
      });
      try {
        return await invokeInProcess(name, fn, event);
      } finally {
        out.mockRestore();
      }
    }

    beforeAll(async () => {
      moto = await startMotoServer();
      const aws = { ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint };
      s3 = new S3Client({ ...aws, forcePathStyle: true });
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      const secrets = new SecretsManagerClient(aws);
      const sasl = await secrets.send(
        new CreateSecretCommand({
          Name: `AmazonMSK_${clusterName}`,
          SecretString: JSON.stringify({ username: 'kuv-canary', password }),
        }),
      );
      const ca = await secrets.send(
        new CreateSecretCommand({
          Name: `${clusterName}-ca`,
          SecretString: readFileSync(cluster.status.security.caFile!, 'utf8'),
        }),
      );
      secrets.destroy();
      Object.assign(process.env, {
        ...moto.env,
        KUV_RUN_BUCKET: BUCKET,
        KUV_SLICE_MS: '3000',
        KUV_DNS_SERVER: cluster.status.dnsServer,
        KUV_CLUSTER_CONFIG: shortCanaryClusterConfig({
          name: clusterName,
          bootstrap: cluster.status.bootstrap,
          security: { protocol: 'sasl-scram', saslSecretArn: sasl.ARN, caSecretArn: ca.ARN },
          topic: `kuv-canary-${secureRandom(4)}`,
        }),
      });
    });

    afterAll(async () => {
      process.env = saved;
      s3?.destroy();
      await moto?.stop();
    });

    it('baseline → slice → settle → read-back → after-probes → verify over SCRAM and TLS; the password nowhere', async () => {
      let step = await call<CanaryStep>('baseline', baseline, run);
      expect(step.phase).toBe('canary');
      step = await call<CanaryStep>('canary-slice', canarySlice, { ...run, canary: step });
      expect(step.state.counters.acked).toBeGreaterThan(0);
      await s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: run.finishedMarker.key, Body: '{}' }),
      );
      for (let i = 0; i < 6 && step.phase !== 'verify'; i += 1) {
        step = await call<CanaryStep>('canary-slice', canarySlice, { ...run, canary: step });
      }
      expect(step.phase).toBe('verify');
      step = await call<CanaryStep>('read-back', canarySlice, { ...run, canary: step });
      expect(step.phase).toBe('done');
      expect(step.state.counters.logged).toBe(step.state.counters.acked);
      await call('reachability', reachability, { ...run, canary: step });
      const summary = await call<VerdictSummary>('verify', verify, run);
      expect(['pass', 'warn']).toContain(summary.verdict);

      const report = JSON.parse(
        await (
          await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: summary.report.reportKey }))
        ).Body!.transformToString(),
      ) as {
        totals: { lost: number; produced: number };
        reachability: { totals: { unreachableBrokers: number }; brokers: unknown[] };
      };
      expect(report.totals.lost).toBe(0);
      expect(report.totals.produced).toBe(step.state.counters.sent);
      // The after-probes went through TLS and SCRAM to every broker.
      expect(report.reachability.totals.unreachableBrokers).toBe(0);
      expect(report.reachability.brokers).toHaveLength(3);

      // Everything the run wrote and logged: the history parts, the reports, the log lines.
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      const written: string[] = [];
      for (const { Key } of listed.Contents ?? []) {
        const body = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).Body!;
        const bytes = Buffer.from(await body.transformToByteArray());
        written.push(Key!.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString());
      }
      expect(written.length).toBeGreaterThan(4);
      expect(logged).toContain(run.runId); // the Logger's lines were captured
      for (const text of [logged, ...written]) expect(text).not.toContain(password);
    });
  },
);
