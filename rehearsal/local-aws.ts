/**
 * AWS on this machine, for calling the Lambda handlers outside Lambda: moto's server
 * (PyPI `moto[server]`, installed into .venv by scripts/python-tools.sh) as the AWS API
 * emulator on a free loopback port, a Lambda context as the handlers get one, and the
 * input the verification state machine gives them for a run started by hand. The
 * integration tests (test/support/aws.ts, lambda.ts) and the measurement scripts
 * (scripts/measure-slice-memory.ts, bench-live-metric.ts) share them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { Context } from 'aws-lambda';

import {
  finishedMarkerKey,
  runId,
  upgradeHash,
  type RunInput,
} from '../functions/core/config/events.js';
import { ClusterError } from '../functions/core/errors.js';
import { waitFor } from '../functions/core/wait.js';
import { freePort } from './ports.js';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

/** The checkout: the first folder above this module (source or dist/) holding package.json. */
function checkoutRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** .venv/bin/moto_server of the checkout, or the path in KUV_MOTO_SERVER (a moto installed elsewhere). */
export const MOTO_SERVER_PATH =
  process.env.KUV_MOTO_SERVER ?? join(checkoutRoot(), '.venv/bin/moto_server');

/** Why moto cannot run here (what to install), or null when it can. */
export const motoServerMissing: string | null = existsSync(MOTO_SERVER_PATH)
  ? null
  : `${MOTO_SERVER_PATH} is not installed: run scripts/python-tools.sh (or set KUV_MOTO_SERVER)`;

/** Dummy credentials and a region: moto accepts any. */
export const MOTO_CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
} as const;

export interface MotoServer {
  /** `http://127.0.0.1:PORT`: the SDK clients' `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /**
   * The environment that points the AWS SDK (and so a handler called in this process
   * or a child) at this server: AWS_ENDPOINT_URL, a region and dummy credentials.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Clears every service's state (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** Stops the server and waits until it has exited. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function waitUntilServing(endpoint: string, child: ChildProcess, output: () => string) {
  await waitFor(
    async () => {
      if (child.exitCode !== null) {
        throw new ClusterError(
          `moto_server exited with status ${child.exitCode} before serving ${endpoint}: ${output()}`,
        );
      }
      try {
        const response = await fetch(`${endpoint}/moto-api/data.json`, {
          signal: AbortSignal.timeout(1000),
        });
        await response.body?.cancel();
        return response.ok;
      } catch {
        return false; // not listening yet
      }
    },
    {
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 200,
      what: `moto_server to serve ${endpoint}`,
      onTimeout: () =>
        new ClusterError(
          `moto_server did not serve ${endpoint} within ${READY_TIMEOUT_MS / 1000} s: ${output()}`,
        ),
    },
  );
}

/**
 * Starts `moto_server -H 127.0.0.1 -p PORT` on a free port and resolves once it answers
 * HTTP; a server still running when this process exits is killed.
 */
export async function startMotoServer(): Promise<MotoServer> {
  if (motoServerMissing !== null) throw new ClusterError(motoServerMissing);
  const port = await freePort(HOST);
  const endpoint = `http://${HOST}:${port}`;
  const child = spawn(MOTO_SERVER_PATH, ['-H', HOST, '-p', String(port)], {
    // MOTO_PORT: where moto's own internal calls go (Step Functions tasks).
    env: { ...process.env, MOTO_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-2000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited(child);
    clearTimeout(timer);
  };

  try {
    await waitUntilServing(endpoint, child, () => tail.trim() || '(no output)');
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint,
    port,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: MOTO_CLIENT_CONFIG.region,
      AWS_ACCESS_KEY_ID: MOTO_CLIENT_CONFIG.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CLIENT_CONFIG.credentials.secretAccessKey,
    },
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) {
        throw new ClusterError(
          `moto_server at ${endpoint} refused a reset: HTTP ${response.status}`,
        );
      }
      await response.body?.cancel();
    },
    stop,
  };
}

/**
 * A Lambda context for a handler called in this process, as Lambda gives one:
 * `getRemainingTimeInMillis` counts down from `remainingMs` (the function's timeout).
 */
export function lambdaContext(name = 'test', remainingMs = 60_000): Context {
  const ends = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'in-process',
    getRemainingTimeInMillis: () => Math.max(0, ends - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * What the verification state machine gives the handlers for a run of `cluster` started
 * by hand for `upgradeKey`, with its run store (and finished marker) in `bucket`: what
 * start-run derives (upgradeHash, runId, the marker), attempt 1.
 */
export function manualRunInput(cluster: string, bucket: string, upgradeKey: string): RunInput {
  return {
    cluster,
    upgradeKey,
    trigger: { kind: 'manual', time: new Date().toISOString() },
    upgradeHash: upgradeHash(upgradeKey),
    attempt: 1,
    runId: runId(cluster, upgradeKey),
    finishedMarker: { bucket, key: finishedMarkerKey(cluster, upgradeKey) },
  };
}
