import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';

import {
  notificationFor,
  notify,
  runFinder,
  type RunFinder,
} from '../../../functions/notify/handler.js';
import type { AlarmRun, Deployment, Notification } from '../../../functions/notify/message.js';
import { lambdaContext } from './fakes.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, '../../fixtures/events', `${name}.json`), 'utf8'),
  );

const REGION = 'eu-west-1';
const STATE_MACHINE = `arn:aws:states:${REGION}:123456789012:stateMachine:KafkaUpgradeVerifier-Run`;
const DEPLOYMENT: Deployment = {
  region: REGION,
  bucket: 'kafkaupgradeverifier-runstorebucket-example',
  stateMachineArn: STATE_MACHINE,
  alarmNamePrefix: 'KafkaUpgradeVerifier',
};
const RUN_ID = 'orders-bbc75908aef5fc116fc43f9ec10b6709-1';
const EXECUTION = `arn:aws:states:${REGION}:123456789012:execution:KafkaUpgradeVerifier-Run:${RUN_ID}`;
const RUN: AlarmRun = {
  runId: RUN_ID,
  upgradeKey: 'orders-3.6.0-to-3.7.1',
  executionArn: EXECUTION,
  status: 'RUNNING',
};
const asked: Array<[string, Date]> = [];
const findRun: RunFinder = async (cluster, before) => (asked.push([cluster, before]), RUN);

async function render(event: unknown): Promise<Notification> {
  const n = await notificationFor(event, DEPLOYMENT, findRun);
  if (n === null) throw new Error('no notification');
  return n;
}

