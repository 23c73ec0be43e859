/**
 * Verification Anomaly and Verification Finished (functions/core/live/events.ts) through
 * a real EventBridge rule engine (moto's server): a rule per documented pattern
 * (docs/events.md, read from the page itself) with an SQS queue as target; each event
 * must arrive there with the documented detail, and a Finished event of another
 * cluster or verdict must not pass the gate. Needs no Kafka cluster: run with
 * KUV_BOOTSTRAP=none.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  anomalyPublisher,
  failedSendFinding,
  finishedEntry,
  putEvent,
  type ReportLocation,
} from '../../../functions/core/live/events.js';
import { skipWithout } from '../requirements.js';
import {
  MOTO_CLIENT_CONFIG,
  type MotoServer,
  motoServerMissing,
  startMotoServer,
} from '../../support/aws.js';

/** The JSON blocks of docs/events.md: [anomaly example, finished example, gate pattern]. */
function documented(): unknown[] {
  const page = readFileSync(join(import.meta.dirname, '../../../docs/events.md'), 'utf8');
  return [...page.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as unknown);
}

describe.skipIf(skipWithout(motoServerMissing))(
  `verification events through moto's EventBridge (${motoServerMissing ?? 'installed'})`,
  () => {
    let moto: MotoServer;
    let events: EventBridgeClient;
    let sqs: SQSClient;
    const [anomalyExample, finishedExample, gatePattern] = documented() as [
      { detail: Record<string, unknown> },
      { detail: Record<string, unknown> },
      object,
    ];
    const queues: Record<string, string> = {};

    async function ruleToQueue(name: string, pattern: object): Promise<void> {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      await events.send(new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(pattern) }));
      await events.send(
        new PutTargetsCommand({ Rule: name, Targets: [{ Id: 'q', Arn: Attributes!.QueueArn! }] }),
      );
      queues[name] = QueueUrl!;
    }

    async function received(name: string): Promise<Array<Record<string, unknown>>> {
      const bodies: Array<Record<string, unknown>> = [];
      for (;;) {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queues[name],
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
          }),
        );
        if (Messages === undefined || Messages.length === 0) return bodies;
        bodies.push(...Messages.map((m) => JSON.parse(m.Body!) as Record<string, unknown>));
      }
    }

    beforeAll(async () => {
      moto = await startMotoServer();
      events = new EventBridgeClient({ ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint });
      sqs = new SQSClient({ ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint });
      await ruleToQueue('gate', gatePattern);
      await ruleToQueue('anomaly', {
        source: ['kafka-upgrade-verifier'],
        'detail-type': ['Verification Anomaly'],
        detail: { cluster: ['staging'] },
      });
    });

    afterAll(async () => {
      events?.destroy();
      sqs?.destroy();
      await moto?.stop();
    });

    it('Verification Finished of staging, pass, reaches the gate with the documented detail; others do not', async () => {
      const log: string[] = [];
      const location = finishedExample.detail.location as ReportLocation;
      const run = { cluster: 'staging', runId: String(finishedExample.detail.runId) };
      for (const [r, verdict] of [
        [run, 'pass'],
        [run, 'fail'],
        [{ cluster: 'production', runId: 'r2' }, 'pass'],
      ] as const) {
        expect(
          await putEvent(
            events,
            finishedEntry(r, { verdict, reasons: verdict === 'fail' ? ['lost 2'] : [] }, location),
            (l) => log.push(l),
          ),
        ).toBe(true);
      }
      const got = await received('gate');
      expect(log).toEqual([]);
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({
        source: 'kafka-upgrade-verifier',
        'detail-type': 'Verification Finished',
      });
      expect(got[0]!.detail).toEqual(finishedExample.detail);
      expect(Object.keys(got[0]!.detail as object).sort()).toEqual(
        Object.keys(finishedExample.detail).sort(),
      );
    });

    it('Verification Anomaly reaches its rule once, with the documented detail', async () => {
      const p = anomalyPublisher({
        client: events,
        run: { cluster: 'staging', runId: String(anomalyExample.detail.runId) },
        log: () => undefined,
        alreadySent: false,
      });
      const counters = { failed: 1 };
      const lastError = { at: 1764676803000, partition: 2, error: 'Request timed out' };
      p.onFinding(failedSendFinding({ counters, lastError }, 1764676804000)!);
      p.onFinding(failedSendFinding({ counters: { failed: 2 }, lastError }, 1764676805000)!);
      await p.settled();
      const got = await received('anomaly');
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ 'detail-type': 'Verification Anomaly' });
      expect(got[0]!.detail).toEqual(anomalyExample.detail);
    });
  },
);
