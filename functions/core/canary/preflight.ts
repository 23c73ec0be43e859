/**
 * Before a run writes anything: can a client reach the cluster? Resolves each
 * bootstrap name (through the given DNS server), connects to it, asks the cluster
 * for its brokers, then resolves and connects to every broker as it advertises
 * itself. Each step has a short timeout, so a wrong address fails in seconds with
 * a message that says which step and which name, not after minutes of retries.
 */
import { promises as dnsPromises } from 'node:dns';
import net from 'node:net';

import type { Kafka } from 'kafkajs';

import { createKafka, parseBootstrap, type KafkaConnection } from '../kafka/client.js';
import { createBoundResolver, DnsLookupError } from '../kafka/dns.js';
import { CanaryAbortedError, CanaryPreflightError } from './errors.js';

export interface PreflightBroker {
  nodeId: number;
  host: string;
  port: number;
}

export interface PreflightResult {
  clusterId: string;
  brokers: PreflightBroker[];
}

export interface PreflightOptions {
  /** Per TCP connect; default 3000 ms. */
  connectTimeoutMs?: number;
  /** For the whole metadata request, retries included; default 15000 ms. */
  metadataTimeoutMs?: number;
  /**
   * Aborted (a signal during the start-up check): preflight stops at once with a
   * CanaryAbortedError, its sockets and client closed, instead of waiting out a silent
   * listener's timeouts.
   */
  signal?: AbortSignal;
}

/** Rejects with CanaryAbortedError as soon as `signal` is aborted, unless `promise` settles first. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  const aborted = () =>
    new CanaryAbortedError(
      `interrupted (${String(signal.reason ?? 'aborted')}) while checking the cluster, before the canary started`,
    );
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(aborted());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Rejects after `ms` with `onTimeout()` unless `promise` settles first. */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function splitHostPort(endpoint: string): { host: string; port: number } {
  const i = endpoint.lastIndexOf(':');
  return { host: endpoint.slice(0, i), port: Number(endpoint.slice(i + 1)) };
}

/** Resolves `host` the way the run's clients will; throws CanaryPreflightError naming it. */
async function resolveHost(
  host: string,
  dnsServer: string | undefined,
  role: string,
): Promise<string> {
  if (net.isIP(host) !== 0) return host;
  if (dnsServer === undefined) {
    try {
      return (await dnsPromises.lookup(host)).address;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      throw new CanaryPreflightError(
        `${role} name ${host} does not resolve (${code}, system resolver). ` +
          'Check the name, or give the DNS server that serves it with --dns-server HOST:PORT.',
        { cause: error },
      );
    }
  }
  const resolver = createBoundResolver(dnsServer, { timeoutMs: 1000, tries: 2 });
  try {
    return (await resolver.resolve(host))[0]!.address;
  } catch (error) {
    const code = error instanceof DnsLookupError ? error.code : 'EUNKNOWN';
    if (code === 'ENOTFOUND') {
      throw new CanaryPreflightError(
        `${role} name ${host} does not resolve: DNS server ${resolver.server} has no address for it. ` +
          'Check the name (a typo?) and that this DNS server is the one that serves the cluster.',
        { cause: error },
      );
    }
    throw new CanaryPreflightError(
      `DNS server ${resolver.server} did not answer when asked for ${host} (${code}). ` +
        'Check that it is running and reachable from here (local cluster: ' +
        "'kafka-upgrade-verifier local-cluster status'), or fix --dns-server.",
      { cause: error },
    );
  }
}

/** Connects to address:port; throws CanaryPreflightError saying nothing listens there. */
function tcpConnect(
  host: string,
  address: string,
  port: number,
  timeoutMs: number,
  role: string,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    signal?.addEventListener('abort', () => socket.destroy(), { once: true });
    const fail = (why: string, cause?: unknown) => {
      socket.destroy();
      reject(
        new CanaryPreflightError(
          `cannot connect to ${role} ${host}:${port}${address === host ? '' : ` (${address})`}: ${why}. ` +
            'Check the host and port (is the cluster running? is this its client listener?) and any firewall between here and it.',
          { cause },
        ),
      );
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'ECONNREFUSED'
          ? 'nothing listens there (ECONNREFUSED)'
          : `${error.code ?? error.message}`,
        error,
      ),
    );
  });
}

