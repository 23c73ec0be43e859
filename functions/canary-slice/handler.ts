/**
 * canary-slice: one bounded slice of the canary, `state in → state out`. Before it
 * runs, it checks the run store for the upgrade-finished marker (docs/aws.md, "How a
 * run learns the upgrade is over"): once the marker exists the canary phase ends now
 * and the settle phase starts. A slice given a state in phase `verify` reads every
 * canary partition back and closes the run's history (phase `done`).
 *
 * A slice runs for KUV_SLICE_MS, or less when the invocation has less time left than
 * that plus SLICE_END_MARGIN_MS; it flushes a history part at least every 30 s. Its
 * part keys and its producer carry a token of the invocation's own, so a retry of a
 * failed slice, which gets the same input, never rewrites a part or reuses an identity
 * (docs/aws.md, "Retried slices"). Event: RunInput plus `canary`
 * (the previous task's result); result: the new `canary`.
 */
import type { Context } from 'aws-lambda';

import type { SliceState } from '../core/canary/state.js';
import { objectExists } from '../core/store/s3-history.js';
import { s3Client } from '../commons/aws-clients/s3.js';
import { cloudWatchClient } from '../commons/aws-clients/cloudwatch.js';
import { eventBridgeClient } from '../commons/aws-clients/eventbridge.js';
import { LiveChecker } from '../core/live/checker.js';
import { anomalyPublisher, type PutEventsClient } from '../core/live/events.js';
import { LiveMetricsPublisher, mergeSources, sessionMetricSource } from '../core/live/publish.js';
import type { PutMetricDataClient } from '../core/metrics/publisher.js';
import { sliceBudgetMs } from '../core/canary/session.js';
import { lambdaSession, type SessionDeps } from '../commons/canary.js';
import { requiredEnv, RUN_BUCKET_ENV, sliceMsFromEnv } from '../commons/environment.js';
import { readCanaryStepFor, readRunFor, type CanaryStep } from '../commons/events.js';
import { lambdaHandler } from '../commons/lambda.js';
import { logger, logRun } from '../commons/powertools/logger.js';

/** The read-back's bound: a partition not read to its end by then fails the task. */
export const READ_BACK_TIMEOUT_MS = 120_000;

/**
 * What a slice keeps of its invocation's time for after its loop: draining the sends in
 * flight (kafkajs retries included), leaving the group, the monitors' last ticks, the
 * last part's upload (the S3 client's own timeouts are below this) and closing.
 */
export const SLICE_END_MARGIN_MS = 90_000;

export async function canarySlice(
  event: unknown,
  context: Context,
  deps: SessionDeps & {
    sliceMs: number;
    /** Where live metrics go (every ≤ 30 s during the slice); none: not published. */
    cloudwatch?: PutMetricDataClient;
    /** Where the run's `Verification Anomaly` event goes (the default bus); none: not sent. */
    events?: PutEventsClient;
    /** Between two live publications; default 30 s. */
    liveMetricsEveryMs?: number;
  },
): Promise<CanaryStep> {
  const { run, cluster } = readRunFor('canary-slice', event, deps.env);
  logRun({ runId: run.runId, cluster: cluster.name });
  const step = readCanaryStepFor('canary-slice', event, run, cluster);
  if (step.phase === 'done') {
    logger.info('canary-slice: the canary is done already, nothing to run');
    return step;
  }
  if (step.phase === 'verify') {
    logger.info('canary-slice: reading every canary partition back', {
      timeoutMs: READ_BACK_TIMEOUT_MS,
    });
    const { session, sink } = await lambdaSession(context, run, cluster, step.nextPart, deps, {
      monitors: false,
    });
    const state = await session.verify(step.state, READ_BACK_TIMEOUT_MS);
    await session.close();
    logger.info('canary-slice: read-back finished, the history is closed', sliceFacts(state));
    return { state, phase: state.phase, nextPart: sink.nextPart, upgradeOver: step.upgradeOver };
  }
  const upgradeOver =
    step.upgradeOver ||
    (await objectExists(deps.s3, run.finishedMarker.bucket, run.finishedMarker.key));
  const stop = new AbortController();
  if (upgradeOver) stop.abort();
  logger.info(
    upgradeOver
      ? 'canary-slice: the upgrade is over (finished marker found): the canary phase ends, the settle phase runs'
      : 'canary-slice: the upgrade is not over (no finished marker): the canary runs on',
    { phase: step.phase, sliceMs: deps.sliceMs, finishedMarker: run.finishedMarker },
  );
  // Live findings of this slice (functions/core/live/checker.ts): logged as they are
  // made, and the run's first hard one is the `Verification Anomaly` event
  // (docs/events.md), sent once per run (anomalySent travels in the step).
  const checker = new LiveChecker();
  const anomaly =
    deps.events === undefined
      ? null
      : anomalyPublisher({
          client: deps.events,
          run: { cluster: cluster.name, runId: run.runId },
          log: (line) => logger.warn(`canary-slice: ${line}`),
          alreadySent: step.anomalySent === true,
        });
  checker.onFinding((finding) => {
    logger.warn(`canary-slice: live ${finding.kind}: ${finding.detail}`, { finding });
    anomaly?.onFinding(finding);
  });
  const { session, sink } = await lambdaSession(context, run, cluster, step.nextPart, deps, {
    state: step.state,
    stopCanary: stop.signal,
    producerPerAttempt: true,
    live: checker,
  });
  const sliceMs = sliceBudgetMs(
    deps.sliceMs,
    context.getRemainingTimeInMillis(),
    SLICE_END_MARGIN_MS,
  );
  // The slice state's counters are the run's so far and the session updates them as
  // it goes: what the live metrics publish, every ≤ 30 s and once at the slice's end.
  const live =
    deps.cloudwatch === undefined
      ? null
      : new LiveMetricsPublisher({
          // The checker's counts are this slice's; the session's are the run's so far.
          source: mergeSources(sessionMetricSource(step.state), checker),
          cluster: cluster.name,
          client: deps.cloudwatch,
          log: (line) => logger.warn(`canary-slice: ${line}`),
          ...(deps.liveMetricsEveryMs === undefined ? {} : { everyMs: deps.liveMetricsEveryMs }),
        });
  live?.start();
  let state: SliceState;
  try {
    state = await session.slice(step.state, sliceMs);
  } finally {
    await live?.stop();
    await anomaly?.settled();
  }
  await session.close();
  logger.info('canary-slice: slice finished', {
    ...sliceFacts(state),
    liveFindings: checker.findings.length,
  });
  return {
    state,
    phase: state.phase,
    nextPart: sink.nextPart,
    upgradeOver,
    anomalySent: anomaly?.sent() ?? step.anomalySent === true,
  };
}

/** What a person following a run wants from a slice's end: where it is, what it did. */
function sliceFacts(state: SliceState): Record<string, unknown> {
  return {
    phase: state.phase,
    slices: state.slices,
    counters: state.counters,
    ...(state.lastError === null ? {} : { lastError: state.lastError.error }),
  };
}

export function functionHandler(event: unknown, context: Context): Promise<CanaryStep> {
  return canarySlice(event, context, {
    s3: s3Client(),
    bucket: requiredEnv(RUN_BUCKET_ENV),
    sliceMs: sliceMsFromEnv(),
    cloudwatch: cloudWatchClient(),
    events: eventBridgeClient(),
  });
}

export const handler = lambdaHandler('canary-slice', functionHandler);
