/**
 * Publish: a verified run's report as CloudWatch metrics (functions/core/metrics), the
 * same for the verify Lambda and the CLI's `--cloudwatch`. Metrics are a by-product of
 * the verdict, never a condition of it: what could not be sent is in the result.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

import type { SliceState } from '../canary/state.js';
import { LiveMetricsPublisher, mergeSources, sessionMetricSource } from '../live/publish.js';
import type { LiveMetricSource } from '../live/types.js';
import { NAMESPACE, type ReportInput } from '../metrics/catalogue.js';
import { metricsFromReport, type SkippedMetric } from '../metrics/report-metrics.js';
import {
  publishMetrics,
  type PublishResult,
  type PutMetricDataClient,
} from '../metrics/publisher.js';

export interface ReportPublished extends PublishResult {
  /** Metrics with no figure in this report, so not sent. */
  readonly skipped: readonly SkippedMetric[];
}

/**
 * The report's metrics for `cluster` (the Cluster dimension), published. Rejects only
 * on a cluster name CloudWatch cannot take (InputError); a datum CloudWatch refused is
 * in `failed`.
 */
export async function publishReport(
  client: PutMetricDataClient,
  report: ReportInput,
  cluster: string,
): Promise<ReportPublished> {
  const { datums, skipped } = metricsFromReport(report, { cluster });
  return { ...(await publishMetrics(client, datums)), skipped };
}

/**
 * Publishes the report's metrics and says on `log` what went out and what did not.
 * Never throws: metrics are a by-product of the verdict, not a condition of it.
 */
export async function publishReportMetrics(
  report: ReportInput,
  cluster: string,
  log: (line: string) => void,
  client: CloudWatchClient = new CloudWatchClient({}),
): Promise<{ published: number; failed: number }> {
  try {
    const result = await publishReport(client, report, cluster);
    const { skipped } = result;
    log(
      `CloudWatch: published ${result.published} metrics to ${NAMESPACE} (Cluster=${cluster})` +
        (skipped.length > 0
          ? `; not published (no figure in this report): ${skipped.map((s) => s.metric).join(', ')}`
          : ''),
    );
    for (const f of result.failed) {
      log(`CloudWatch: ${f.metric} NOT published: ${f.reason}`);
    }
    if (result.failed.length > 0) {
      log(
        'CloudWatch: check AWS_REGION and the credentials (cloudwatch:PutMetricData), then re-publish with `analyze HISTORY --cloudwatch --cluster NAME`.',
      );
    }
    return { published: result.published, failed: result.failed.length };
  } catch (error) {
    // Never thrown on: the verdict stands without its metrics, and this says how to
    // send them again.
    log(
      `CloudWatch: metrics NOT published: ${(error as Error).message}. Re-publish later with \`analyze HISTORY --cloudwatch --cluster NAME\`.`,
    );
    return { published: 0, failed: -1 };
  } finally {
    client.destroy();
  }
}

/**
 * The CLI's live metrics (`run`/`rehearse --cloudwatch`): a LiveMetricsPublisher over
 * the latest state the canary reported (`onState`, from its onProgress), started at the
 * first state; `stop()` publishes the last figures and closes the client. Never throws.
 */
export function liveRunMetrics(
  cluster: string,
  log: (line: string) => void,
  client: CloudWatchClient = new CloudWatchClient({}),
  /** The live checker's counts, merged with the session's (mergeSources). */
  checker?: LiveMetricSource,
): { onState: (state: SliceState) => void; stop: () => Promise<void> } {
  let latest: SliceState | null = null;
  const session: LiveMetricSource = {
    liveMetricValues: () => (latest === null ? {} : sessionMetricSource(latest).liveMetricValues()),
  };
  const publisher = new LiveMetricsPublisher({
    source: checker === undefined ? session : mergeSources(session, checker),
    cluster,
    client,
    log: (line) => log(`CloudWatch: ${line}`),
  });
  return {
    onState: (state) => {
      latest = state;
      publisher.start();
    },
    stop: async () => {
      try {
        await publisher.stop();
      } finally {
        client.destroy();
      }
    },
  };
}
