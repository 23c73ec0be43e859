/**
 * `--cloudwatch`: publish a report's metrics (functions/core/metrics) from the CLI,
 * through the same catalogue and publisher the verify Lambda uses. Region, credentials
 * and endpoint come from the AWS SDK's default chain (AWS_REGION, AWS_PROFILE, …;
 * AWS_ENDPOINT_URL_CLOUDWATCH for an emulator). A metric that cannot be sent is
 * reported on standard error and never changes the exit status.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

import { UsageError } from '../functions/core/errors.js';
import {
  MAX_DIMENSION_VALUE_LENGTH,
  metricsFromReport,
  NAMESPACE,
  type ReportInput,
} from '../functions/core/metrics/catalogue.js';
import { publishMetrics } from '../functions/core/metrics/publisher.js';

export const CLOUDWATCH_HELP = `  --cloudwatch         publish the report's metrics to CloudWatch (namespace ${NAMESPACE},
                       dimension Cluster = --cluster); region and credentials from the
                       AWS SDK's default chain (AWS_REGION, AWS_PROFILE, …)
  --cluster NAME       the cluster's name: the metrics' Cluster dimension
`;

/** The cluster to publish for, or null without --cloudwatch; a UsageError naming the flag otherwise. */
export function cloudwatchCluster(
  command: string,
  values: { cloudwatch?: boolean; cluster?: string },
): string | null {
  if (values.cloudwatch !== true) return null;
  const cluster = values.cluster?.trim() ?? '';
  if (cluster === '' || cluster.length > MAX_DIMENSION_VALUE_LENGTH) {
    throw new UsageError(
      `${command}: --cloudwatch needs --cluster NAME (1 to ${MAX_DIMENSION_VALUE_LENGTH} characters): the Cluster dimension of every metric`,
    );
  }
  return cluster;
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
    const { datums, skipped } = metricsFromReport(report, { cluster });
    const result = await publishMetrics(client, datums);
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
    log(
      `CloudWatch: metrics NOT published: ${(error as Error).message}. Re-publish later with \`analyze HISTORY --cloudwatch --cluster NAME\`.`,
    );
    return { published: 0, failed: -1 };
  } finally {
    client.destroy();
  }
}
