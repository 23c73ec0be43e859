/**
 * `--cloudwatch`: publish a report's metrics (functions/core/metrics) from the CLI,
 * through the same publish step the verify Lambda uses (functions/core/run/publish.ts). Region, credentials
 * and endpoint come from the AWS SDK's default chain (AWS_REGION, AWS_PROFILE, …;
 * AWS_ENDPOINT_URL_CLOUDWATCH for an emulator). A metric that cannot be sent is
 * reported on standard error and never changes the exit status.
 */
import { UsageError } from '../functions/core/errors.js';
import { MAX_DIMENSION_VALUE_LENGTH, NAMESPACE } from '../functions/core/metrics/catalogue.js';

/** The --cloudwatch flag's help, for a command that lists --cluster itself (run). */
export const CLOUDWATCH_FLAG_HELP = `  --cloudwatch         publish the report's metrics to CloudWatch (namespace ${NAMESPACE},
                       dimension Cluster = --cluster); region and credentials from the
                       AWS SDK's default chain (AWS_REGION, AWS_PROFILE, …)
`;

export const CLOUDWATCH_HELP = `${CLOUDWATCH_FLAG_HELP}  --cluster NAME       the cluster's name: the metrics' Cluster dimension
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

export { publishReportMetrics } from '../functions/core/run/publish.js';
