/**
 * notify: tells people how a run ended, on the alert topic. It takes the state
 * machine's verdict (verify's result, `kind: "verdict"`), the state machine's failure
 * (`kind: "failure"` with the Catch's `{Error, Cause}`), or a CloudWatch alarm's SNS
 * notification (an SNS event), and publishes one readable JSON message with a top-level
 * `cluster`, which the e-mail subscriptions filter on.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';

import { InputError } from '../core/errors.js';
import { snsClient } from '../commons/aws-clients/sns.js';
import { ALERT_TOPIC_ENV, requiredEnv } from '../commons/environment.js';
import { EventReader } from '../commons/events.js';
import { lambdaHandler } from '../commons/lambda.js';
import { logger } from '../commons/powertools/logger.js';
import type { VerdictSummary } from '../commons/verdict.js';
import {
  alarmNotification,
  failureNotification,
  verdictNotification,
  type Notification,
} from './message.js';

export interface NotifyResult {
  readonly cluster: string;
  readonly messageIds: readonly string[];
}

/** Picks the notification(s) an event asks for; InputError naming the field otherwise. */
export function notificationsFor(event: unknown): Notification[] {
  const r = new EventReader('notify', event);
  if (r.raw('Records') !== undefined) {
    return r.array('Records').map((record, i) => {
      const sns = new EventReader('notify', record, `Records[${i}]`).object('Sns');
      return alarmNotification(sns.string('Message'));
    });
  }
  const kind = r.raw('kind');
  if (kind === 'verdict') {
    r.string('cluster');
    r.string('runId');
    r.string('verdict', /^(pass|warn|fail|inconclusive)$/, 'pass, warn, fail or inconclusive');
    r.array('reasons');
    r.array('worstPartitions');
    r.array('anomalies');
    const report = r.object('report');
    report.string('bucket');
    report.string('reportKey');
    report.string('summaryKey');
    report.string('htmlKey');
    r.object('metrics').array('failed');
    return [verdictNotification(event as VerdictSummary)];
  }
  if (kind === 'failure') {
    const error = r.object('error');
    return [
      failureNotification({
        kind: 'failure',
        cluster: r.string('cluster'),
        runId: r.string('runId'),
        error: {
          ...(error.optionalString('Error') === undefined ? {} : { Error: error.string('Error') }),
          ...(error.optionalString('Cause') === undefined ? {} : { Cause: error.string('Cause') }),
        },
      }),
    ];
  }
  throw new InputError(
    `notify: field kind must be "verdict" or "failure" (or the event an SNS subscription delivers, with Records), got ${JSON.stringify(kind)}`,
  );
}

export async function notify(
  event: unknown,
  _context: Context,
  deps: { sns: Pick<SNSClient, 'send'>; topicArn: string },
): Promise<NotifyResult> {
  const notifications = notificationsFor(event);
  const messageIds: string[] = [];
  for (const n of notifications) {
    const out = await deps.sns.send(
      new PublishCommand({ TopicArn: deps.topicArn, Subject: n.subject, Message: n.message }),
    );
    messageIds.push(out.MessageId ?? '');
    logger.info(`notify: published "${n.subject}"`, {
      cluster: n.cluster,
      messageId: out.MessageId,
    });
  }
  return { cluster: notifications[0]?.cluster ?? '', messageIds };
}

export function functionHandler(event: unknown, context: Context): Promise<NotifyResult> {
  return notify(event, context, { sns: snsClient(), topicArn: requiredEnv(ALERT_TOPIC_ENV) });
}

export const handler = lambdaHandler('notify', functionHandler);
