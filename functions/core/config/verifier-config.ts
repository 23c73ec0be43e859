/**
 * The deployment's configuration: the Kafka clusters one kafka-upgrade-verifier
 * stack verifies, read from a JSON file (verifier.config.json by default; docs/aws.md,
 * "Configuration"). Pure — no AWS runtime, no file access — so the CDK app checks the
 * file at synth and the Lambda handlers read the same types from their input.
 *
 * `parseVerifierConfig` checks every field and reports every problem at once, each
 * naming the file, the cluster and the field, with what was expected and what it got.
 * What it got is shown only for a scalar of a field that holds no secret: a secret
 * field's value, and any object or list, is described by its kind, never printed,
 * since synth errors end up in CI logs.
 */
import { canaryTopicNameProblem } from '../canary/topic.js';
import { PRODUCER_MODES } from '../canary/state.js';
import { formatExactDuration } from '../duration.js';
import { InputError } from '../errors.js';
import { METRICS, metricDefinition } from '../metrics/catalogue.js';

import {
  SECURITY_PROTOCOLS,
  type AlarmOverride,
  type CanaryConfig,
  type ClusterConfig,
  type SecurityConfig,
  type VerifierConfig,
  type VpcConfig,
} from './types.js';
import { DEFAULTS } from './defaults.js';
import {
  MAX_CLUSTER_NAME_LENGTH,
  CLUSTER_NAME,
  SECRET_ARN,
  MSK_CLUSTER_ARN,
  VPC_ID,
  SUBNET_ID,
  SECURITY_GROUP_ID,
  PRODUCER,
  EMAIL,
  HOST,
  parseSchedule,
} from './patterns.js';
import { isObject, show, Reader } from './reader.js';

export * from './types.js';
export { DEFAULTS } from './defaults.js';
export { MAX_CLUSTER_NAME_LENGTH, parseDuration, parseSchedule } from './patterns.js';
export { SECRET_ARN_SHAPE } from './reader.js';

const CLUSTER_FIELDS = [
  'name',
  'bootstrap',
  'security',
  'vpc',
  'mskClusterArn',
  'canary',
  'policy',
  'windowMs',
  'alarms',
  'emails',
] as const;

function readBootstrap(r: Reader): string {
  const value = r.raw('bootstrap');
  const endpoints = typeof value === 'string' ? value.split(',') : [];
  const bad = endpoints.filter((endpoint) => {
    const colon = endpoint.lastIndexOf(':');
    const port = Number(endpoint.slice(colon + 1));
    return (
      colon <= 0 ||
      !HOST.test(endpoint.slice(0, colon)) ||
      !Number.isInteger(port) ||
      port < 1 ||
      port > 65535
    );
  });
  if (endpoints.length === 0 || bad.length > 0) {
    r.problem(
      'bootstrap',
      `must be host:port endpoints separated by commas (b-1.example.com:9098,b-2.example.com:9098), got ${show(value)}`,
    );
    return '';
  }
  return value as string;
}

function readSecurity(r: Reader, mskClusterArn: string | undefined): SecurityConfig {
  const s = r.nested('security', ['protocol', 'caSecretArn', 'saslSecretArn'], true);
  if (s === null) return { protocol: 'plaintext' };
  const protocol = s.oneOf('protocol', SECURITY_PROTOCOLS);
  const caSecretArn = s.secretArn('caSecretArn', SECRET_ARN, false);
  const saslSecretArn = s.secretArn('saslSecretArn', SECRET_ARN, protocol === 'sasl-scram');
  if (s.raw('saslSecretArn') !== undefined && protocol !== 'sasl-scram') {
    s.problem(
      'saslSecretArn',
      `is used only with protocol "sasl-scram", not "${protocol}": remove it`,
    );
  }
  if (s.raw('caSecretArn') !== undefined && protocol === 'plaintext') {
    s.problem(
      'caSecretArn',
      'is used only with TLS: protocol "plaintext" has no certificates, remove it',
    );
  }
  if (protocol === 'msk-iam' && mskClusterArn === undefined) {
    r.problem(
      'mskClusterArn',
      'is required with security.protocol "msk-iam": the IAM policy that lets the canary connect names the cluster',
    );
  }
  return {
    protocol,
    ...(caSecretArn === undefined ? {} : { caSecretArn }),
    ...(saslSecretArn === undefined ? {} : { saslSecretArn }),
  };
}

function readVpc(r: Reader): VpcConfig {
  const v = r.nested('vpc', ['vpcId', 'subnetIds', 'securityGroupIds'], true);
  if (v === null) return { vpcId: '', subnetIds: [], securityGroupIds: [] };
  return {
    vpcId: v.string('vpcId', VPC_ID, 'a VPC id (vpc-0123456789abcdef0)'),
    subnetIds: v.strings('subnetIds', SUBNET_ID, 'subnet ids (subnet-0123456789abcdef0)', true),
    securityGroupIds: v.strings(
      'securityGroupIds',
      SECURITY_GROUP_ID,
      'security group ids (sg-0123456789abcdef0)',
      true,
    ),
  };
}

