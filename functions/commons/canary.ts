/**
 * What baseline and canary-slice share: a canary session for one cluster, writing its
 * history as S3 parts, with the cluster watcher and reachability prober as monitors
 * (their state carried in the slice state), closed by the cleanup middleware. The
 * session's notes and the watcher's problems go to the Logger.
 */
import { randomBytes } from 'node:crypto';

import type { Context } from 'aws-lambda';

import { CanarySession } from '../core/canary/session.js';
import type { LiveChecker } from '../core/live/checker.js';
import { TeeSink } from '../core/live/tee.js';
import type { SliceState } from '../core/canary/state.js';
import type { RunInput } from '../core/config/events.js';
import type { ClusterConfig } from '../core/config/verifier-config.js';
import { createKafka } from '../core/kafka/client.js';
import { clusterMonitors } from '../core/probe/monitors.js';
import { mskFindings } from '../core/readiness/msk-check.js';
import { readinessMonitor } from '../core/readiness/records.js';
import { cloudWatchClient } from './aws-clients/cloudwatch.js';
import { mskClient } from './aws-clients/msk.js';
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
 * A token no other invocation has: the Lambda request id (new for every Step Functions
 * attempt, and what the invocation's log lines carry) plus random bytes (in case an
 * invocation is ever redelivered with its id). Lowercase letters and digits.
 */
export function attemptToken(context: Context, random = randomBytes(4).toString('hex')): string {
  const id = context.awsRequestId.toLowerCase().replace(/[^0-9a-z]/g, '');
  return `${id.slice(0, 12)}${random}`;
}

/** The producer of one slice attempt's records: `<producer>.s<slice>.<attempt token>`. */
export function sliceProducerName(state: SliceState, attempt: string): string {
  return `${state.producer}.s${state.slices + 1}.${attempt}`;
}

/**
 * A session for one invocation. Its history parts carry the invocation's attemptToken;
 * with `producerPerAttempt` (the canary slices) so does the producer of what it sends
 * (sliceProducerName): a retried slice starts from the same input state (the
 * same nextSeq, the same nextPart), and this is what keeps its identities and part keys
 * apart from the failed attempt's (docs/aws.md, "Retried slices"). `monitors: false` leaves them out (the read-back: the
 * after-probes are the reachability task's); `readiness: true` adds the readiness check. Registered for cleanup on `context`.
 */
export async function lambdaSession(
  context: Context,
  run: RunInput,
  cluster: ClusterConfig,
  firstPart: number,
  deps: SessionDeps,
  options: {
    state?: SliceState;
    monitors?: boolean;
    stopCanary?: AbortSignal;
    producerPerAttempt?: boolean;
    /**
     * The readiness check (the baseline only): its findings go into the first history
     * part as `readiness` records. The configuration names no topics of its own to
     * watch, so it runs the checks that need no topic list: brokers' leadership
     * settings, consumer groups, addresses.
     */
    readiness?: boolean;
    /**
     * The live checker (the canary slices): every record the session writes is also
     * given to it (TeeSink), and the producer's waits on each progress.
     */
    live?: LiveChecker;
  } = {},
): Promise<LambdaSession> {
  const attempt = attemptToken(context);
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
    attempt,
  );
  const monitors =
    options.monitors === false
      ? []
      : clusterMonitors({
          connection,
          topics: [cluster.canary.topic],
          offsets: true,
          ...(options.state === undefined ? {} : { state: options.state.monitors }),
          log: (message) => logger.warn(`cluster watcher: ${message}`),
        }).monitors;
  if (options.readiness === true) {
    // On Amazon MSK also the cluster's state, CPU and quiet hours (docs/preflight.md).
    const arn = cluster.mskClusterArn;
    monitors.push(
      readinessMonitor(
        connection,
        [],
        (line) => logger.warn(`baseline: ${line}`),
        Date.now,
        arn === undefined
          ? undefined
          : () => mskFindings(arn, { kafka: mskClient(), cloudWatch: cloudWatchClient() }),
      ),
    );
  }
  const { live } = options;
  const session = new CanarySession({
    kafka: createKafka(connection),
    sink:
      live === undefined
        ? sink
        : new TeeSink(
            sink,
            (record) => live.check(record),
            (error) =>
              logger.warn(
                'canary: the live checker failed and stops; the history is not affected',
                {
                  error: error instanceof Error ? error.message : String(error),
                },
              ),
          ),
    ...(live === undefined
      ? {}
      : { onProgress: (_state, _now, progress) => live.waiting(progress?.waiting ?? []) }),
    monitors,
    clientId: connection.clientId ?? 'kuv-canary',
    keepClients: false,
    onNote: (message) => logger.info(`canary: ${message}`),
    ...(options.stopCanary === undefined ? {} : { stopCanary: options.stopCanary }),
    ...(options.producerPerAttempt === true && options.state !== undefined
      ? { producerName: sliceProducerName(options.state, attempt) }
      : {}),
  });
  onCleanup(context, () => session.close());
  return { session, sink };
}
