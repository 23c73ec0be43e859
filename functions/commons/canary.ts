/**
 * What baseline and canary-slice share: a canary session for one cluster, writing its
 * history as S3 parts, with the cluster watcher and reachability prober as monitors
 * (their state carried in the slice state), closed by the cleanup middleware. The
 * session's notes and the watcher's problems go to the Logger.
 */
import type { Context } from 'aws-lambda';

import { CanarySession } from '../core/canary/slice.js';
import type { SliceState } from '../core/canary/state.js';
import type { RunInput } from '../core/config/events.js';
import type { ClusterConfig } from '../core/config/verifier-config.js';
import { createKafka } from '../core/kafka/client.js';
import type { RunMonitor } from '../core/probe/monitor.js';
import { ReachabilityProber } from '../core/probe/reachability.js';
import { ClusterWatcher } from '../core/probe/watcher.js';
import { S3HistorySink, type S3Like } from '../core/store/s3-history.js';
import { onCleanup } from './cleanup.js';
import { connectionFor, type SecretReader } from './kafka.js';
import { logger } from './powertools/logger.js';

export interface SessionDeps {
  readonly s3: S3Like;
  readonly bucket: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads the cluster's secrets by ARN; default Secrets Manager. */
  readonly readSecret?: SecretReader;
}

export interface LambdaSession {
  readonly session: CanarySession;
  readonly sink: S3HistorySink;
}

/**
 * A session for one invocation. `monitors: false` leaves them out (the read-back: the
 * after-probes are the reachability task's). Registered for cleanup on `context`.
 */
export async function lambdaSession(
  context: Context,
  run: RunInput,
  cluster: ClusterConfig,
  firstPart: number,
  deps: SessionDeps,
  options: { state?: SliceState; monitors?: boolean; stopCanary?: AbortSignal } = {},
): Promise<LambdaSession> {
  const connection = await connectionFor(
    cluster,
    `kuv-${run.runId}`.slice(0, 100),
    deps.env,
    deps.readSecret,
  );
  const sink = new S3HistorySink(
    deps.s3,
    { bucket: deps.bucket, cluster: cluster.name, runId: run.runId },
    firstPart,
  );
  const monitors: RunMonitor[] = [];
  if (options.monitors !== false) {
    const watcher = new ClusterWatcher({
      connection,
      topics: [cluster.canary.topic],
      state: options.state?.monitors['cluster-watcher'],
      log: (message) => logger.warn(`cluster watcher: ${message}`),
    });
    monitors.push(
      watcher,
      new ReachabilityProber({
        bootstrap: connection.bootstrap,
        dnsServer: connection.dnsServer,
        security: connection.security,
        brokers: watcher,
        state: options.state?.monitors['reachability-prober'],
      }),
    );
  }
  const session = new CanarySession({
    kafka: createKafka(connection),
    sink,
    monitors,
    clientId: connection.clientId ?? 'kuv-canary',
    keepClients: false,
    onNote: (message) => logger.info(`canary: ${message}`),
    ...(options.stopCanary === undefined ? {} : { stopCanary: options.stopCanary }),
  });
  onCleanup(context, () => session.close());
  return { session, sink };
}
