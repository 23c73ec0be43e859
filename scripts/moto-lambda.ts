/**
 * What the measurement scripts share: a moto server on a free loopback port, and a
 * Lambda context as the handlers get one (scripts/measure-slice-memory.ts,
 * scripts/bench-live-metric.ts). Not a test helper: the tests have
 * test/integration/aws/moto-server.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Context } from 'aws-lambda';

import { finishedMarkerKey, runId, upgradeHash } from '../functions/core/config/events.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

export function lambdaContext(name: string, remainingMs: number): Context {
  const ends = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: `${name}-${process.pid}-${Date.now().toString(36)}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'measure',
    getRemainingTimeInMillis: () => ends - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startMoto(): Promise<{ endpoint: string; stop: () => void }> {
  const path = process.env.KUV_MOTO_SERVER ?? join(root, '.venv/bin/moto_server');
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run scripts/python-tools.sh (or set KUV_MOTO_SERVER)`);
  }
  const port = await freePort();
  const moto = spawn(path, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i += 1) {
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      await response.body?.cancel();
      if (response.ok) return { endpoint, stop: () => moto.kill('SIGTERM') };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  moto.kill('SIGKILL');
  throw new Error(`moto_server did not serve ${endpoint} within 60 s`);
}

/** The input of a manually started run of `cluster` whose store is `bucket`. */
export function manualRun(cluster: string, bucket: string, upgradeKey: string) {
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
