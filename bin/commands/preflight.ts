/**
 * `kafka-upgrade-verifier preflight --bootstrap HOSTS`: before an upgrade, what a
 * rolling restart of the brokers will break in this cluster's topics, groups and
 * addresses (functions/core/readiness, docs/preflight.md). Read-only.
 */

import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { KafkaClient } from '@aws-sdk/client-kafka';

import type { SecurityOptions } from '../../functions/core/kafka/security.js';
import type { WatchedTopics } from '../../functions/core/probe/metadata.js';
import {
  formatReadinessText,
  gatherReadiness,
  readiness,
  readinessReport,
} from '../../functions/core/readiness/index.js';
import { checkTimeZone } from '../../functions/core/readiness/msk.js';
import { mskFindings } from '../../functions/core/readiness/msk-check.js';
import { announceSecurity, SECURITY_HELP } from '../security-flags.js';
import { parseClusterCommand } from '../cluster-flags.js';
import type { Command } from './index.js';

const HELP = `usage: kafka-upgrade-verifier preflight --bootstrap HOSTS [--dns-server HOST:PORT]
         [--topics A,B | --all-topics] [--format text|json] [--security MODE …]
         [--msk-arn ARN [--time-zone ZONE]]

Before a rolling broker upgrade: reads topic metadata and configs, broker configs,
consumer groups and each broker's ApiVersions, and says what one broker down will
break. Each finding has a severity (block: writes or reads will fail or lose data
while one broker is down; warn: likely to hurt; info: measured), the topic,
partition, group, broker or endpoint, the measured value, and what to change.
Changes nothing in the cluster.

  --bootstrap HOSTS       host:port[,host:port…] as clients use it
  --dns-server HOST:PORT  resolve names through this DNS server, and report names
                          whose answers differ from the system resolver's
  --topics A,B            judge these topics
  --all-topics            judge every topic but Kafka's internal ones (the default)
  --format text|json      text: findings a person acts on (default); json: the report
  --msk-arn ARN           an Amazon MSK cluster: also its state (an operation in
                          progress blocks), each broker's CPU over 24 h against 60 %,
                          and the quietest 2 h of the day over 14 days (BytesInPerSec),
                          read with the AWS SDK's default credentials in the ARN's region
                          (kafka:DescribeClusterV2, cloudwatch:GetMetricData)
  --time-zone ZONE        show the quiet window in this IANA zone too, e.g.
                          Europe/Berlin (default: UTC only)

${SECURITY_HELP}
exit status: 0 ready (info and warn only), 1 a block finding, 2 bad input or usage,
4 could not check (the cluster did not answer)
`;

export interface PreflightArgs {
  bootstrap: string;
  dnsServer: string | undefined;
  topics: WatchedTopics;
  format: 'text' | 'json';
  security: SecurityOptions;
  /** An MSK cluster's ARN, whose state and AWS/Kafka metrics are checked too. */
  mskArn: string | undefined;
  timeZone: string;
}

/**
 * arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID (any AWS partition). Looser than the
 * configuration's MSK_CLUSTER_ARN on purpose: only the region is used here, and the
 * AWS API emulator (moto) names its clusters cluster/UUID, without the NAME.
 */
const MSK_ARN = /^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\/[^/\s]+(\/[^/\s]+)?$/;

/** Parses and checks preflight's flags; throws UsageError naming the bad one. */
export function parsePreflightArgs(args: string[]): PreflightArgs | 'help' {
  const parsed = parseClusterCommand(
    'preflight',
    args,
    { 'msk-arn': { type: 'string' }, 'time-zone': { type: 'string' } },
    HELP,
    'all',
  );
  if (parsed === 'help') return 'help';
  const { cluster, values, usage } = parsed;
  const mskArn = values['msk-arn'];
  if (mskArn !== undefined && !MSK_ARN.test(mskArn)) {
    throw usage(
      `--msk-arn must be an MSK cluster ARN, arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID, not '${mskArn}'`,
    );
  }
  const timeZone = values['time-zone'] ?? 'UTC';
  if (values['time-zone'] !== undefined && mskArn === undefined) {
    throw usage('--time-zone goes with --msk-arn (it places the quiet window)');
  }
  try {
    checkTimeZone(timeZone);
  } catch {
    throw usage(
      `--time-zone '${timeZone}' is not a time zone Intl knows; give an IANA name such as Europe/Berlin`,
    );
  }
  return { ...cluster, mskArn, timeZone };
}

/** The MSK part, with SDK clients in the ARN's region (the default credential chain). */
async function mskFindingsFor(arn: string, timeZone: string) {
  const region = arn.split(':')[3]!;
  const kafka = new KafkaClient({ region });
  const cloudWatch = new CloudWatchClient({ region });
  try {
    return await mskFindings(arn, { kafka, cloudWatch }, timeZone);
  } finally {
    kafka.destroy();
    cloudWatch.destroy();
  }
}

export const preflightCommand: Command = {
  summary: 'before an upgrade: what one broker down will break (topics, groups, addresses)',
  async run(args) {
    const parsed = parsePreflightArgs(args);
    if (parsed === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    announceSecurity('preflight', parsed.security);
    const snapshot = await gatherReadiness(
      { bootstrap: parsed.bootstrap, dnsServer: parsed.dnsServer, security: parsed.security },
      { topics: parsed.topics },
    );
    const msk =
      parsed.mskArn === undefined ? [] : await mskFindingsFor(parsed.mskArn, parsed.timeZone);
    const report = readinessReport(snapshot, readiness(snapshot, msk));
    process.stdout.write(
      parsed.format === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : formatReadinessText(report),
    );
    return report.verdict === 'ready' ? 0 : 1;
  },
};
