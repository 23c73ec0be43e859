/**
 * The configuration file's rules: defaults filled in, and every rule's message naming
 * the file, the cluster and the field.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { canaryTopicNameProblem } from '../../../functions/core/canary/topic.js';
import {
  jsonSyntaxProblem,
  parseDuration,
  parseSchedule,
  parseVerifierConfig,
  SECRET_ARN_SHAPE,
} from '../../../functions/core/config/verifier-config.js';
import { InputError } from '../../../functions/core/errors.js';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kuv/scram-AbCdEf';
const MSK_ARN =
  'arn:aws:kafka:eu-west-1:123456789012:cluster/pay/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5';

function cluster(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'orders',
    bootstrap: 'k1.example.com:9092,k2.example.com:9092',
    security: { protocol: 'plaintext' },
    vpc: {
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      subnetIds: ['subnet-0a1b2c3d4e5f60711'],
      securityGroupIds: ['sg-0a1b2c3d4e5f60719'],
    },
    ...overrides,
  };
}

const parse = (raw: unknown) => parseVerifierConfig(raw, 'test.json');
const withCluster = (overrides: Record<string, unknown>) =>
  parse({ clusters: [cluster(), cluster({ name: 'second', ...overrides })] });

function rejects(raw: unknown, message: string) {
  expect(() => parse(raw)).toThrow(InputError);
  expect(() => parse(raw)).toThrow(message);
}

describe('parseVerifierConfig', () => {
  it('fills in every default', () => {
    expect(parse({ clusters: [cluster()] })).toEqual({
      runRetentionDays: 90,
      scheduleMinutes: 1,
      clusters: [
        {
          ...cluster(),
          canary: {
            topic: 'kuv-canary',
            intervalMs: 100,
            producer: 'canary',
            mode: 'idempotent',
            settleMs: 300_000,
            maxDurationMs: 21_600_000,
            partitions: 6,
          },
          policy: 'strict',
          windowMs: 300_000,
          alarms: {},
          emails: [],
        },
      ],
    });
  });

  it('accepts the shipped verifier.config.json', () => {
    const file = join(import.meta.dirname, '../../../verifier.config.json');
    const config = parseVerifierConfig(JSON.parse(readFileSync(file, 'utf8')), file);
    expect(
      config.clusters.map((c) => [c.name, c.security.protocol, c.mskClusterArn !== undefined]),
    ).toEqual([
      ['payments', 'msk-iam', true],
      ['orders', 'sasl-scram', false],
    ]);
    expect(config.clusters[0]?.alarms).toEqual({
      MaxUnavailableMs: { threshold: 30000 },
      ProduceErrors: { enabled: true, threshold: 10 },
    });
  });

  it('reads a whole cluster as given', () => {
    const config = withCluster({
      security: { protocol: 'sasl-scram', saslSecretArn: SECRET, caSecretArn: SECRET },
      canary: {
        topic: 't.canary',
        intervalMs: 50,
        producer: 'p-1',
        mode: 'at-least-once',
        settle: '1m30s',
        maxDuration: '2h',
        partitions: 60,
      },
      policy: 'tolerant',
      windowMs: 60_000,
      alarms: { LostMessages: 2, RedeliveredMessages: { enabled: true } },
      emails: ['a@example.com'],
    });
    expect(config.clusters[1]).toMatchObject({
      security: { protocol: 'sasl-scram', saslSecretArn: SECRET, caSecretArn: SECRET },
      canary: {
        topic: 't.canary',
        intervalMs: 50,
        producer: 'p-1',
        mode: 'at-least-once',
        settleMs: 90_000,
        maxDurationMs: 7_200_000,
        partitions: 60,
      },
      policy: 'tolerant',
      windowMs: 60_000,
      alarms: { LostMessages: { threshold: 2 }, RedeliveredMessages: { enabled: true } },
      emails: ['a@example.com'],
    });
  });

  it('reports every problem at once, one a line', () => {
    expect(() => withCluster({ policy: 'lax', windowMs: 1 })).toThrow(
      /clusters\[1\] \("second"\): policy must be one of "strict", "tolerant", got "lax"\n.*clusters\[1\] \("second"\): windowMs must be a whole number from 1000 to 3600000, got 1/,
    );
  });

  it.each([
    [
      'not an object',
      [],
      'test.json: must be a JSON object with a "clusters" list, got an empty list',
    ],
    ['no clusters', {}, 'test.json: clusters must be a non-empty list of clusters, got nothing'],
    ['an empty list', { clusters: [] }, 'test.json: clusters must be a non-empty list'],
    [
      'an unknown top-level field',
      { clusters: [cluster()], cluster: 'x' },
      'test.json: cluster is not a known field',
    ],
    [
      'retention 0',
      { clusters: [cluster()], runRetentionDays: 0 },
      'runRetentionDays must be a whole number from 1 to 3650, got 0',
    ],
    [
      'a schedule in seconds',
      { clusters: [cluster()], schedule: '30 seconds' },
      'schedule must be a rate such as "1 minute"',
    ],
    [
      'a cluster that is a string',
      { clusters: ['orders'] },
      'test.json: clusters[0]: must be an object, got "orders"',
    ],
  ])('rejects %s', (_what, raw, message) => rejects(raw, message));

  it.each([
    [
      'a name with a space',
      { name: 'my cluster' },
      'clusters[1] ("my cluster"): name must be letters, digits and dashes',
    ],
    ['a name over 40 characters', { name: `c${'x'.repeat(40)}` }, 'at most 40 characters'],
    [
      'an unknown field',
      { canaryTopic: 'x' },
      'clusters[1] ("second"): canaryTopic is not a known field',
    ],
    [
      'a bootstrap without a port',
      { bootstrap: 'k1.example.com' },
      'bootstrap must be host:port endpoints',
    ],
    [
      'a bootstrap port out of range',
      { bootstrap: 'k1:99999' },
      'bootstrap must be host:port endpoints',
    ],
    ['no security', { security: undefined }, 'security must be an object, got nothing'],
    [
      'an unknown protocol',
      { security: { protocol: 'ssl' } },
      'security.protocol must be one of "plaintext", "tls", "sasl-scram", "msk-iam", got "ssl"',
    ],
    [
      'sasl-scram without its secret',
      { security: { protocol: 'sasl-scram' } },
      `security.saslSecretArn must be ${SECRET_ARN_SHAPE}, got nothing`,
    ],
    [
      'a SASL secret without SASL',
      { security: { protocol: 'tls', saslSecretArn: SECRET } },
      'security.saslSecretArn is used only with protocol "sasl-scram", not "tls"',
    ],
    [
      'a CA on plaintext',
      { security: { protocol: 'plaintext', caSecretArn: SECRET } },
      'security.caSecretArn is used only with TLS',
    ],
    [
      'msk-iam without the cluster ARN',
      { security: { protocol: 'msk-iam' } },
      'mskClusterArn is required with security.protocol "msk-iam"',
    ],
    [
      'a bad MSK cluster ARN',
      { mskClusterArn: 'arn:aws:kafka:eu-west-1:123456789012:topic/x' },
      'mskClusterArn must be an Amazon MSK cluster ARN',
    ],
    ['no vpc', { vpc: undefined }, 'vpc must be an object'],
    [
      'a bad VPC id',
      {
        vpc: {
          vpcId: 'vpc-1',
          subnetIds: ['subnet-0a1b2c3d4e5f60711'],
          securityGroupIds: ['sg-0a1b2c3d4e5f60719'],
        },
      },
      'vpc.vpcId must be a VPC id',
    ],
    [
      'no subnets',
      {
        vpc: {
          vpcId: 'vpc-0a1b2c3d4e5f60718',
          subnetIds: [],
          securityGroupIds: ['sg-0a1b2c3d4e5f60719'],
        },
      },
      'vpc.subnetIds must be a non-empty list of subnet ids',
    ],
    [
      'a bad security group id',
      {
        vpc: {
          vpcId: 'vpc-0a1b2c3d4e5f60718',
          subnetIds: ['subnet-0a1b2c3d4e5f60711'],
          securityGroupIds: ['default'],
        },
      },
      'vpc.securityGroupIds[0] must be security group ids',
    ],
    [
      'a bad topic',
      { canary: { topic: 'has space' } },
      "canary.topic 'has space' is not a valid Kafka topic name",
    ],
    [
      'a topic that is not a canary',
      { canary: { topic: 'orders' } },
      'clusters[1] ("second"): canary.topic \'orders\' does not contain "canary"',
    ],
    [
      'a topic that is not a string',
      { canary: { topic: 7 } },
      'canary.topic must be a Kafka topic name that contains "canary", got 7',
    ],
    [
      'an interval of 1 ms',
      { canary: { intervalMs: 1 } },
      'canary.intervalMs must be a whole number from 10 to 60000, got 1',
    ],
    ['a bad producer', { canary: { producer: '' } }, 'canary.producer must be letters, digits'],
    [
      'a producer mode given as canary.mode that is not one',
      { canary: { mode: 'exactly-once' } },
      'canary.mode must be one of "idempotent", "at-least-once", got "exactly-once"',
    ],
    [
      'no canary partitions',
      { canary: { partitions: 0 } },
      'canary.partitions must be a whole number from 1 to 10000, got 0',
    ],
    [
      'a settle without a unit',
      { canary: { settle: '300' } },
      'canary.settle must be a duration from 0ms to 1d written like 90s, 5m, 1h30m, got "300"',
    ],
    [
      'a maxDuration of a month',
      { canary: { maxDuration: '30d' } },
      'canary.maxDuration must be a duration from 1m to 7d',
    ],
    [
      'a maxDuration shorter than settle',
      { canary: { settle: '2h', maxDuration: '1h' } },
      'canary.maxDuration (1h) must be longer than canary.settle (2h)',
    ],
    [
      'an unknown canary field',
      { canary: { partition: 3 } },
      'canary.partition is not a known field',
    ],
    ['an unknown policy', { policy: 'lax' }, 'policy must be one of "strict", "tolerant"'],
    ['a window of 1 ms', { windowMs: 1 }, 'windowMs must be a whole number from 1000'],
    [
      'an alarm on an unknown metric',
      { alarms: { LostRecords: 0 } },
      'alarms.LostRecords is not a metric of the catalogue (known: LostMessages,',
    ],
    [
      'an alarm threshold that is a string',
      { alarms: { LostMessages: '1' } },
      'alarms.LostMessages must be a threshold (a number) or {"threshold"?: number, "enabled"?: true|false}, got "1"',
    ],
    [
      'an alarm override with an unknown key',
      { alarms: { LostMessages: { period: 60 } } },
      'alarms.LostMessages must be a threshold',
    ],
    [
      'a negative alarm threshold',
      { alarms: { LostMessages: -1 } },
      'alarms.LostMessages threshold -1 is negative: LostMessages is never below 0, so the alarm would fire after every run',
    ],
    [
      'a negative threshold in an override',
      { alarms: { ProducedMessages: { enabled: true, threshold: -5 } } },
      'alarms.ProducedMessages.threshold -5 is negative: ProducedMessages is never below 0, so the alarm would never fire',
    ],
    [
      'a zero threshold on a "less than" alarm',
      { alarms: { CheckedPartitions: { enabled: true, threshold: 0 } } },
      'alarms.CheckedPartitions.threshold 0 can never fire: the alarm fires when CheckedPartitions is below the threshold',
    ],
    [
      'a zero threshold on a "less than" alarm, as a number',
      { alarms: { PreferredLeaderRatio: 0 } },
      'alarms.PreferredLeaderRatio threshold 0 can never fire',
    ],
    [
      'alarms that are a list',
      { alarms: ['LostMessages'] },
      'alarms must be an object of metric name to threshold',
    ],
    ['a bad e-mail', { emails: ['oncall'] }, 'emails[0] must be e-mail addresses, got "oncall"'],
    [
      'e-mails as one string',
      { emails: 'a@example.com' },
      'emails must be a list of e-mail addresses',
    ],
  ])('rejects a cluster with %s', (_what, overrides, message) => {
    expect(() => withCluster(overrides)).toThrow(InputError);
    expect(() => withCluster(overrides)).toThrow(message);
  });

  it('keeps a zero threshold on a "greater than" alarm: the catalogue\'s own default', () => {
    expect(withCluster({ alarms: { LostMessages: 0 } }).clusters[1]?.alarms).toEqual({
      LostMessages: { threshold: 0 },
    });
  });

  it("refuses a canary topic by the same rule as the CLI's run --topic", () => {
    expect(() => withCluster({ canary: { topic: 'payments' } })).toThrow(
      `canary.topic ${canaryTopicNameProblem('payments') ?? 'accepted'}`,
    );
  });

  it('rejects cluster names equal but for case', () => {
    rejects(
      { clusters: [cluster(), cluster({ name: 'Orders' })] },
      'test.json: clusters[1] ("Orders"): name "Orders" differs from clusters[0]\'s "orders" only in case',
    );
  });

  it('rejects a cluster listed twice, by name or by MSK cluster ARN', () => {
    rejects(
      { clusters: [cluster(), cluster()] },
      'test.json: clusters[1] ("orders"): name "orders" is also clusters[0]\'s',
    );
    rejects(
      {
        clusters: [
          cluster({ mskClusterArn: MSK_ARN }),
          cluster({ name: 'b', mskClusterArn: MSK_ARN }),
        ],
      },
      `clusters[1] ("b"): mskClusterArn "${MSK_ARN}" is also clusters[0]'s`,
    );
  });
});

describe('secret fields are never echoed', () => {
  const password = 'hunter2';
  const credentials = { username: 'u', password };
  const problemsOf = (raw: unknown): string => {
    try {
      parse(raw);
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return (error as Error).message;
    }
    throw new Error('the configuration was accepted');
  };
  const notEchoed = (message: string) => {
    expect(message).not.toContain(password);
    expect(message).not.toContain(JSON.stringify(credentials));
    expect(message).not.toContain('"username"');
  };

  it.each([
    ['a password', 'sasl-scram', 'saslSecretArn', password, 'a string'],
    [
      'the credentials as JSON text',
      'sasl-scram',
      'saslSecretArn',
      JSON.stringify(credentials),
      'a string',
    ],
    ['the credentials as an object', 'sasl-scram', 'saslSecretArn', credentials, 'an object'],
    ['a list', 'sasl-scram', 'saslSecretArn', [password], 'a list of 1 item(s)'],
    ['a password on TLS', 'tls', 'saslSecretArn', password, 'a string'],
    [
      'an ARN of another service',
      'sasl-scram',
      'saslSecretArn',
      `arn:aws:ssm:eu-west-1:123456789012:parameter/${password}`,
      'an ARN that is not a Secrets Manager secret',
    ],
    ['a PEM bundle', 'tls', 'caSecretArn', `-----BEGIN CERTIFICATE-----${password}`, 'a string'],
    ['a PEM bundle on plaintext', 'plaintext', 'caSecretArn', password, 'a string'],
  ])('%s in %s security.%s', (_what, protocol, field, value, kind) => {
    const message = problemsOf({
      clusters: [
        cluster({
          security: {
            protocol,
            ...(protocol === 'sasl-scram' && field !== 'saslSecretArn'
              ? { saslSecretArn: SECRET }
              : {}),
            [field]: value,
          },
        }),
      ],
    });
    notEchoed(message);
    expect(message).toContain(
      `test.json: clusters[0] ("orders"): security.${field} must be ${SECRET_ARN_SHAPE}, got ${kind} (value not shown)`,
    );
    expect(message).toContain('arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME');
  });

  it.each([
    [
      'security as the password',
      { clusters: [cluster({ security: password })] },
      'security must be an object, got a string',
    ],
    [
      'clusters as one object',
      { clusters: cluster({ security: { protocol: 'sasl-scram', saslSecretArn: credentials } }) },
      'clusters must be a non-empty list of clusters, got an object',
    ],
    [
      'the file as a list',
      [{ security: { saslSecretArn: credentials } }],
      'must be a JSON object with a "clusters" list, got a list of 1 item(s)',
    ],
    [
      'an alarm override holding the credentials',
      { clusters: [cluster({ alarms: { LostMessages: credentials } })] },
      'alarms.LostMessages must be a threshold (a number) or {"threshold"?: number, "enabled"?: true|false}, got an object',
    ],
    [
      'the vpc holding the credentials',
      { clusters: [cluster({ vpc: [credentials] })] },
      'vpc must be an object, got a list of 1 item(s)',
    ],
    [
      'e-mails holding the credentials',
      { clusters: [cluster({ emails: [credentials] })] },
      'emails[0] must be e-mail addresses, got an object',
    ],
  ])('nor is an object or list by the generic reader: %s', (_what, raw, message) => {
    const problems = problemsOf(raw);
    notEchoed(problems);
    expect(problems).toContain(message);
  });

  it('nor is the text around a JSON syntax error', () => {
    for (const text of [
      '{"clusters": [{"security": {"saslSecretArn": hunter2}}]}',
      '{\n  "a": 1,\n  "saslSecretArn": hunter2\n}',
      `{"padding": "${'x'.repeat(200)}", "saslSecretArn": hunter2, "more": "${'y'.repeat(200)}"}`,
      '{"saslSecretArn": "hunter2",}',
      '{"saslSecretArn": "hunter2"',
    ]) {
      let message = '';
      try {
        JSON.parse(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      const problem = jsonSyntaxProblem(message, text);
      expect(problem).not.toContain('hunter2');
      expect(problem).not.toContain('saslSecretArn');
    }
    const multiline = '{\n  "a": 1,\n  "saslSecretArn": hunter2\n}';
    expect(jsonSyntaxProblem(jsonMessage(multiline), multiline)).toMatch(/near line [23] column/);
    expect(jsonSyntaxProblem(jsonMessage('{\n "a": 1,\n}'), '{\n "a": 1,\n}')).toBe(
      'Expected double-quoted property name at line 3 column 1',
    );
    expect(jsonSyntaxProblem(jsonMessage('{"a": 1'), '{"a": 1')).toBe(
      "Expected ',' or '}' after property value at line 1 column 8",
    );
  });
});

function jsonMessage(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${text} is JSON`);
}

describe('parseDuration and parseSchedule', () => {
  it.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['0s', 0],
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5', '5 m', 'm5', '5m!', '1y'])('refuses %j', (text) =>
    expect(parseDuration(text)).toBeNull(),
  );

  it.each([
    ['1 minute', 1],
    ['5 minutes', 5],
    ['1 hour', 60],
    ['2 hours', 120],
    ['off', null],
  ])('reads the schedule %s', (text, minutes) => expect(parseSchedule(text)).toBe(minutes));

  it.each(['1 minutes', '5 minute', '0 minutes', 'every minute', '60s'])(
    'refuses the schedule %j',
    (text) => expect(parseSchedule(text)).toBeUndefined(),
  );
});
