/**
 * The readable message notify publishes: JSON (the e-mail subscriptions filter on its
 * top-level `cluster`, docs/aws.md "Notifications"), pretty-printed, whose first fields
 * read as sentences: what happened to which cluster, why, where, and where the report is.
 * Pure, so it is tested without SNS.
 */
import { InputError } from '../core/errors.js';
import type { AnomalySummary, VerdictSummary } from '../commons/verdict.js';

export interface Notification {
  readonly subject: string;
  /** The message body: JSON with a top-level `cluster`. */
  readonly message: string;
  readonly cluster: string;
}

export interface RunFailure {
  readonly kind: 'failure';
  readonly cluster: string;
  readonly runId: string;
  /** As a Step Functions Catch gives it: `{Error, Cause}`. */
  readonly error: { readonly Error?: string; readonly Cause?: string };
}

/** A CloudWatch alarm notification's fields we read (the SNS message body). */
interface AlarmMessage {
  AlarmName: string;
  NewStateValue: string;
  NewStateReason?: string;
  StateChangeTime?: string;
  Trigger?: { MetricName?: string; Dimensions?: Array<{ name?: string; value?: string }> };
}

/** SNS subjects are at most 100 printable characters. */
const subjectOf = (text: string) => text.replace(/[^\x20-\x7e]/g, ' ').slice(0, 100);

function restartText(a: AnomalySummary): string {
  if (a.afterRestart === null) return 'not after a broker restart';
  const { broker, ms } = a.afterRestart;
  if (ms === null) return `while broker ${broker} was down (it never came back in the history)`;
  return ms < 0
    ? `while broker ${broker} was restarting (${(-ms / 1000).toFixed(1)} s before it came back)`
    : `${(ms / 1000).toFixed(1)} s after broker ${broker} came back`;
}

export function verdictNotification(v: VerdictSummary): Notification {
  const reportUrl = `s3://${v.report.bucket}/${v.report.reportKey}`;
  const headline =
    v.verdict === 'pass'
      ? `Upgrade verification of ${v.cluster} passed.`
      : `Upgrade verification of ${v.cluster}: ${v.verdict.toUpperCase()}${v.reasons.length > 0 ? ` — ${v.reasons.join('; ')}` : ''}.`;
  const body = {
    cluster: v.cluster,
    verdict: v.verdict,
    headline,
    reasons: v.reasons,
    worstPartitions: v.worstPartitions.map(
      (p) =>
        `partition ${p.partition}: ${p.anomalies} anomalies, unavailable up to ${p.maxUnavailableMs} ms`,
    ),
    anomalies: v.anomalies.map(
      (a) => `${a.kind} on partition ${a.partition} at ${a.at}, ${restartText(a)}`,
    ),
    report: reportUrl,
    summary: `s3://${v.report.bucket}/${v.report.summaryKey}`,
    page: `s3://${v.report.bucket}/${v.report.htmlKey}`,
    runId: v.runId,
    ...(v.metrics.failed.length > 0 ? { metricsNotPublished: v.metrics.failed } : {}),
  };
  return {
    cluster: v.cluster,
    subject: subjectOf(`[${v.verdict}] Kafka upgrade verification: ${v.cluster}`),
    message: JSON.stringify(body, null, 2),
  };
}

export function failureNotification(f: RunFailure): Notification {
  const body = {
    cluster: f.cluster,
    verdict: 'error',
    headline: `The verification run ${f.runId} of ${f.cluster} failed before a verdict: ${f.error.Error ?? 'unknown error'}. VerificationFailed was published; the history recorded so far stays in the run store.`,
    error: f.error.Error ?? null,
    cause: f.error.Cause ?? null,
    history: `runs/${f.cluster}/${f.runId}/history/`,
    runId: f.runId,
  };
  return {
    cluster: f.cluster,
    subject: subjectOf(`[error] Kafka upgrade verification: ${f.cluster}`),
    message: JSON.stringify(body, null, 2),
  };
}

/**
 * A CloudWatch alarm's SNS message, re-told. The cluster comes from the `Cluster`
 * dimension, else from the alarm name `<prefix>.<cluster>.<Metric>`.
 */
export function alarmNotification(text: string): Notification {
  let alarm: AlarmMessage;
  try {
    alarm = JSON.parse(text) as AlarmMessage;
  } catch (error) {
    throw new InputError(
      `notify: field Records[0].Sns.Message is not JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (typeof alarm.AlarmName !== 'string' || typeof alarm.NewStateValue !== 'string') {
    throw new InputError(
      'notify: field Records[0].Sns.Message must be a CloudWatch alarm notification with AlarmName and NewStateValue',
    );
  }
  const dimension = alarm.Trigger?.Dimensions?.find((d) => d.name === 'Cluster')?.value;
  const cluster = dimension ?? alarm.AlarmName.split('.')[1] ?? alarm.AlarmName;
  const metric = alarm.Trigger?.MetricName ?? alarm.AlarmName.split('.').slice(2).join('.');
  const body = {
    cluster,
    verdict: alarm.NewStateValue === 'ALARM' ? 'alarm' : alarm.NewStateValue.toLowerCase(),
    headline: `${metric} on ${cluster} is ${alarm.NewStateValue}${alarm.NewStateReason === undefined ? '' : `: ${alarm.NewStateReason}`}`,
    alarm: alarm.AlarmName,
    at: alarm.StateChangeTime ?? null,
  };
  return {
    cluster,
    subject: subjectOf(`[${alarm.NewStateValue}] ${metric}: ${cluster}`),
    message: JSON.stringify(body, null, 2),
  };
}
