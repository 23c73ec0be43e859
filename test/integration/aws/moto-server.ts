/**
 * moto's server (PyPI `moto[server]`, installed by scripts/python-tools.sh) as a local
 * AWS API emulator: one per test file, on a free loopback port, started in beforeAll
 * and stopped in afterAll. Tests that need it skip with `motoServerMissing` as the
 * reason when it is not installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { VerifierError } from '../../../functions/core/errors.js';

/** .venv/bin/moto_server, or the path in KUV_MOTO_SERVER (a moto installed elsewhere). */
export const MOTO_SERVER_PATH =
  process.env.KUV_MOTO_SERVER ?? join(import.meta.dirname, '../../../.venv/bin/moto_server');

/** Why tests that need moto cannot run here, or null when they can. */
export const motoServerMissing: string | null = existsSync(MOTO_SERVER_PATH)
  ? null
  : `${MOTO_SERVER_PATH} is not installed: run scripts/python-tools.sh (or set KUV_MOTO_SERVER)`;

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

export interface MotoServer {
  /** `http://127.0.0.1:PORT`: the SDK clients' `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** Clears every service's state (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** Stops the server and waits until it has exited. */
  stop(): Promise<void>;
}

/** Dummy credentials and a region: moto accepts any. */
export const MOTO_CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
} as const;

/** A port the kernel just gave out on loopback, closed again for moto to take. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function waitUntilServing(endpoint: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new VerifierError(
        `moto_server exited with status ${child.exitCode} before serving ${endpoint}: ${output()}`,
      );
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`, {
        signal: AbortSignal.timeout(1000),
      });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new VerifierError(
    `moto_server did not serve ${endpoint} within ${READY_TIMEOUT_MS / 1000} s: ${output()}`,
  );
}

/** Starts `moto_server -H 127.0.0.1 -p PORT` and resolves once it answers HTTP. */
export async function startMotoServer(): Promise<MotoServer> {
  const port = await freeLoopbackPort();
  const endpoint = `http://${HOST}:${port}`;
  const child = spawn(MOTO_SERVER_PATH, ['-H', HOST, '-p', String(port)], {
    // MOTO_PORT: where moto's own internal calls go (Step Functions tasks, per the notes).
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
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) {
        throw new VerifierError(
          `moto_server at ${endpoint} refused a reset: HTTP ${response.status}`,
        );
      }
      await response.body?.cancel();
    },
    stop,
  };
}

/**
 * moto's Kafka answers carry `creationTime` without a zone (`2026-12-04T02:50:50.315192`),
 * which the AWS SDK refuses as "Invalid RFC-3339 date-time value"; real MSK sends UTC
 * with a `Z`. This middleware adds the `Z` to the raw answer before the SDK parses it,
 * and changes nothing else: moto's own deviation corrected, not an answer made up.
 */
export function fixMotoKafkaDates(client: {
  middlewareStack: {
    add: (
      m: (next: (a: unknown) => Promise<unknown>) => (a: unknown) => Promise<unknown>,
      o: { step: 'deserialize'; priority: 'low'; name: string },
    ) => void;
  };
}): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = (await next(args)) as {
        response: { body: AsyncIterable<Uint8Array> & { destroy?: () => void } };
      };
      const chunks: Buffer[] = [];
      for await (const chunk of result.response.body) chunks.push(Buffer.from(chunk));
      const text = Buffer.concat(chunks)
        .toString('utf8')
        .replace(/("creationTime": ?"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)"/g, '$1Z"');
      result.response.body = Readable.from([Buffer.from(text)]);
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'fixMotoKafkaDates' },
  );
}
