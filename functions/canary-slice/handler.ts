/**
 * canary-slice: one bounded slice of the canary, `state in → state out`. Before it
 * runs, it checks the run store for the upgrade-finished marker (docs/aws.md, "How a
 * run learns the upgrade is over"): once the marker exists the canary phase ends now
 * and the settle phase starts. A slice given a state in phase `verify` reads every
 * canary partition back and closes the run's history (phase `done`).
 *
 * Each slice's records are one history part in S3. Event: RunInput plus `canary`
 * (the previous task's result); result: the new `canary`.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

import { InputError } from '../core/errors.js';
import { objectExists } from '../core/store/s3-history.js';
import { s3Client } from '../commons/aws-clients/s3.js';
import { cleanupMiddleware } from '../commons/cleanup.js';
import { lambdaSession, type SessionDeps } from '../commons/canary.js';
import { requiredEnv, RUN_BUCKET_ENV, sliceMsFromEnv } from '../commons/environment.js';
import { readCanaryStep, readRunFor, type CanaryStep } from '../commons/events.js';

/** The read-back's bound: a partition not read to its end by then fails the task. */
export const READ_BACK_TIMEOUT_MS = 120_000;

export async function canarySlice(
  event: unknown,
  context: Context,
  deps: SessionDeps & { sliceMs: number },
): Promise<CanaryStep> {
  const { run, cluster } = readRunFor('canary-slice', event, deps.env);
  const step = readCanaryStep('canary-slice', event);
  if (step.state.runId !== run.runId) {
    throw new InputError(
      `canary-slice: field canary.state.runId is ${JSON.stringify(step.state.runId)}, not this run's ${JSON.stringify(run.runId)}: the state belongs to another run.`,
    );
  }
  if (step.phase === 'done') return step;
  if (step.phase === 'verify') {
    const { session, sink } = await lambdaSession(context, run, cluster, step.nextPart, deps, {
      monitors: false,
    });
    const state = await session.verify(step.state, READ_BACK_TIMEOUT_MS);
    await session.close();
    return { state, phase: state.phase, nextPart: sink.nextPart, upgradeOver: step.upgradeOver };
  }
  const upgradeOver =
    step.upgradeOver ||
    (await objectExists(deps.s3, run.finishedMarker.bucket, run.finishedMarker.key));
  const stop = new AbortController();
  if (upgradeOver) stop.abort();
  const { session, sink } = await lambdaSession(context, run, cluster, step.nextPart, deps, {
    state: step.state,
    stopCanary: stop.signal,
  });
  const state = await session.slice(step.state, deps.sliceMs);
  await session.close();
  return { state, phase: state.phase, nextPart: sink.nextPart, upgradeOver };
}

export function functionHandler(event: unknown, context: Context): Promise<CanaryStep> {
  return canarySlice(event, context, {
    s3: s3Client(),
    bucket: requiredEnv(RUN_BUCKET_ENV),
    sliceMs: sliceMsFromEnv(),
  });
}

export const handler = middy(functionHandler).use(cleanupMiddleware());
