/**
 * `--msk-arn ARN` on `analyze` and `report`: the run's per-broker AWS/Kafka traffic
 * (functions/core/report/msk-brokers.ts), as the verify Lambda adds it, read with a
 * CloudWatch client in the ARN's region. Credentials and endpoint come from the AWS
 * SDK's default chain (AWS_PROFILE, …; AWS_ENDPOINT_URL for an emulator). Never throws:
 * what could not be read is in the section's status and note; the verdict is unchanged.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

import { MSK_CLUSTER_ARN } from '../functions/core/config/patterns.js';
import { UsageError } from '../functions/core/errors.js';
import type { Report } from '../functions/core/history/index.js';
import { mskBrokersFor, type MskBrokersSection } from '../functions/core/report/msk-brokers.js';

export const MSK_ARN_HELP = `  --msk-arn ARN        an Amazon MSK cluster: also read each broker's AWS/Kafka
                       BytesInPerSec and LeaderCount over the run (cloudwatch:GetMetricData
                       in the ARN's region) into the report; never changes the verdict
`;

/** The checked --msk-arn, or null when not given; a UsageError naming the flag otherwise. */
export function mskArnFlag(command: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  if (!MSK_CLUSTER_ARN.test(value)) {
    throw new UsageError(
      `${command}: --msk-arn must be an MSK cluster ARN, arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID, not '${value}'`,
    );
  }
  return value;
}

/** The report's MSK section for the cluster `arn`, read from CloudWatch in its region. */
export async function mskBrokersOf(
  arn: string,
  report: Report,
  span: { firstAt: number | null; lastAt: number | null },
): Promise<MskBrokersSection> {
  const client = new CloudWatchClient({ region: arn.split(':')[3]! });
  try {
    return await mskBrokersFor(arn, client, report, span);
  } finally {
    client.destroy();
  }
}
