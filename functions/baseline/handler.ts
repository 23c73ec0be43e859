/**
 * baseline: the first task of a run. Checks the cluster can be reached as the canary
 * will reach it, creates or adopts the canary topic, writes the `run` record, the
 * monitors' baseline (probes, leaders) and the readiness check's findings (`readiness`
 * records, which verify's reports show) as history part 0, and returns the canary's
 * starting state for the first slice.
 *
 * Event: RunInput (docs/aws.md, "Event contract"). Result: `{state, phase, nextPart,
 * upgradeOver}`, which the state machine keeps at `$.canary`.
 */
import type { Context } from 'aws-lambda';

import { preflight } from '../core/canary/preflight.js';
import { defaultGroup } from '../core/canary/consumer.js';
import { s3Client } from '../commons/aws-clients/s3.js';
import { lambdaSession, type SessionDeps } from '../commons/canary.js';
import { requiredEnv, RUN_BUCKET_ENV } from '../commons/environment.js';
import { readRunFor, type CanaryStep } from '../commons/events.js';
import { connectionFor } from '../commons/kafka.js';
import { lambdaHandler } from '../commons/lambda.js';
import { logger, logRun } from '../commons/powertools/logger.js';

/** The handler's work, with its clients passed in (tests). */
export async function baseline(
  event: unknown,
  context: Context,
  deps: SessionDeps,
): Promise<CanaryStep> {
  const { run, cluster } = readRunFor('baseline', event, deps.env);
  logRun({ runId: run.runId, cluster: cluster.name });
  const found = await preflight(
    await connectionFor(cluster, `kuv-${run.runId}-preflight`, deps.env, deps.readSecret),
  );
  logger.info('baseline: preflight passed, the cluster is reachable as the canary reaches it', {
    clusterId: found.clusterId,
    brokers: found.brokers.map((b) => b.nodeId),
  });
  const { session, sink } = await lambdaSession(context, run, cluster, 0, deps, {
    readiness: true,
  });
  const state = await session.begin({
    runId: run.runId,
    cluster: cluster.name,
    topic: cluster.canary.topic,
    group: defaultGroup(cluster.canary.topic),
    mode: cluster.canary.mode,
    intervalMs: cluster.canary.intervalMs,
    // The canary runs until the upgrade is over, at the latest until the run's maximum
    // less its settle time; the slices end it early once the finished marker exists.
    durationMs: cluster.canary.maxDurationMs - cluster.canary.settleMs,
    settleMs: cluster.canary.settleMs,
    brokers: found.brokers.map((b) => b.nodeId),
    producer: cluster.canary.producer,
    runInfo: {
      bootstrap: cluster.bootstrap,
      tool: 'kafka-upgrade-verifier lambda',
      upgradeKey: run.upgradeKey,
      trigger: run.trigger.kind,
    },
  });
  await session.close();
  logger.info('baseline: canary started', {
    topic: state.topic,
    partitions: state.partitions,
    phase: state.phase,
    canaryEndsAt: new Date(state.canaryEndsAt).toISOString(),
    nextPart: sink.nextPart,
  });
  return { state, phase: state.phase, nextPart: sink.nextPart, upgradeOver: false };
}

export function functionHandler(event: unknown, context: Context): Promise<CanaryStep> {
  return baseline(event, context, { s3: s3Client(), bucket: requiredEnv(RUN_BUCKET_ENV) });
}

export const handler = lambdaHandler('baseline', functionHandler);
