/**
 * The trigger rules against a real EventBridge rule engine (moto's server): the event
 * patterns and input transformers are taken from the synthesized template of the
 * shipped verifier.config.json, installed in moto's EventBridge with an SQS queue per
 * rule as the target (moto delivers to SQS, not to Step Functions), and real-shaped
 * events are sent with PutEvents. Only the right events may arrive, shaped as the
 * event contract says (docs/aws.md). moto's TestEventPattern is a stub; this is its
 * real matcher. The alarm rule (lib/alerts.ts) is taken from the stack as bin/app.ts
 * builds it (with notify) and gets an SQS target in place of notify (moto invokes no
 * Lambda). Needs no Kafka cluster: run with KUV_BOOTSTRAP=none.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { randomUUID } from 'node:crypto';

import { Template } from 'aws-cdk-lib/assertions';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  EVENT_SOURCE,
  MSK_UPGRADE_EVENT_NAMES,
  UPGRADE_FINISHED,
  UPGRADE_STARTED,
} from '../../../functions/core/config/events.js';
import { readAlarmStateChange } from '../../../functions/commons/events.js';
import { loadVerifierConfig } from '../../../lib/config.js';
import { KafkaUpgradeVerifierStack } from '../../../lib/kafka-upgrade-verifier-stack.js';
import { TemplatePolicies } from '../../support/iam.js';
import { buildAppStack } from '../../support/stack.js';
import {
  MOTO_CLIENT_CONFIG,
  type MotoServer,
  motoServerMissing,
  startMotoServer,
} from '../../support/aws.js';
import { skipWithout } from '../requirements.js';

const config = loadVerifierConfig('verifier.config.json');
const payments = config.clusters.find((c) => c.mskClusterArn !== undefined)!;
const orders = config.clusters.find((c) => c.mskClusterArn === undefined)!;
const PAYMENTS_ARN = payments.mskClusterArn!;
const OTHER_ARN =
  'arn:aws:kafka:eu-west-1:123456789012:cluster/elsewhere/0b6f2ec4-3f7e-4d7a-9d39-2c1e1d0c9a11-2';

interface SynthRule {
  readonly logicalId: string;
  readonly pattern: unknown;
  readonly transformer: { InputPathsMap: Record<string, string>; InputTemplate: string };
}

/**
 * EventBridge puts a string in place of an unquoted `<name>` as a JSON string, quotes
 * included (the form CDK writes); moto 5.2.5 pastes it raw, which only works inside
 * quotes. Every path our templates name holds a string, so quoting them gives moto the
 * same result AWS gives.
 */
function forMoto(inputTemplate: string): string {
  return inputTemplate.replace(/(?<!")<([A-Za-z0-9._-]+)>(?!")/g, '"<$1>"');
}

/** The event rules of the synthesized stack: pattern and the first target's input transformer. */
function synthesizedRules(): SynthRule[] {
  const stack = new KafkaUpgradeVerifierStack(new App(), 'KafkaUpgradeVerifier', { config });
  const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');
  return Object.entries(rules).map(([logicalId, rule]) => ({
    logicalId,
    pattern: rule.Properties.EventPattern,
    transformer: rule.Properties.Targets[0].InputTransformer,
  }));
}

const ACCOUNT = '123456789012';

/** The alarm rule of the stack with notify: its pattern, the template's tokens resolved. */
function synthesizedAlarmPattern(): unknown {
  const template = Template.fromStack(buildAppStack(config).stack).toJSON() as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const [rule] = Object.entries(template.Resources).filter(
    ([id, r]) => r.Type === 'AWS::Events::Rule' && id.startsWith('AlertsAlarmStateChanges'),
  );
  if (rule === undefined) throw new Error('the stack with notify has no alarm rule');
  const policies = new TemplatePolicies(template as never, ACCOUNT, MOTO_CLIENT_CONFIG.region);
  return policies.resolve(rule[1].Properties.EventPattern as never);
}

/** A CloudWatch Alarm State Change of `alarmName`, from the fixture (test/fixtures/events). */
function alarmEvent(alarmName: string, detailType = 'CloudWatch Alarm State Change') {
  const event = JSON.parse(
    readFileSync(join(import.meta.dirname, '../../fixtures/events/alarm-metric.json'), 'utf8'),
  ) as { detail: { alarmName: string } };
  event.detail.alarmName = alarmName;
  return {
    Source: 'aws.cloudwatch',
    DetailType: detailType,
    Resources: [`arn:aws:cloudwatch:${MOTO_CLIENT_CONFIG.region}:${ACCOUNT}:alarm:${alarmName}`],
    Detail: JSON.stringify(event.detail),
  } satisfies PutEventsRequestEntry;
}

