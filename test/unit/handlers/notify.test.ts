import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';

import { notify, notificationsFor } from '../../../functions/notify/handler.js';
import { lambdaContext } from './fakes.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, '../../fixtures/events', `${name}.json`), 'utf8'),
  );

describe('notify', () => {
  it('tells a verdict readably: cluster on top, reasons, worst partitions, the restart each anomaly followed, the report', () => {
    const [n] = notificationsFor(fixture('notify'));
    const body = JSON.parse(n!.message);
    expect(Object.keys(body)[0]).toBe('cluster');
    expect(body.cluster).toBe('orders');
    expect(body.verdict).toBe('fail');
    expect(body.headline).toBe('Upgrade verification of orders: FAIL — 2 records lost.');
    expect(body.worstPartitions).toEqual(['partition 3: 2 anomalies, unavailable up to 8120 ms']);
    expect(body.anomalies).toEqual([
      'lost on partition 3 at 2026-11-26T08:12:03.120Z, 3.1 s after broker 2 came back',
    ]);
    expect(body.report).toMatch(/^s3:\/\/.+\/runs\/orders\/orders-[0-9a-f]{32}\/report\.json$/);
    expect(n!.subject).toBe('[fail] Kafka upgrade verification: orders');
  });

  it('re-tells a CloudWatch alarm delivered by SNS, with the cluster from its dimension', () => {
    const [n] = notificationsFor(fixture('notify-alarm'));
    const body = JSON.parse(n!.message);
    expect(body.cluster).toBe('orders');
    expect(body.verdict).toBe('alarm');
    expect(body.headline).toMatch(/^LostMessages on orders is ALARM: Threshold Crossed/);
  });

  it('tells a run that failed before its verdict', () => {
    const [n] = notificationsFor({
      kind: 'failure',
      cluster: 'orders',
      runId: 'orders-abc',
      error: { Error: 'CanaryPreflightError', Cause: 'nothing listens at broker-1:9092' },
    });
    const body = JSON.parse(n!.message);
    expect(body).toMatchObject({
      cluster: 'orders',
      verdict: 'error',
      error: 'CanaryPreflightError',
    });
    expect(body.headline).toMatch(
      /VerificationFailed was published; the history recorded so far stays/,
    );
  });

  it.each([
    [{ kind: 'hello' }, /field kind must be "verdict" or "failure"/],
    [
      { ...fixture('notify'), verdict: 'great' },
      /field verdict must be pass, warn, fail or inconclusive/,
    ],
    [{ ...fixture('notify'), report: {} }, /field report\.bucket/],
    [{ Records: [{}] }, /field Records\[0\]\.Sns must be a JSON object/],
    [{ Records: [{ Sns: { Message: '{}' } }] }, /CloudWatch alarm notification with AlarmName/],
  ])('refuses %j naming the field', (event, message) => {
    expect(() => notificationsFor(event)).toThrow(message);
  });

  it('publishes each notification to the topic', async () => {
    const sent: PublishCommand[] = [];
    const result = await notify(fixture('notify'), lambdaContext(), {
      topicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
      sns: {
        send: async (c: unknown) => (sent.push(c as PublishCommand), { MessageId: 'm-1' }),
      } as never,
    });
    expect(result).toEqual({ cluster: 'orders', messageIds: ['m-1'] });
    expect(sent[0]!.input.TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:alerts');
  });
});
