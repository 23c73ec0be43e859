/**
 * notify: tells people what happened, on the alert topic, as plain text. It takes the
 * state machine's verdict (verify's result, `kind: "verdict"`), the state machine's
 * failure (`kind: "failure"` with the Catch's `{Error, Cause}`), or a CloudWatch alarm's
 * state change from EventBridge (lib/alerts.ts routes this stack's alarms here), and
 * publishes one message per event with the message attributes `cluster` and `kind`,
 * which the e-mail subscriptions filter on. A per-metric alarm's return to OK (or to
 * INSUFFICIENT_DATA) publishes nothing: the cluster's composite alarm says when all is
 * well again.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';

import { InputError } from '../core/errors.js';
import { sfnClient } from '../commons/aws-clients/sfn.js';
import { snsClient } from '../commons/aws-clients/sns.js';
import {
  ALARM_PREFIX_ENV,
  ALERT_TOPIC_ENV,
  RUN_BUCKET_ENV,
  RUN_STATE_MACHINE_ENV,
  requiredEnv,
} from '../commons/environment.js';
import { EventReader, readAlarmStateChange, type AlarmStateChange } from '../commons/events.js';
import { lambdaHandler } from '../commons/lambda.js';
import { logger } from '../commons/powertools/logger.js';
import type { VerdictSummary } from '../commons/verdict.js';
import {
  alarmCluster,
  alarmNotification,
  failureNotification,
  isAlarmTold,
  verdictNotification,
  VERIFIER_SCOPE,
  type AlarmRun,
  type Deployment,
  type Notification,
} from './message.js';

export interface NotifyResult {
  readonly cluster: string;
  readonly messageIds: readonly string[];
}

/** Finds the run a cluster's alarm belongs to: its latest run started before `before`. */
export type RunFinder = (cluster: string, before: Date) => Promise<AlarmRun | null>;

/** A verdict or failure event checked, or an alarm event read; InputError naming the field. */
export function readNotifyEvent(
  event: unknown,
):
  | { kind: 'verdict'; verdict: VerdictSummary }
  | { kind: 'failure'; failure: Parameters<typeof failureNotification>[0] }
  | { kind: 'alarm'; alarm: AlarmStateChange } {
  const r = new EventReader('notify', event);
  if (r.raw('source') !== undefined || r.raw('detail-type') !== undefined) {
    return { kind: 'alarm', alarm: readAlarmStateChange('notify', event) };
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
    return { kind: 'verdict', verdict: event as VerdictSummary };
  }
  if (kind === 'failure') {
    const error = r.object('error');
    return {
      kind: 'failure',
      failure: {
        kind: 'failure',
        cluster: r.string('cluster'),
        runId: r.string('runId'),
        error: {
          ...(error.optionalString('Error') === undefined ? {} : { Error: error.string('Error') }),
          ...(error.optionalString('Cause') === undefined ? {} : { Cause: error.string('Cause') }),
        },
      },
    };
  }
  throw new InputError(
    `notify: field kind must be "verdict" or "failure" (or the event is a CloudWatch Alarm State Change from EventBridge, with source and detail-type), got ${JSON.stringify(kind)}`,
  );
}

/** The notification an event asks for, or null for a transition nobody is told of. */
export async function notificationFor(
  event: unknown,
  d: Deployment,
  findRun: RunFinder,
): Promise<Notification | null> {
  const read = readNotifyEvent(event);
  if (read.kind === 'verdict') return verdictNotification(read.verdict, d);
  if (read.kind === 'failure') return failureNotification(read.failure, d);
  const { alarm } = read;
  if (!isAlarmTold(alarm)) {
    logger.info(
      `notify: ${alarm.alarmName} went to ${alarm.state.value}: nothing to tell (per-metric alarms tell ALARM only; the composite alarm tells OK)`,
    );
    return null;
  }
  const cluster = alarmCluster(alarm, d.alarmNamePrefix);
  const run =
    alarm.type === 'metric' && cluster !== VERIFIER_SCOPE
      ? await findRun(
          cluster,
          new Date(alarm.state.timestamp.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')),
        )
      : null;
  return alarmNotification(alarm, run, d);
}

/**
 * The latest execution of the verification state machine named `<cluster>-…` that
 * started at or before `before` (a run's metrics are published at its end), among the
 * 100 newest; its input's upgradeKey.
 */
export function runFinder(sfn: Pick<SFNClient, 'send'>, stateMachineArn: string): RunFinder {
  return async (cluster, before) => {
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100 }));
    const execution = (listed.executions ?? []).find(
      (e) =>
        e.name?.startsWith(`${cluster}-`) === true &&
        (e.startDate === undefined || e.startDate.getTime() <= before.getTime()),
    );
    if (execution?.executionArn === undefined || execution.name === undefined) return null;
    const described = await sfn.send(
      new DescribeExecutionCommand({ executionArn: execution.executionArn }),
    );
    let upgradeKey: string | undefined;
    try {
      const input: unknown = JSON.parse(described.input ?? '{}');
      const key = (input as { upgradeKey?: unknown }).upgradeKey;
      upgradeKey = typeof key === 'string' ? key : undefined;
    } catch {
      upgradeKey = undefined;
    }
    return {
      runId: execution.name,
      upgradeKey,
      executionArn: execution.executionArn,
      status: execution.status ?? 'UNKNOWN',
    };
  };
}

export interface NotifyDeps {
  readonly sns: Pick<SNSClient, 'send'>;
  readonly topicArn: string;
  readonly deployment: Deployment;
  readonly findRun: RunFinder;
}

export async function notify(
  event: unknown,
  _context: Context,
  deps: NotifyDeps,
): Promise<NotifyResult> {
  const n = await notificationFor(event, deps.deployment, deps.findRun);
  if (n === null) return { cluster: '', messageIds: [] };
  const out = await deps.sns.send(
    new PublishCommand({
      TopicArn: deps.topicArn,
      Subject: n.subject,
      Message: n.message,
      MessageAttributes: {
        cluster: { DataType: 'String', StringValue: n.cluster },
        kind: { DataType: 'String', StringValue: n.kind },
      },
    }),
  );
  logger.info(`notify: published "${n.subject}"`, {
    cluster: n.cluster,
    kind: n.kind,
    messageId: out.MessageId,
  });
  return { cluster: n.cluster, messageIds: [out.MessageId ?? ''] };
}

/** The deployment notify's links point at, from its environment. */
export function deploymentFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Deployment {
  return {
    region: requiredEnv('AWS_REGION', env),
    bucket: requiredEnv(RUN_BUCKET_ENV, env),
    stateMachineArn: requiredEnv(RUN_STATE_MACHINE_ENV, env),
    alarmNamePrefix: requiredEnv(ALARM_PREFIX_ENV, env),
  };
}

export function functionHandler(event: unknown, context: Context): Promise<NotifyResult> {
  const deployment = deploymentFromEnv();
  return notify(event, context, {
    sns: snsClient(),
    topicArn: requiredEnv(ALERT_TOPIC_ENV),
    deployment,
    findRun: runFinder(sfnClient(), deployment.stateMachineArn),
  });
}

export const handler = lambdaHandler('notify', functionHandler);