/** A CloudTrail record of an MSK API call, as EventBridge delivers it. */
function cloudTrailEvent(
  eventName: string,
  clusterArn: string,
  extra: Record<string, unknown> = {},
) {
  const eventID = randomUUID();
  const operationArn = `${clusterArn.replace(':cluster/', ':cluster-operation/')}/${randomUUID()}`;
  const detail = {
    eventVersion: '1.08',
    userIdentity: { type: 'AssumedRole', accountId: '123456789012' },
    eventTime: '2026-11-26T08:00:00Z',
    eventSource: 'kafka.amazonaws.com',
    eventName,
    awsRegion: 'eu-west-1',
    sourceIPAddress: '203.0.113.25',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: { clusterArn, currentVersion: 'K3AEGXETSR30VB' },
    responseElements: { clusterArn, clusterOperationArn: operationArn },
    requestID: randomUUID(),
    eventID,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '123456789012',
    eventCategory: 'Management',
    ...extra,
  };
  return {
    entry: {
      Source: 'aws.kafka',
      DetailType: 'AWS API Call via CloudTrail',
      Detail: JSON.stringify(detail),
    } satisfies PutEventsRequestEntry,
    eventID,
    operationArn,
  };
}

function upgradeEvent(detailType: string, detail: Record<string, unknown>): PutEventsRequestEntry {
  return { Source: EVENT_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail) };
}