function readCanary(r: Reader): CanaryConfig {
  const d = DEFAULTS.canary;
  const c =
    r.nested(
      'canary',
      ['topic', 'intervalMs', 'producer', 'mode', 'settle', 'maxDuration', 'partitions'],
      false,
    ) ?? new Reader([], '', {});
  const settleMs = c.duration('settle', 0, 86_400_000, d.settle);
  const maxDurationMs = c.duration('maxDuration', 60_000, 7 * 86_400_000, d.maxDuration);
  if (maxDurationMs <= settleMs) {
    c.problem(
      'maxDuration',
      `(${formatExactDuration(maxDurationMs)}) must be longer than canary.settle (${formatExactDuration(settleMs)}): a run is the upgrade and then the settle period`,
    );
  }
  return {
    topic: readCanaryTopic(c, d.topic),
    intervalMs: c.integer('intervalMs', 10, 60_000, d.intervalMs),
    producer: c.string('producer', PRODUCER, 'letters, digits, . _ - (1 to 64)', d.producer),
    mode: c.oneOf('mode', PRODUCER_MODES, d.mode),
    settleMs,
    maxDurationMs,
    partitions: c.integer('partitions', 1, 10_000, d.partitions),
  };
}

/** The canary topic, by the rule the CLI's `run --topic` applies (canaryTopicNameProblem). */
function readCanaryTopic(c: Reader, fallback: string): string {
  const value = c.raw('topic') ?? fallback;
  const problem =
    typeof value === 'string'
      ? canaryTopicNameProblem(value)
      : `must be a Kafka topic name that contains "canary", got ${show(value)}`;
  if (problem !== null) {
    c.problem('topic', problem);
    return fallback;
  }
  return value as string;
}

/**
 * Why an alarm `threshold` on `name` could never mean anything, or null. Every catalogue
 * metric is a count, a duration or a ratio, never below 0: a negative threshold makes a
 * "greater than" alarm fire after every run and a "less than" alarm never fire, and 0
 * does the same to "greater than or equal" and "less than" alarms.
 */
function thresholdProblem(name: string, threshold: number): string | null {
  const comparison = metricDefinition(name)?.alarm.comparison;
  if (threshold < 0) {
    return `threshold ${threshold} is negative: ${name} is never below 0, so the alarm would ${comparison === 'LessThanThreshold' ? 'never fire' : 'fire after every run'}; give a threshold of 0 or more`;
  }
  if (threshold === 0 && comparison === 'LessThanThreshold') {
    return `threshold 0 can never fire: the alarm fires when ${name} is below the threshold and ${name} is never below 0; give a threshold above 0`;
  }
  if (threshold === 0 && comparison === 'GreaterThanOrEqualToThreshold') {
    return `threshold 0 would fire after every run: the alarm fires when ${name} is 0 or more; give a threshold above 0`;
  }
  return null;
}

function readAlarms(r: Reader): Record<string, AlarmOverride> {
  const value = r.raw('alarms');
  if (value === undefined) return {};
  if (!isObject(value)) {
    r.problem('alarms', `must be an object of metric name to threshold, got ${show(value)}`);
    return {};
  }
  const alarms: Record<string, AlarmOverride> = {};
  for (const [name, override] of Object.entries(value)) {
    if (metricDefinition(name) === undefined) {
      r.problem(
        `alarms.${name}`,
        `is not a metric of the catalogue (known: ${METRICS.map((m) => m.name).join(', ')})`,
      );
      continue;
    }
    if (typeof override === 'number' && Number.isFinite(override)) {
      const problem = thresholdProblem(name, override);
      if (problem !== null) r.problem(`alarms.${name}`, problem);
      else alarms[name] = { threshold: override };
      continue;
    }
    const o = isObject(override) ? override : null;
    const threshold = o?.threshold;
    const enabled = o?.enabled;
    if (
      o === null ||
      Object.keys(o).some((k) => k !== 'threshold' && k !== 'enabled') ||
      (threshold !== undefined && (typeof threshold !== 'number' || !Number.isFinite(threshold))) ||
      (enabled !== undefined && typeof enabled !== 'boolean')
    ) {
      r.problem(
        `alarms.${name}`,
        `must be a threshold (a number) or {"threshold"?: number, "enabled"?: true|false}, got ${show(override)}`,
      );
      continue;
    }
    const problem = threshold === undefined ? null : thresholdProblem(name, threshold as number);
    if (problem !== null) {
      r.problem(`alarms.${name}.threshold`, problem.replace(/^threshold /, ''));
      continue;
    }
    alarms[name] = {
      ...(threshold === undefined ? {} : { threshold: threshold as number }),
      ...(enabled === undefined ? {} : { enabled: enabled as boolean }),
    };
  }
  return alarms;
}