/** The message is text a person reads, and every link opens the console where it should. */
function linksOf(n: Notification): URL[] {
  expect(n.message).not.toMatch(/[{}]/);
  expect(n.message).not.toContain('s3://');
  expect(n.message).not.toMatch(/\\n|\\"/);
  expect(n.subject.length).toBeLessThanOrEqual(100);
  expect(n.subject).toMatch(/^[\x20-\x7e]+$/);
  const urls = [...n.message.matchAll(/https:\/\/\S+/g)].map((m) => new URL(m[0]));
  expect(urls.length).toBeGreaterThan(0);
  for (const url of urls) {
    expect(url.hostname).toBe(`${REGION}.console.aws.amazon.com`);
    expect(url.searchParams.get('region')).toBe(REGION);
  }
  return urls;
}

const s3Links = (urls: URL[]) =>
  urls
    .filter((u) => u.pathname.startsWith('/s3/object/'))
    .map((u) => `${u.pathname.slice('/s3/object/'.length)}/${u.searchParams.get('prefix')}`);
const fragments = (urls: URL[]) => urls.map((u) => decodeURIComponent(u.hash));

describe('notify: alarm messages', () => {
  it('tells a per-metric alarm: what the metric measures, value and threshold, run, upgrade, runbook, links', async () => {
    asked.length = 0;
    const n = await render(fixture('alarm-metric'));
    expect(n).toMatchObject({ cluster: 'orders', kind: 'alarm' });
    expect(n.subject).toBe('[ALARM] LostMessages on Kafka cluster orders: 2');
    expect(n.message).toMatch(/^LostMessages on cluster orders is ALARM: 2 \(alarm above 0\)\./);
    expect(n.message).toContain(
      'Metric:  LostMessages - Acknowledged canary messages not found when the log was read back.',
    );
    expect(n.message).toContain(`Run:     ${RUN_ID} (running)`);
    expect(n.message).toContain('Upgrade: orders-3.6.0-to-3.7.1');
    expect(n.message).toMatch(
      /What to do first \(runbook LostMessages.*\n {2}- Producers: `acks=all`/,
    );
    expect(asked).toEqual([['orders', new Date('2026-11-26T08:40:12.989Z')]]);
    const urls = linksOf(n);
    expect(fragments(urls)).toEqual([
      `#/v2/executions/details/${EXECUTION}`,
      '',
      '#dashboards/dashboard/KafkaUpgradeVerifier-orders',
      '#alarmsV2:alarm/KafkaUpgradeVerifier.orders.LostMessages',
    ]);
    expect(s3Links(urls)).toEqual([`${DEPLOYMENT.bucket}/runs/orders/${RUN_ID}/report.html`]);
  });

  it('says so when no run of the cluster is found, and links the runs instead', async () => {
    const n = await notificationFor(fixture('alarm-metric'), DEPLOYMENT, async () => null);
    expect(n!.message).toMatch(/Run: {5}none found/);
    expect(fragments(linksOf(n!))).toContain(`#/statemachines/view/${STATE_MACHINE}`);
  });

  it('tells nothing when a per-metric alarm returns to OK', async () => {
    const event = fixture('alarm-metric') as { detail: { state: { value: string } } };
    event.detail.state.value = 'OK';
    expect(await notificationFor(event, DEPLOYMENT, findRun)).toBeNull();
  });

  it('tells the composite alarm going to ALARM, naming the alarms that made it', async () => {
    const n = await render(fixture('alarm-composite'));
    expect(n).toMatchObject({ cluster: 'orders', kind: 'alarm' });
    expect(n.subject).toBe('[ALARM] Kafka cluster orders: LostMessages');
    expect(n.message).toMatch(/^Cluster orders is in ALARM: LostMessages fired\./);
    expect(fragments(linksOf(n))).toEqual([
      '#dashboards/dashboard/KafkaUpgradeVerifier-orders',
      '#alarmsV2:alarm/KafkaUpgradeVerifier.orders.Any',
    ]);
  });

  it('tells the composite alarm returning to OK', async () => {
    const event = fixture('alarm-composite') as {
      detail: { state: { value: string }; previousState: { value: string } };
    };
    event.detail.state.value = 'OK';
    event.detail.previousState.value = 'ALARM';
    const n = await render(event);
    expect(n.subject).toBe('[OK] Kafka cluster orders: all verifier alarms OK');
    expect(n.message).toMatch(/^Cluster orders is OK again/);
    linksOf(n);
  });

  it('tells a self-monitoring alarm with what failed and what to do, for every subscriber', async () => {
    asked.length = 0;
    const n = await render(fixture('alarm-verifier'));
    expect(n).toMatchObject({ cluster: '_verifier', kind: 'alarm' });
    expect(n.subject).toBe('[ALARM] kafka-upgrade-verifier itself: RunExecutionsFailed');
    expect(n.message).toContain('What:    A verification run failed.');
    expect(n.message).toContain('Value:   1 (alarm above 0)');
    expect(n.message).toMatch(/What to do first:\n {2}- Open the execution in the Step Functions/);
    expect(fragments(linksOf(n))).toEqual([
      '#alarmsV2:alarm/KafkaUpgradeVerifier._verifier.RunExecutionsFailed',
      `#/statemachines/view/${STATE_MACHINE}`,
    ]);
    expect(asked).toEqual([]);
  });
});

describe('notify: verdict and failure messages', () => {
  const reportLinks = [
    `${DEPLOYMENT.bucket}/runs/orders/${RUN_ID}/report.html`,
    `${DEPLOYMENT.bucket}/runs/orders/${RUN_ID}/summary.txt`,
    `${DEPLOYMENT.bucket}/runs/orders/${RUN_ID}/report.json`,
  ];

  it('tells a failed verdict: headline, reasons, worst partitions, anomalies, runbook, links', async () => {
    const n = await render(fixture('notify'));
    expect(n).toMatchObject({ cluster: 'orders', kind: 'verdict' });
    expect(n.subject).toBe('[fail] Kafka upgrade verification of orders: 2 records lost');
    expect(n.message).toMatch(/^Upgrade verification of orders: FAIL\.\n/);
    expect(n.message).toContain('Reasons:\n  - 2 records lost\n');
    expect(n.message).toContain(
      'Worst partitions:\n  - partition 3: 2 anomalies, unavailable up to 8.1 s\n',
    );
    expect(n.message).toContain(
      '  - lost on partition 3 at 2026-11-26T08:12:03.120Z, 3.1 s after broker 2 came back',
    );
    expect(n.message).toContain('What to do first (runbook VerificationFailed');
    const urls = linksOf(n);
    expect(s3Links(urls)).toEqual(reportLinks);
    expect(fragments(urls)).toContain(`#/v2/executions/details/${EXECUTION}`);
    expect(fragments(urls)).toContain('#dashboards/dashboard/KafkaUpgradeVerifier-orders');
  });

  it('tells a passed verdict without reasons or runbook', async () => {
    const n = await render({
      ...fixture('notify'),
      verdict: 'pass',
      reasons: [],
      worstPartitions: [],
      anomalies: [],
    });
    expect(n.subject).toBe('[pass] Kafka upgrade verification of orders');
    expect(n.message).toMatch(/^Upgrade verification of orders PASSED\./);
    expect(n.message).toContain('Reasons:\n  none: every check passed');
    expect(n.message).not.toContain('What to do first');
    expect(s3Links(linksOf(n))).toEqual(reportLinks);
  });

  it('tells a warning with the runbook of its reason', async () => {
    const n = await render({
      ...fixture('notify'),
      verdict: 'warn',
      reasons: ['leader skew 2.5 above 1.5'],
      anomalies: [],
      metrics: { published: 18, failed: ['LeaderSkew'] },
    });
    expect(n.subject).toBe(
      '[warn] Kafka upgrade verification of orders: leader skew 2.5 above 1.5',
    );
    expect(n.message).toContain(
      'What to do first (runbook LeaderSkew, docs/runbooks/leader-skew.md)',
    );
    expect(n.message).not.toContain('```');
    expect(n.message).toContain(
      'Metrics NOT published (their alarms cannot fire for this run): LeaderSkew',
    );
    linksOf(n);
  });

  it('tells a run that failed before its verdict, with its execution and the history so far', async () => {
    const n = await render({
      kind: 'failure',
      cluster: 'orders',
      runId: RUN_ID,
      error: { Error: 'CanaryPreflightError', Cause: 'nothing listens at broker-1:9092' },
    });
    expect(n).toMatchObject({ cluster: 'orders', kind: 'error' });
    expect(n.subject).toBe('[error] Kafka upgrade verification of orders: CanaryPreflightError');
    expect(n.message).toContain('Cause:   nothing listens at broker-1:9092');
    const urls = linksOf(n);
    expect(fragments(urls)).toContain(`#/v2/executions/details/${EXECUTION}`);
    const folder = urls.find((u) => u.pathname === `/s3/buckets/${DEPLOYMENT.bucket}`);
    expect(folder?.searchParams.get('prefix')).toBe(`runs/orders/${RUN_ID}/history/`);
  });

  it('keeps a long subject within SNS’s 100 ASCII characters', async () => {
    const n = await render({
      ...fixture('notify'),
      reasons: ['2 acked records lost — on partitions 1, 2, 3', 'x'.repeat(200)],
    });
    expect(n.subject).toHaveLength(100);
    expect(n.subject).toMatch(
      /^\[fail\] Kafka upgrade verification of orders: 2 acked records lost - on/,
    );
  });
});

describe('notify: events and publishing', () => {
  it.each([
    [{ kind: 'hello' }, /field kind must be "verdict" or "failure"/],
    [
      { ...fixture('notify'), verdict: 'great' },
      /field verdict must be pass, warn, fail or inconclusive/,
    ],
    [{ ...fixture('notify'), report: {} }, /field report\.bucket/],
    [{ ...fixture('alarm-metric'), source: 'aws.ec2' }, /field source must be "aws\.cloudwatch"/],
    [
      { ...fixture('alarm-metric'), detail: { alarmName: 'x', configuration: {} } },
      /field detail\.configuration must have metrics .* or alarmRule/,
    ],
    [
      {
        ...fixture('alarm-metric'),
        detail: { ...(fixture('alarm-metric').detail as object), state: { value: 'RED' } },
      },
      /field detail\.state\.value must be one of OK, ALARM, INSUFFICIENT_DATA, got "RED"/,
    ],
  ])('refuses %j naming the field', async (event, message) => {
    await expect(notificationFor(event, DEPLOYMENT, findRun)).rejects.toThrow(message);
  });

  it('publishes one message with the cluster and kind as message attributes', async () => {
    const sent: PublishCommand[] = [];
    const result = await notify(fixture('alarm-metric'), lambdaContext(), {
      topicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      deployment: DEPLOYMENT,
      findRun,
      sns: {
        send: async (c: unknown) => (sent.push(c as PublishCommand), { MessageId: 'm-1' }),
      } as never,
    });
    expect(result).toEqual({ cluster: 'orders', messageIds: ['m-1'] });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.input.MessageAttributes).toEqual({
      cluster: { DataType: 'String', StringValue: 'orders' },
      kind: { DataType: 'String', StringValue: 'alarm' },
    });
  });

  it('finds an alarm’s run: the cluster’s newest execution started before the alarm, with its upgrade', async () => {
    const started = (iso: string) => new Date(iso);
    const sent: unknown[] = [];
    const sfn = {
      send: async (c: { constructor: { name: string }; input: unknown }) => {
        sent.push(c.input);
        if (c.constructor.name === 'ListExecutionsCommand') {
          return {
            executions: [
              {
                name: `orders-${'f'.repeat(32)}`,
                executionArn: 'later',
                startDate: started('2026-11-26T09:00:00Z'),
                status: 'RUNNING',
              },
              {
                name: `payments-${'e'.repeat(32)}`,
                executionArn: 'other',
                startDate: started('2026-11-26T08:00:00Z'),
                status: 'RUNNING',
              },
              {
                name: RUN_ID,
                executionArn: EXECUTION,
                startDate: started('2026-11-26T07:00:00Z'),
                status: 'SUCCEEDED',
              },
            ],
          };
        }
        return {
          input: JSON.stringify({ cluster: 'orders', upgradeKey: 'orders-3.6.0-to-3.7.1' }),
        };
      },
    };
    const run = await runFinder(sfn as never, STATE_MACHINE)(
      'orders',
      started('2026-11-26T08:40:12Z'),
    );
    expect(run).toEqual({ ...RUN, status: 'SUCCEEDED' });
    expect(sent).toEqual([
      { stateMachineArn: STATE_MACHINE, maxResults: 100 },
      { executionArn: EXECUTION },
    ]);
  });
});