describe.skipIf(skipWithout(motoServerMissing))(
  `trigger rules in EventBridge through moto server (${motoServerMissing ?? 'installed'})`,
  () => {
    let moto: MotoServer;
    let events: EventBridgeClient;
    let sqs: SQSClient;
    /** Rule logical id → the URL of the queue its target delivers to. */
    const queues = new Map<string, string>();
    const rules = synthesizedRules();
    const ruleId = (prefix: string) => rules.find((r) => r.logicalId.startsWith(prefix))!.logicalId;
    const ALARM_RULE = 'AlarmStateChanges';
    const alarmPattern = synthesizedAlarmPattern();

    beforeAll(async () => {
      moto = await startMotoServer();
      events = new EventBridgeClient({ ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint });
      sqs = new SQSClient({ ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint });
      for (const rule of rules) {
        const name = rule.logicalId;
        const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
        );
        await events.send(
          new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(rule.pattern) }),
        );
        await events.send(
          new PutTargetsCommand({
            Rule: name,
            Targets: [
              {
                Id: 'queue',
                Arn: Attributes!.QueueArn!,
                InputTransformer: {
                  InputPathsMap: rule.transformer.InputPathsMap,
                  InputTemplate: forMoto(rule.transformer.InputTemplate),
                },
              },
            ],
          }),
        );
        queues.set(name, QueueUrl!);
      }
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: ALARM_RULE }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      await events.send(
        new PutRuleCommand({ Name: ALARM_RULE, EventPattern: JSON.stringify(alarmPattern) }),
      );
      await events.send(
        new PutTargetsCommand({
          Rule: ALARM_RULE,
          Targets: [{ Id: 'queue', Arn: Attributes!.QueueArn! }],
        }),
      );
      queues.set(ALARM_RULE, QueueUrl!);
    });

    afterAll(async () => {
      events?.destroy();
      sqs?.destroy();
      await moto?.stop();
    });

    /** Sends the events (PutEvents takes 10 at a time) and every rule's deliveries, parsed. */
    async function deliver(entries: PutEventsRequestEntry[]): Promise<Map<string, unknown[]>> {
      for (let i = 0; i < entries.length; i += 10) {
        const result = await events.send(
          new PutEventsCommand({ Entries: entries.slice(i, i + 10) }),
        );
        expect(result.FailedEntryCount ?? 0).toBe(0);
      }
      const got = new Map<string, unknown[]>();
      for (const [rule, QueueUrl] of queues) {
        const bodies: unknown[] = [];
        for (;;) {
          const { Messages } = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
          );
          if (Messages === undefined || Messages.length === 0) break;
          bodies.push(...Messages.map((m) => JSON.parse(m.Body!) as unknown));
        }
        got.set(rule, bodies);
      }
      return got;
    }

    it('installed one rule per MSK cluster and one each for Upgrade Started and Finished', () => {
      expect(rules.map((r) => r.logicalId).sort()).toEqual(
        [
          ruleId('TriggersMskApipayments'),
          ruleId('TriggersUpgradeStarted'),
          ruleId('TriggersUpgradeFinished'),
        ].sort(),
      );
    });

    it('starts a run for each broker-restarting MSK call on a configured cluster, and for nothing else', async () => {
      const calls = MSK_UPGRADE_EVENT_NAMES.map((name) => ({
        name,
        ...cloudTrailEvent(name, PAYMENTS_ARN),
      }));
      const ignored = [
        cloudTrailEvent('UpdateClusterKafkaVersion', OTHER_ARN).entry, // a cluster not configured
        cloudTrailEvent('UpdateConfiguration', PAYMENTS_ARN).entry, // restarts nothing
        cloudTrailEvent('DescribeClusterV2', PAYMENTS_ARN).entry, // read-only
        cloudTrailEvent('UpdateClusterKafkaVersion', PAYMENTS_ARN, {
          errorCode: 'BadRequestException',
          errorMessage: 'The cluster is not in ACTIVE state',
        }).entry, // a call that failed started nothing
        {
          Source: 'aws.ec2',
          DetailType: 'AWS API Call via CloudTrail',
          Detail: JSON.stringify({
            eventSource: 'ec2.amazonaws.com',
            eventName: 'RebootInstances',
          }),
        },
      ];
      const got = await deliver([...ignored, ...calls.map((c) => c.entry)]);

      const started = got.get(ruleId('TriggersMskApipayments')) ?? [];
      expect(started).toHaveLength(MSK_UPGRADE_EVENT_NAMES.length);
      for (const call of calls) {
        expect(started).toContainEqual({
          cluster: payments.name,
          upgradeKey: call.operationArn,
          trigger: {
            kind: 'msk-api',
            eventName: call.name,
            eventId: call.eventID,
            time: expect.any(String),
            operationArn: call.operationArn,
          },
        });
      }
      expect(got.get(ruleId('TriggersUpgradeStarted'))).toEqual([]);
      expect(got.get(ruleId('TriggersUpgradeFinished'))).toEqual([]);
    });

    it('takes Upgrade Started and Finished for configured clusters, with a string upgradeId only', async () => {
      const upgradeId = `orders-${randomUUID()}`;
      const got = await deliver([
        upgradeEvent(UPGRADE_STARTED, { cluster: orders.name, upgradeId }),
        upgradeEvent(UPGRADE_FINISHED, { cluster: orders.name, upgradeId }),
        upgradeEvent(UPGRADE_STARTED, { cluster: 'unknown', upgradeId }), // not configured
        upgradeEvent(UPGRADE_STARTED, { cluster: orders.name }), // no upgradeId
        upgradeEvent(UPGRADE_STARTED, { cluster: orders.name, upgradeId: 42 }), // not a string
        {
          Source: 'someone-else',
          DetailType: UPGRADE_STARTED,
          Detail: JSON.stringify({ cluster: orders.name, upgradeId }),
        },
      ]);
      const expected = {
        cluster: orders.name,
        upgradeKey: upgradeId,
        trigger: {
          kind: 'custom',
          upgradeId,
          eventId: expect.any(String),
          time: expect.any(String),
        },
      };
      expect(got.get(ruleId('TriggersUpgradeStarted'))).toEqual([expected]);
      expect(got.get(ruleId('TriggersUpgradeFinished'))).toEqual([expected]);
      expect(got.get(ruleId('TriggersMskApipayments'))).toEqual([]);
    });

    it('sends this stack’s alarm state changes to notify, not notify’s own alarms, nor others’', async () => {
      const prefix = 'KafkaUpgradeVerifier';
      const wanted = [
        `${prefix}.${orders.name}.LostMessages`,
        `${prefix}.${orders.name}.Any`,
        `${prefix}._verifier.RunExecutionsFailed`,
      ];
      const got = await deliver([
        ...wanted.map((name) => alarmEvent(name)),
        alarmEvent(`${prefix}._verifier.Run-Notify.Errors`), // publishes to the topic itself
        alarmEvent(`${prefix}._verifier.Run-Notify.Throttles`),
        alarmEvent(`OtherStack.${orders.name}.LostMessages`), // another stack's alarm
        alarmEvent(
          `${prefix}.${orders.name}.LostMessages`,
          'CloudWatch Alarm Configuration Change',
        ),
      ]);
      const delivered = (got.get(ALARM_RULE) ?? []).map((e) => readAlarmStateChange('notify', e));
      expect(delivered.map((a) => a.alarmName).sort()).toEqual([...wanted].sort());
      expect(delivered[0]).toMatchObject({ type: 'metric', state: { value: 'ALARM' } });
      for (const rule of rules) expect(got.get(rule.logicalId), rule.logicalId).toEqual([]);
    });
  },
);
