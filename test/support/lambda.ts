/**
 * Calling the Lambda handlers in the tests, unit and integration alike: a Lambda
 * context, and the input the state machine gives the handlers for a run started by
 * hand; both from rehearsal/local-aws.ts, which the measurement scripts use too.
 */
import type { Context } from 'aws-lambda';

import { lambdaContext } from '../../rehearsal/local-aws.js';

export { lambdaContext, manualRunInput } from '../../rehearsal/local-aws.js';

/**
 * Calls handler `name` as Lambda does: the event and the result through JSON (what a
 * state machine passes on), with the context of a function that has `remainingMs` left
 * (by default a 15-minute function's: a slice keeps SLICE_END_MARGIN_MS of it).
 */
export async function invokeInProcess<T>(
  name: string,
  handler: (event: unknown, context: Context) => Promise<T>,
  event: unknown,
  remainingMs = 900_000,
): Promise<T> {
  const result = await handler(JSON.parse(JSON.stringify(event)), lambdaContext(name, remainingMs));
  return JSON.parse(JSON.stringify(result)) as T;
}

/**
 * KUV_CLUSTER_CONFIG, as the stack writes it, for handler tests on a real cluster: a
 * short idempotent canary (a tick every 100 ms, 2 s settle, at most 2 min), judged
 * under the tolerant policy.
 */
export function shortCanaryClusterConfig(cluster: {
  name: string;
  bootstrap: string;
  security: Record<string, unknown>;
  topic: string;
}): string {
  return JSON.stringify({
    name: cluster.name,
    bootstrap: cluster.bootstrap,
    security: cluster.security,
    canary: {
      topic: cluster.topic,
      intervalMs: 100,
      producer: 'canary',
      mode: 'idempotent',
      settleMs: 2000,
      maxDurationMs: 120_000,
    },
    policy: 'tolerant',
    windowMs: 300_000,
  });
}

/** A plaintext cluster's handler configuration, as the stack writes KUV_CLUSTER_CONFIG. */
export function clusterEnv(bootstrap = 'broker-1.kafka.test:19192', name = 'orders') {
  return {
    KUV_CLUSTER_CONFIG: JSON.stringify({
      name,
      bootstrap,
      security: { protocol: 'plaintext' },
      canary: {
        topic: 'kuv-canary',
        intervalMs: 100,
        producer: 'canary',
        mode: 'idempotent',
        settleMs: 600_000,
        maxDurationMs: 43_200_000,
      },
      policy: 'strict',
      windowMs: 300_000,
    }),
    KUV_RUN_BUCKET: 'kafkaupgradeverifier-runstorebucket-example',
  };
}