function readCluster(
  problems: string[],
  source: string,
  value: unknown,
  i: number,
): ClusterConfig | null {
  const name =
    isObject(value) && typeof value.name === 'string' ? ` (${JSON.stringify(value.name)})` : '';
  const where = `${source}: clusters[${i}]${name}: `;
  if (!isObject(value)) {
    problems.push(`${where}must be an object, got ${show(value)}`);
    return null;
  }
  const r = new Reader(problems, where, value);
  r.onlyKnown(CLUSTER_FIELDS);
  const mskClusterArn = r.optionalString(
    'mskClusterArn',
    MSK_CLUSTER_ARN,
    'an Amazon MSK cluster ARN (arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID)',
  );
  return {
    name: r.string(
      'name',
      CLUSTER_NAME,
      `letters, digits and dashes, starting with a letter, at most ${MAX_CLUSTER_NAME_LENGTH} characters`,
    ),
    bootstrap: readBootstrap(r),
    security: readSecurity(r, mskClusterArn),
    vpc: readVpc(r),
    ...(mskClusterArn === undefined ? {} : { mskClusterArn }),
    canary: readCanary(r),
    policy: r.oneOf('policy', ['strict', 'tolerant'], DEFAULTS.policy),
    windowMs: r.integer('windowMs', 1000, 3_600_000, DEFAULTS.windowMs),
    alarms: readAlarms(r),
    emails: r.strings('emails', EMAIL, 'e-mail addresses', false),
  };
}

/**
 * Refuses a cluster listed twice: by `field`, compared by `key` (names ignore case:
 * "Orders" and "orders" read as one cluster in alarm names, mails and dashboards).
 */
function duplicatesOf(
  problems: string[],
  source: string,
  clusters: ClusterConfig[],
  field: 'name' | 'mskClusterArn',
  key: (value: string) => string = (value) => value,
) {
  const seen = new Map<string, number>();
  clusters.forEach((cluster, i) => {
    const value = cluster[field];
    if (value === undefined || value === '') return;
    const first = seen.get(key(value));
    if (first === undefined) {
      seen.set(key(value), i);
      return;
    }
    const firstValue = clusters[first]?.[field] ?? '';
    const what =
      firstValue === value
        ? `is also clusters[${first}]'s`
        : `differs from clusters[${first}]'s ${JSON.stringify(firstValue)} only in case, which reads as the same cluster in alarms, mails and dashboards`;
    problems.push(
      `${source}: clusters[${i}] (${JSON.stringify(cluster.name)}): ${field} ${JSON.stringify(value)} ${what}: each cluster is listed once`,
    );
  });
}

/**
 * Checks a parsed configuration file and fills in the defaults. `source` names the file
 * in messages. Throws one InputError listing every problem, one per line.
 */
export function parseVerifierConfig(raw: unknown, source: string): VerifierConfig {
  const problems: string[] = [];
  if (!isObject(raw)) {
    throw new InputError(
      `${source}: must be a JSON object with a "clusters" list, got ${show(raw)}`,
    );
  }
  const top = new Reader(problems, `${source}: `, raw);
  top.onlyKnown(['runRetentionDays', 'schedule', 'clusters']);
  const runRetentionDays = top.integer('runRetentionDays', 1, 3650, DEFAULTS.runRetentionDays);
  const scheduleText = raw.schedule ?? DEFAULTS.schedule;
  const scheduleMinutes =
    typeof scheduleText === 'string' ? parseSchedule(scheduleText) : undefined;
  if (scheduleMinutes === undefined) {
    top.problem(
      'schedule',
      `must be a rate such as "1 minute", "5 minutes", "1 hour", or "off", got ${show(scheduleText)}`,
    );
  }
  const list = raw.clusters;
  if (!Array.isArray(list) || list.length === 0) {
    top.problem('clusters', `must be a non-empty list of clusters, got ${show(list)}`);
  }
  const clusters = (Array.isArray(list) ? list : [])
    .map((c, i) => readCluster(problems, source, c, i))
    .filter((c): c is ClusterConfig => c !== null);
  duplicatesOf(problems, source, clusters, 'name', (name) => name.toLowerCase());
  duplicatesOf(problems, source, clusters, 'mskClusterArn');
  if (problems.length > 0) {
    throw new InputError(problems.join('\n'));
  }
  return { runRetentionDays, scheduleMinutes: scheduleMinutes ?? null, clusters };
}

/** Line and column (from 1) of `position` in `text`. */
function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split('\n');
  return `line ${before.length} column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/**
 * JSON.parse's complaint about `text`, where it is, without any of the text: V8's
 * "Unexpected token" message quotes the text around the error, which may be a secret
 * written without its quotes (`"saslSecretArn": hunter2`).
 */
export function jsonSyntaxProblem(message: string, text: string): string {
  const at = /^(.*) in JSON at position (\d+)/s.exec(message);
  if (at !== null) return `${at[1]} at ${lineAndColumn(text, Number(at[2]))}`;
  const token = /^Unexpected token .*?, (?:\.\.\.)?"(.*?)"(?:\.\.\.)? is not valid JSON$/s.exec(
    message,
  );
  if (token !== null) {
    const excerpt = text.indexOf(token[1] ?? '');
    const where = excerpt < 0 ? '' : ` near ${lineAndColumn(text, excerpt)}`;
    return `an unexpected character${where} (a value not in double quotes?)`;
  }
  return message === 'Unexpected end of JSON input'
    ? 'the file ends before the JSON does'
    : 'not valid JSON';
}
