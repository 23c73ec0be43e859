/**
 * The handlers' logs as CloudWatch gets them: the Logger's JSON lines on stdout and
 * stderr, captured by replacing the streams' write. Each run's lines carry its runId;
 * a SASL/SCRAM run's lines never hold the password Secrets Manager answered with.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import type { CanarySessionOptions } from '../../../functions/core/canary/session.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { OWN_CLOSE_REASON } from '../../../functions/core/kafka/client.js';
import { baseline, handler as baselineHandler } from '../../../functions/baseline/handler.js';
import { handler as canarySliceHandler } from '../../../functions/canary-slice/handler.js';
import { lambdaSession } from '../../../functions/commons/canary.js';
import { runCleanups } from '../../../functions/commons/cleanup.js';
import { readRunFor } from '../../../functions/commons/events.js';
import { lambdaHandler } from '../../../functions/commons/lambda.js';
import {
  kafkaLogCreator,
  logger,
  SERVICE_NAME,
} from '../../../functions/commons/powertools/logger.js';
import { handler as mskWatchHandler } from '../../../functions/msk-watch/handler.js';
import { notify, handler as notifyHandler } from '../../../functions/notify/handler.js';
import {
  reachability,
  handler as reachabilityHandler,
} from '../../../functions/reachability/handler.js';
import { handler as verifyHandler } from '../../../functions/verify/handler.js';
import { clusterEnv, FakeS3, lambdaContext } from './fakes.js';

const fixture = (name: string) =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, '../../fixtures/events', `${name}.json`), 'utf8'),
  ) as Record<string, unknown>;

type Line = Record<string, unknown> & { level: string; message: string };

/** Everything written to stdout and stderr while a test runs. */
let written = '';
beforeEach(() => {
  written = '';
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** The Logger's lines among what was written. */
function lines(): Line[] {
  return written
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line)
    .filter((l) => l.service === SERVICE_NAME);
}

/** A loopback port nothing listens on: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const RUN_ID = 'orders-bbc75908aef5fc116fc43f9ec10b6709-1';

describe('handler logs', () => {
  it('are JSON lines with the Lambda context and the run, from start to end', async () => {
    const published: string[] = [];
    const sns = {
      send: async (c: PublishCommand) => {
        published.push(c.input.Subject ?? '');
        return { MessageId: 'm-1' };
      },
    };
    const handler = lambdaHandler('notify', (e, c: Context) =>
      notify(e, c, {
        sns,
        topicArn: 'arn:aws:sns:us-east-1:123456789012:kuv-alerts',
        deployment: {
          region: 'us-east-1',
          bucket: 'kuv-runs',
          stateMachineArn:
            'arn:aws:states:us-east-1:123456789012:stateMachine:KafkaUpgradeVerifier-Run',
          alarmNamePrefix: 'KafkaUpgradeVerifier',
        },
        findRun: async () => null,
      }),
    );
    await handler(fixture('notify'), lambdaContext('kuv-orders-notify'));
    expect(published).toHaveLength(1);
    const got = lines();
    expect(got.map((l) => l.message)).toEqual([
      'notify: start',
      `notify: published "${published[0]}"`,
      'notify: done',
    ]);
    for (const line of got) {
      expect(line).toMatchObject({
        service: SERVICE_NAME,
        function_name: 'kuv-orders-notify',
        runId: RUN_ID,
        cluster: 'orders',
      });
      expect(line.function_request_id).toMatch(/^req-/);
    }
    expect(got[0]).toMatchObject({ level: 'INFO', input: { kind: 'verdict' } });

    // The next invocation of the container is not tagged with the last one's run.
    written = '';
    await handler(fixture('alarm-metric'), lambdaContext('kuv-orders-notify')).catch(() => {});
    expect(lines().length).toBeGreaterThan(0);
    for (const line of lines()) expect(line.runId).toBeUndefined();
  });

  it('log a rejected event as an error of its run, naming the field', async () => {
    const handler = lambdaHandler('baseline', (e, c: Context) =>
      baseline(e, c, { s3: new FakeS3(), bucket: 'b', env: clusterEnv() }),
    );
    const event = { ...fixture('baseline'), upgradeHash: 'not-hex' };
    await expect(handler(event, lambdaContext('kuv-orders-baseline'))).rejects.toThrow(
      /upgradeHash/,
    );
    const failed = lines().find((l) => l.level === 'ERROR');
    expect(failed).toMatchObject({ runId: RUN_ID, function_name: 'kuv-orders-baseline' });
    expect(failed?.message).toMatch(/^baseline: failed: baseline: field upgradeHash must be/);
    expect(failed?.error).toMatchObject({ name: 'InputError' });
  });

  it("every deployed handler logs through the Logger, with the run's keys", async () => {
    const handlers = {
      baseline: baselineHandler,
      'canary-slice': canarySliceHandler,
      reachability: reachabilityHandler,
      verify: verifyHandler,
      notify: notifyHandler,
      'msk-watch': mskWatchHandler,
    };
    const saved = { ...process.env };
    // No bucket, topic or cluster configured: each handler fails before any AWS call.
    for (const k of ['KUV_CLUSTER_CONFIG', 'KUV_RUN_BUCKET', 'KUV_ALERT_TOPIC_ARN'])
      delete process.env[k];
    try {
      for (const [name, handler] of Object.entries(handlers)) {
        written = '';
        await expect(
          handler({ runId: RUN_ID, cluster: 'orders' }, lambdaContext(`kuv-${name}`)),
        ).rejects.toThrow();
        expect(lines().map((l) => [l.level, l.message.split(':')[0]])).toEqual([
          ['INFO', name],
          ['ERROR', name],
        ]);
        expect(lines()[1]).toMatchObject({ runId: RUN_ID, function_name: `kuv-${name}` });
      }
    } finally {
      process.env = saved;
    }
  });

  it("carry kafkajs' warnings and errors at WARN, and drop its warnings about the canary's own choices", () => {
    const log = kafkaLogCreator(2);
    log({
      namespace: 'Connection',
      level: 1,
      label: 'ERROR',
      log: {
        timestamp: 't',
        logger: 'kafkajs',
        message: 'Connection error: connect ECONNREFUSED',
        broker: 'b-1:9096',
      } as never,
    });
    log({
      namespace: 'Producer',
      level: 2,
      label: 'WARN',
      log: {
        timestamp: 't',
        logger: 'kafkajs',
        message: 'Limiting retries for the idempotent producer may invalidate EoS guarantees',
      },
    });
    // The sockets the verifier closes itself when its clients are done.
    log({
      namespace: 'Connection',
      level: 1,
      label: 'ERROR',
      log: {
        timestamp: 't',
        logger: 'kafkajs',
        message: `Connection error: ${OWN_CLOSE_REASON}`,
        broker: 'b-2:9096',
      } as never,
    });
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'kafkajs Connection: Connection error: connect ECONNREFUSED',
        kafkajsLevel: 'ERROR',
        kafkajs: { namespace: 'Connection', broker: 'b-1:9096' },
      }),
    ]);
  });
});

describe("the core's notes", () => {
  it("reach the log: the canary session's notes at INFO, the cluster watcher's problems at WARN", async () => {
    const port = await closedPort();
    const env = clusterEnv(`127.0.0.1:${port}`);
    const run = readRunFor('baseline', fixture('baseline'), env);
    const context = lambdaContext('kuv-orders-baseline');
    const { session } = await lambdaSession(context, run.run, run.cluster, 0, {
      s3: new FakeS3(),
      bucket: env.KUV_RUN_BUCKET,
      env,
    });
    // The callbacks the session was built with, as the core calls them.
    const options = (session as unknown as { options: CanarySessionOptions }).options;
    options.onNote?.('baseline: 2 monitor(s)');
    const watcher = options.monitors?.find((m) => m.name === 'cluster-watcher');
    await watcher?.after(() => {});
    await runCleanups(context);
    const got = lines().filter((l) => !l.message.startsWith('kafkajs '));
    expect(got[0]).toMatchObject({ level: 'INFO', message: 'canary: baseline: 2 monitor(s)' });
    expect(got[1]).toMatchObject({ level: 'WARN' });
    expect(got[1]?.message).toMatch(/^cluster watcher: .*127\.0\.0\.1/);
  }, 30_000);
});

describe('a SASL/SCRAM run', () => {
  const PASSWORD = 'kuv-unit-Pa55w0rd-9f3c1e';
  const SCRAM_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_kuv-AbCdEf';
  const SECRET_STRING = JSON.stringify({ username: 'canary', password: PASSWORD });

  function scramEnv(bootstrap: string) {
    const env = clusterEnv(bootstrap);
    const config = JSON.parse(env.KUV_CLUSTER_CONFIG) as Record<string, unknown>;
    config.security = { protocol: 'sasl-scram', saslSecretArn: SCRAM_ARN };
    return { ...env, KUV_CLUSTER_CONFIG: JSON.stringify(config) };
  }

  beforeEach(() => {
    // Secrets Manager as the deployed functions call it (secretsManagerReader), faked.
    vi.spyOn(SecretsManagerClient.prototype, 'send').mockImplementation(async (command) => {
      if (!(command instanceof GetSecretValueCommand)) throw new Error('not faked');
      if (command.input.SecretId !== SCRAM_ARN) throw new Error(`no ${command.input.SecretId}`);
      return { ARN: SCRAM_ARN, Name: 'AmazonMSK_kuv', SecretString: SECRET_STRING } as never;
    });
  });

  it('the capture sees whatever the Logger writes: a password put in a message would be found', () => {
    logger.info(`a careless line: ${PASSWORD}`);
    expect(written).toContain(PASSWORD);
  });

  it('logs a value under a secret key as [redacted]', () => {
    logger.info('a careless object', { answer: { SecretString: SECRET_STRING, password: 'x' } });
    expect(written).not.toContain(PASSWORD);
    expect(lines()[0]).toMatchObject({
      answer: { SecretString: '[redacted]', password: '[redacted]' },
    });
  });

  it('logs no password: reachability (kafkajs failing to reach the brokers) and baseline (preflight failing)', async () => {
    const port = await closedPort();
    const env = scramEnv(`127.0.0.1:${port}`);
    const s3 = new FakeS3();
    const after = lambdaHandler('reachability', (e, c: Context) =>
      reachability(e, c, { s3, bucket: env.KUV_RUN_BUCKET, env }),
    );
    const result = await after(fixture('reachability'), lambdaContext('kuv-orders-reach'));
    expect(SecretsManagerClient.prototype.send).toHaveBeenCalled();
    expect(result.problems.length).toBeGreaterThan(0);

    const begin = lambdaHandler('baseline', (e, c: Context) =>
      baseline(e, c, { s3, bucket: env.KUV_RUN_BUCKET, env }),
    );
    const error = await begin(fixture('baseline'), lambdaContext('kuv-orders-baseline')).catch(
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);

    const got = lines();
    const messages = got.map((l) => l.message);
    expect(messages).toContain('reachability: after-probes written');
    expect(messages.some((m) => m.startsWith('kafkajs '))).toBe(true);
    expect(messages.some((m) => m.startsWith('reachability: the check could not see'))).toBe(true);
    expect(messages.some((m) => m.startsWith('baseline: failed: '))).toBe(true);
    for (const line of got) expect(line.runId).toBe(RUN_ID);
    // The grep: nothing written, the results and the error hold the password.
    expect(written).not.toContain(PASSWORD);
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
    expect(`${String(error)} ${(error as Error).stack}`).not.toContain(PASSWORD);
    // Nor does the history the run wrote (gzip parts).
    expect(s3.objects.size).toBeGreaterThan(0);
    for (const part of s3.objects.values())
      expect(gunzipSync(part).toString()).not.toContain(PASSWORD);
  }, 30_000);
});
