/**
 * reachability: the run's after-probes, once the canary has read everything back.
 * One round of probes (DNS name, TCP, Kafka ApiVersions) of the bootstrap and every
 * broker, and a leaders snapshot of the canary topic, written as the run's next history
 * part, so that verify sees whether every broker is reachable by its name after the
 * upgrade and whether addresses moved. An unreachable broker is a finding, not an error.
 *
 * Event: RunInput plus `canary` (phase `done`); result: `canary` with the next part
 * number, and the problems that kept the check from seeing everything.
 */
import type { Context } from 'aws-lambda';

import { reachabilityCheck } from '../core/probe/check.js';
import { S3HistorySink, type S3Like } from '../core/store/s3-history.js';
import { s3Client } from '../commons/aws-clients/s3.js';
import { attemptToken } from '../commons/canary.js';
import { requiredEnv, RUN_BUCKET_ENV } from '../commons/environment.js';
import { readCanaryStepFor, readRunFor, type CanaryStep } from '../commons/events.js';
import { connectionFor, type SecretReader } from '../commons/kafka.js';
import { lambdaHandler } from '../commons/lambda.js';
import { logger, logRun } from '../commons/powertools/logger.js';

export interface ReachabilityResult extends CanaryStep {
  readonly probes: number;
  readonly problems: readonly string[];
}

export async function reachability(
  event: unknown,
  context: Context,
  deps: {
    s3: S3Like;
    bucket: string;
    env?: Readonly<Record<string, string | undefined>>;
    readSecret?: SecretReader;
  },
): Promise<ReachabilityResult> {
  const { run, cluster } = readRunFor('reachability', event, deps.env);
  logRun({ runId: run.runId, cluster: cluster.name });
  const step = readCanaryStepFor('reachability', event, run, cluster);
  const connection = await connectionFor(
    cluster,
    `kuv-${run.runId}-after`.slice(0, 100),
    deps.env,
    deps.readSecret,
  );
  const result = await reachabilityCheck({
    bootstrap: connection.bootstrap,
    dnsServer: connection.dnsServer,
    security: connection.security,
    phase: 'after',
    topics: [cluster.canary.topic],
    ...(connection.config === undefined ? {} : { config: connection.config }),
  });
  const sink = new S3HistorySink(
    deps.s3,
    { bucket: deps.bucket, cluster: cluster.name, runId: run.runId },
    step.nextPart,
    // A retried after-probe task writes beside the failed attempt's part, never over it.
    attemptToken(context),
  );
  for (const record of result.records) sink.write(record);
  await sink.close();
  const probes = result.records.filter((r) => r.type === 'probe').length;
  logger.info('reachability: after-probes written', { probes, part: step.nextPart });
  for (const problem of result.problems) {
    logger.warn(`reachability: the check could not see everything: ${problem}`);
  }
  return { ...step, nextPart: sink.nextPart, probes, problems: result.problems };
}

export function functionHandler(event: unknown, context: Context): Promise<ReachabilityResult> {
  return reachability(event, context, { s3: s3Client(), bucket: requiredEnv(RUN_BUCKET_ENV) });
}

export const handler = lambdaHandler('reachability', functionHandler);
