/**
 * verify: judges a run from its history in the run store. Streams every history part
 * (gunzipping each) through the analyzer, under the cluster's configured policy and
 * restart window; writes `report.json`, `summary.txt` and `report.html` next to the history
 * (`runs/<cluster>/<runId>/`); publishes the catalogue's metrics to CloudWatch; returns
 * the verdict in brief for notify. For an Amazon MSK cluster (`mskClusterArn`) the
 * report also carries each broker's AWS/Kafka BytesInPerSec and LeaderCount over the
 * run's window (`mskBrokers`, functions/core/report/msk-brokers.ts); they never change
 * the verdict, and verifying the run again later reads them anew (MSK publishes late). Works on any run whose parts are in S3, so a run can
 * be verified again by hand.
 *
 * Event: RunInput (only `cluster`, `runId` and the rest of the contract are read).
 */
import type { Context } from 'aws-lambda';

import { InputError } from '../core/errors.js';
import { finishedEntry, putEvent, type PutEventsClient } from '../core/live/events.js';
import type { GetMetricDataClient } from '../core/metrics/get-metric-data.js';
import type { PutMetricDataClient } from '../core/metrics/publisher.js';
import { mskBrokersFor } from '../core/report/msk-brokers.js';
import { judgeHistory, putRunFiles, runFiles } from '../core/run/judge.js';
import { publishReport } from '../core/run/publish.js';
import {
  historyChunks,
  historyPrefix,
  listHistoryParts,
  runPrefix,
  s3Url,
  type S3Like,
} from '../core/store/s3-history.js';
import { cloudWatchClient } from '../commons/aws-clients/cloudwatch.js';
import { eventBridgeClient } from '../commons/aws-clients/eventbridge.js';
import { s3Client } from '../commons/aws-clients/s3.js';
import { requiredEnv, RUN_BUCKET_ENV } from '../commons/environment.js';
import { readRunFor } from '../commons/events.js';
import { lambdaHandler } from '../commons/lambda.js';
import { logger, logRun } from '../commons/powertools/logger.js';
import { summarizeReport, type VerdictSummary } from '../commons/verdict.js';

export interface VerifyDeps {
  readonly s3: S3Like;
  /** Puts the report's metrics; on MSK also reads AWS/Kafka (GetMetricData). */
  readonly cloudWatch: PutMetricDataClient & GetMetricDataClient;
  /** Where `Verification Finished` goes (the default bus); none: not sent. */
  readonly events?: PutEventsClient;
  readonly bucket: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export async function verify(
  event: unknown,
  _context: Context,
  deps: VerifyDeps,
): Promise<VerdictSummary> {
  const { run, cluster } = readRunFor('verify', event, deps.env);
  logRun({ runId: run.runId, cluster: cluster.name });
  const where = { bucket: deps.bucket, cluster: cluster.name, runId: run.runId };
  const parts = await listHistoryParts(deps.s3, where);
  if (parts.length === 0) {
    throw new InputError(
      `verify: run ${run.runId} has no history in ${s3Url(deps.bucket, historyPrefix(where))}: nothing to verify (did the baseline task run?).`,
    );
  }
  const source = s3Url(deps.bucket, historyPrefix(where));
  const judged = await judgeHistory(historyChunks(deps.s3, deps.bucket, parts), {
    source,
    policy: cluster.policy,
    windowMs: cluster.windowMs,
    mskBrokers: (judgedReport, span) =>
      mskBrokersFor(cluster.mskClusterArn, deps.cloudWatch, judgedReport, span),
  });
  const { report } = judged;
  const msk = report.mskBrokers;
  if (msk !== undefined && msk.status !== 'not-msk') {
    const log = msk.status === 'ok' ? logger.info : logger.warn;
    log.call(logger, `verify: MSK broker metrics ${msk.status}`, {
      peakTrafficSkew: msk.peakTrafficSkew,
      note: msk.note,
    });
  }
  logger.info(`verify: verdict ${report.verdict}`, {
    verdict: report.verdict,
    reasons: report.reasons,
    parts: parts.length,
    policy: cluster.policy,
  });
  const header = `run ${run.runId} on ${cluster.name} (${parts.length} history parts, ${source})\n`;
  const keys = await putRunFiles(deps.s3, deps.bucket, runPrefix(where), runFiles(judged, header));
  const published = await publishReport(deps.cloudWatch, report, cluster.name);
  logger.info('verify: report written, metrics published', {
    report: s3Url(deps.bucket, keys.html),
    metrics: published.published,
  });
  for (const f of published.failed) {
    logger.warn(`verify: metric ${f.metric} was not published: ${f.reason}`);
  }
  if (deps.events !== undefined) {
    const region = deps.env?.AWS_REGION ?? process.env.AWS_REGION;
    const folder = runPrefix(where);
    await putEvent(
      deps.events,
      finishedEntry({ cluster: cluster.name, runId: run.runId }, report, {
        report: s3Url(deps.bucket, keys.report),
        summary: s3Url(deps.bucket, keys.summary),
        html: s3Url(deps.bucket, keys.html),
        consoleUrl:
          `https://console.aws.amazon.com/s3/buckets/${encodeURIComponent(deps.bucket)}` +
          `?prefix=${encodeURIComponent(folder.endsWith('/') ? folder : `${folder}/`)}` +
          (region === undefined ? '' : `&region=${encodeURIComponent(region)}`),
      }),
      (line) => logger.warn(`verify: ${line}`),
    );
  }
  return summarizeReport(
    report,
    { ...where, reportKey: keys.report, summaryKey: keys.summary, htmlKey: keys.html },
    {
      published: published.published,
      failed: published.failed.map((f) => `${f.metric}: ${f.reason}`),
    },
  );
}

export function functionHandler(event: unknown, context: Context): Promise<VerdictSummary> {
  return verify(event, context, {
    s3: s3Client(),
    cloudWatch: cloudWatchClient(),
    events: eventBridgeClient(),
    bucket: requiredEnv(RUN_BUCKET_ENV),
  });
}

export const handler = lambdaHandler('verify', functionHandler);