async function reach(
  endpoint: { host: string; port: number },
  dnsServer: string | undefined,
  timeoutMs: number,
  role: string,
  signal?: AbortSignal,
): Promise<void> {
  const address = await unlessAborted(resolveHost(endpoint.host, dnsServer, role), signal);
  await unlessAborted(
    tcpConnect(endpoint.host, address, endpoint.port, timeoutMs, role, signal),
    signal,
  );
}

/**
 * Checks that the cluster can be reached as the run will reach it. `kafka` is the
 * client to ask for metadata (built from `connection` with short timeouts when omitted).
 */
export async function preflight(
  connection: KafkaConnection,
  options: PreflightOptions = {},
  kafka?: Kafka,
): Promise<PreflightResult> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 3000;
  const metadataTimeoutMs = options.metadataTimeoutMs ?? 15_000;
  const bootstrap = parseBootstrap(connection.bootstrap).map(splitHostPort);
  const { signal } = options;
  const problems: Error[] = [];
  for (const endpoint of bootstrap) {
    try {
      await reach(endpoint, connection.dnsServer, connectTimeoutMs, 'bootstrap', signal);
    } catch (error) {
      if (error instanceof CanaryAbortedError) throw error;
      problems.push(error as Error);
    }
  }
  if (problems.length === bootstrap.length) {
    throw problems.length === 1
      ? problems[0]!
      : new CanaryPreflightError(
          `no bootstrap server can be reached:\n  ${problems.map((p) => p.message).join('\n  ')}`,
        );
  }

  const client =
    kafka ??
    createKafka({
      ...connection,
      clientId: connection.clientId ?? 'kuv-preflight',
      config: {
        connectionTimeout: connectTimeoutMs,
        requestTimeout: 5000,
        retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
        ...connection.config,
      },
    });
  const admin = client.admin();
  let described;
  try {
    described = await withTimeout(
      unlessAborted(
        (async () => {
          await admin.connect();
          return admin.describeCluster();
        })(),
        signal,
      ),
      metadataTimeoutMs,
      () =>
        new CanaryPreflightError(
          `the cluster at ${connection.bootstrap} accepted a connection but did not answer a metadata request within ${metadataTimeoutMs} ms. ` +
            'Is this a Kafka client listener (not the controller or a TLS port)?',
        ),
    );
  } catch (error) {
    if (error instanceof CanaryPreflightError || error instanceof CanaryAbortedError) throw error;
    const unresolved = /ENOTFOUND (\S+)/.exec((error as Error).message)?.[1];
    if (unresolved !== undefined) {
      throw new CanaryPreflightError(
        `the cluster at ${connection.bootstrap} answered, but advertises a broker as ${unresolved}, a name that does not resolve ` +
          `${connection.dnsServer === undefined ? 'through the system resolver' : `through DNS server ${connection.dnsServer}`}. ` +
          'Clients reach brokers by their advertised names: give the DNS server that serves them with --dns-server HOST:PORT, or fix the brokers’ advertised.listeners.',
        { cause: error },
      );
    }
    throw new CanaryPreflightError(
      `the cluster at ${connection.bootstrap} did not answer a metadata request: ${(error as Error).message}. ` +
        'Check that the bootstrap is a Kafka client listener and the cluster is healthy.',
      { cause: error },
    );
  } finally {
    // After a signal, do not wait for the client's pending connect to give up (with the
    // run's settings, its retries take over a minute): close it in the background.
    const closing = admin.disconnect().catch(() => {});
    if (signal?.aborted !== true) await closing;
  }
  const brokers = described.brokers
    .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port }))
    .sort((a, b) => a.nodeId - b.nodeId);
  for (const broker of brokers) {
    await reach(
      broker,
      connection.dnsServer,
      connectTimeoutMs,
      `broker ${broker.nodeId} (as advertised)`,
      signal,
    );
  }
  return { clusterId: described.clusterId, brokers };
}
