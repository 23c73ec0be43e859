/**
 * verify: judges a run from its history in the run store. Streams every history part
 * (gunzipping each) through the analyzer, under the cluster's configured policy and
 * restart window; writes `report.json`, `summary.txt` and `report.html` next to the history
 * (`runs/<cluster>/<runId>/`); publishes the catalogue's metrics to CloudWatch; returns
 * the verdict in brief for notify. Works on any run whose parts are in S3, so a run can
 * be verified again by hand.
 *
 * Event: RunInput (only `cluster`, `runId` and the rest of the contract are read).
 */
import type { Context } from 'aws-lambda';

import { InputError } from '../core/errors.js';
import { formatText } from '../core/history/index.js';
import { metricsFromReport } from '../core/metrics/catalogue.js';
import { publishMetrics, type PutMetricDataClient } from '../core/metrics/publisher.js';
import { readReportData, renderHtmlReport } from '../core/report/index.js';
import {
  historyChunks,
  historyPrefix,
  listHistoryParts,
  putText,
  runPrefix,
  s3Url,
  type S3Like,
} from '../core/store/s3-history.js';
import { cloudWatchClient } from '../commons/aws-clients/cloudwatch.js';
import { s3Client } from '../commons/aws-clients/s3.js';
import { requiredEnv, RUN_BUCKET_ENV } from '../commons/environment.js';
import { readRunFor } from '../commons/events.js';
import { lambdaHandler } from '../commons/lambda.js';
import { logger, logRun } from '../commons/powertools/logger.js';
import { summarizeReport, type VerdictSummary } from '../commons/verdict.js';

export interface VerifyDeps {
  readonly s3: S3Like;
  readonly cloudWatch: PutMetricDataClient;
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
  // One pass feeds both the analyzer and the HTML page's timeline.
  const data = await readReportData(historyChunks(deps.s3, deps.bucket, parts), {
    source: s3Url(deps.bucket, historyPrefix(where)),
  });
  const options = { policy: cluster.policy, windowMs: cluster.windowMs };
  const report = data.analysis.report(options);
  logger.info(`verify: verdict ${report.verdict}`, {
    verdict: report.verdict,
    reasons: report.reasons,
    parts: parts.length,
    policy: cluster.policy,
  });
  const reportKey = `${runPrefix(where)}report.json`;
  const summaryKey = `${runPrefix(where)}summary.txt`;
  const htmlKey = `${runPrefix(where)}report.html`;
  const summary = `run ${run.runId} on ${cluster.name} (${parts.length} history parts, ${s3Url(deps.bucket, historyPrefix(where))})\n${formatText(report)}`;
  await putText(
    deps.s3,
    deps.bucket,
    reportKey,
    `${JSON.stringify(report, null, 2)}\n`,
    'application/json',
  );
  await putText(deps.s3, deps.bucket, summaryKey, summary, 'text/plain; charset=utf-8');
  // text/html, so a presigned link opens as a page.
  const html = await renderHtmlReport(data, options);
  await putText(deps.s3, deps.bucket, htmlKey, html, 'text/html; charset=utf-8');
  const { datums } = metricsFromReport(report, { cluster: cluster.name });
  const published = await publishMetrics(deps.cloudWatch, datums);
  logger.info('verify: report written, metrics published', {
    report: s3Url(deps.bucket, htmlKey),
    metrics: published.published,
  });
  for (const f of published.failed) {
    logger.warn(`verify: metric ${f.metric} was not published: ${f.reason}`);
  }
  return summarizeReport(
    report,
    { ...where, reportKey, summaryKey, htmlKey },
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
    bucket: requiredEnv(RUN_BUCKET_ENV),
  });
}

export const handler = lambdaHandler('verify', functionHandler);
