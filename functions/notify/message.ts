/**
 * The messages notify publishes, as plain text a person reads in a mail client at
 * 3 a.m.: a headline, what happened and why, what to do first (the runbook's first
 * steps), and console links that open the run's execution, its report in S3 and the
 * cluster's dashboard. No JSON, no `s3://`: SNS e-mail shows the body as it is.
 * Subscriptions filter on the message attributes `cluster` and `kind`, not the body.
 *
 * Pure, so every kind is tested without SNS (test/unit/handlers/notify.test.ts).
 */
import { metricDefinition } from '../core/metrics/catalogue.js';
import { RUNBOOKS, runbookFor, verdictRunbook } from '../core/report/runbooks.js';
import type { AlarmStateChange } from '../commons/events.js';
import type { AnomalySummary, VerdictSummary } from '../commons/verdict.js';

/** What subscriptions filter on (SNS message attribute `kind`). */
export type NotificationKind = 'verdict' | 'error' | 'alarm';

export interface Notification {
  /** At most 100 printable ASCII characters (SNS's limit for e-mail subjects). */
  readonly subject: string;
  /** Plain text. */
  readonly message: string;
  /** The cluster, or VERIFIER_SCOPE for the verifier's own alarms. */
  readonly cluster: string;
  readonly kind: NotificationKind;
}

export interface RunFailure {
  readonly kind: 'failure';
  readonly cluster: string;
  readonly runId: string;
  /** As a Step Functions Catch gives it: `{Error, Cause}`. */
  readonly error: { readonly Error?: string; readonly Cause?: string };
}

/** Where the console links point: the deployment notify belongs to. */
export interface Deployment {
  readonly region: string;
  /** The run store bucket. */
  readonly bucket: string;
  /** The verification state machine; each run is its execution named after the run id. */
  readonly stateMachineArn: string;
  /** The start of every alarm and dashboard name (`<prefix>.<cluster>.<metric>`, `<prefix>-<cluster>`). */
  readonly alarmNamePrefix: string;
}

/** The run an alarm belongs to, as notify found it among the state machine's executions. */
export interface AlarmRun {
  readonly runId: string;
  readonly upgradeKey: string | undefined;
  readonly executionArn: string;
  readonly status: string;
}

/** The scope of the verifier's own alarms (lib/monitoring/verifier-alarms.ts). */
export const VERIFIER_SCOPE = '_verifier';

/** SNS subjects: ASCII, printable, at most 100 characters. */
export function subjectOf(text: string): string {
  const ascii = text
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
}

// ---- console links ------------------------------------------------------------------

const consoleBase = (region: string) => `https://${region}.console.aws.amazon.com`;

export const consoleUrls = {
  execution: (d: Deployment, executionArn: string) =>
    `${consoleBase(d.region)}/states/home?region=${d.region}#/v2/executions/details/${executionArn}`,
  stateMachine: (d: Deployment) =>
    `${consoleBase(d.region)}/states/home?region=${d.region}#/statemachines/view/${d.stateMachineArn}`,
  s3Object: (d: Deployment, key: string) =>
    `${consoleBase(d.region)}/s3/object/${d.bucket}?region=${d.region}&bucketType=general&prefix=${encodeURIComponent(key)}`,
  s3Folder: (d: Deployment, prefix: string) =>
    `${consoleBase(d.region)}/s3/buckets/${d.bucket}?region=${d.region}&bucketType=general&prefix=${encodeURIComponent(prefix)}&showversions=false`,
  dashboard: (d: Deployment, cluster: string) =>
    `${consoleBase(d.region)}/cloudwatch/home?region=${d.region}#dashboards/dashboard/${encodeURIComponent(`${d.alarmNamePrefix}-${cluster}`)}`,
  alarm: (d: Deployment, alarmName: string) =>
    `${consoleBase(d.region)}/cloudwatch/home?region=${d.region}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`,
};

/** A run's execution ARN: the state machine's, with `execution` and the run id. */
export function executionArnOf(stateMachineArn: string, runId: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${runId}`;
}

// ---- text helpers -------------------------------------------------------------------

const bullets = (items: readonly string[], none: string) =>
  items.length === 0 ? [`  ${none}`] : items.map((i) => `  - ${i}`);

const links = (rows: ReadonlyArray<readonly [string, string]>) => {
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return rows.map(([label, url]) => `  ${`${label}:`.padEnd(width)} ${url}`);
};

/**
 * A runbook's first steps as plain text: its "What to do" without code blocks or
 * Markdown links, each bullet on one line, at most `count` of them.
 */
export function firstSteps(page: string, count = 2): string[] {
  const runbook = RUNBOOKS[page];
  if (runbook === undefined) return [];
  const text = runbook.whatToDo
    .replace(/```[\s\S]*?```/g, '')
    .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')
    .replace(/\*\*/g, '');
  const items = text.startsWith('- ') ? text.slice(2).split(/\n- /) : [text];
  return items.slice(0, count).map((i) => i.replace(/\s*\n\s*/g, ' ').trim());
}

function runbookLines(page: string): string[] {
  const title = RUNBOOKS[page]?.title ?? page;
  return [
    `What to do first (runbook ${title}, docs/runbooks/${page}.md):`,
    ...firstSteps(page).map((s) => `  - ${s}`),
  ];
}

function restartText(a: AnomalySummary): string {
  if (a.afterRestart === null) return 'not after a broker restart';
  const { broker, ms } = a.afterRestart;
  if (ms === null) return `while broker ${broker} was down (it never came back in the history)`;
  return ms < 0
    ? `while broker ${broker} was restarting (${(-ms / 1000).toFixed(1)} s before it came back)`
    : `${(ms / 1000).toFixed(1)} s after broker ${broker} came back`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

// ---- the verdict and the failure ----------------------------------------------------

export function verdictNotification(v: VerdictSummary, d: Deployment): Notification {
  const word = v.verdict.toUpperCase();
  const headline =
    v.verdict === 'pass'
      ? `Upgrade verification of ${v.cluster} PASSED.`
      : `Upgrade verification of ${v.cluster}: ${word}.`;
  const pages = [
    ...new Set(
      v.reasons.map((r) => runbookFor(r, v.verdict)).concat(verdictRunbook(v.verdict) ?? []),
    ),
  ].slice(0, 2);
  const lines = [
    headline,
    '',
    `Cluster: ${v.cluster}`,
    `Run:     ${v.runId}`,
    `Verdict: ${word}`,
    '',
    'Reasons:',
    ...bullets(v.reasons, 'none: every check passed'),
    '',
    'Worst partitions:',
    ...bullets(
      v.worstPartitions.map(
        (p) =>
          `partition ${p.partition}: ${p.anomalies} anomalies, unavailable up to ${seconds(p.maxUnavailableMs)}`,
      ),
      'none: no partition had an anomaly or an unavailable moment',
    ),
    ...(v.anomalies.length === 0
      ? []
      : [
          '',
          'First anomalies:',
          ...bullets(
            v.anomalies.map(
              (a) => `${a.kind} on partition ${a.partition} at ${a.at}, ${restartText(a)}`,
            ),
            '',
          ),
        ]),
    ...(v.metrics.failed.length === 0
      ? []
      : [
          '',
          `Metrics NOT published (their alarms cannot fire for this run): ${v.metrics.failed.join(', ')}`,
        ]),
    ...pages.flatMap((p) => ['', ...runbookLines(p)]),
    '',
    'Links (AWS console):',
    ...links([
      ['Report', consoleUrls.s3Object(d, v.report.htmlKey)],
      ['Text summary', consoleUrls.s3Object(d, v.report.summaryKey)],
      ['Report JSON', consoleUrls.s3Object(d, v.report.reportKey)],
      ['Execution', consoleUrls.execution(d, executionArnOf(d.stateMachineArn, v.runId))],
      ['Dashboard', consoleUrls.dashboard(d, v.cluster)],
    ]),
  ];
  const why = v.reasons.length > 0 && v.verdict !== 'pass' ? `: ${v.reasons.join('; ')}` : '';
  return {
    cluster: v.cluster,
    kind: 'verdict',
    subject: subjectOf(`[${v.verdict}] Kafka upgrade verification of ${v.cluster}${why}`),
    message: `${lines.join('\n')}\n`,
  };
}

export function failureNotification(f: RunFailure, d: Deployment): Notification {
  const error = f.error.Error ?? 'an unknown error';
  const lines = [
    `The verification run of ${f.cluster} FAILED before a verdict: ${error}.`,
    '',
    `Cluster: ${f.cluster}`,
    `Run:     ${f.runId}`,
    `Error:   ${error}`,
    `Cause:   ${f.error.Cause ?? '(none given)'}`,
    '',
    'The metric VerificationFailed was published (its alarm fires); the history recorded',
    'so far stays in the run store.',
    '',
    ...runbookLines('verification-inconclusive'),
    '',
    'Links (AWS console):',
    ...links([
      ['Execution', consoleUrls.execution(d, executionArnOf(d.stateMachineArn, f.runId))],
      ['History so far', consoleUrls.s3Folder(d, `runs/${f.cluster}/${f.runId}/history/`)],
      ['Dashboard', consoleUrls.dashboard(d, f.cluster)],
    ]),
  ];
  return {
    cluster: f.cluster,
    kind: 'error',
    subject: subjectOf(`[error] Kafka upgrade verification of ${f.cluster}: ${error}`),
    message: `${lines.join('\n')}\n`,
  };
}

// ---- alarms -------------------------------------------------------------------------

/** The part of an alarm name after the prefix: `[cluster or _verifier, what…]`. */
function alarmParts(alarmName: string, prefix: string): { scope: string; what: string } {
  const rest = alarmName.startsWith(`${prefix}.`) ? alarmName.slice(prefix.length + 1) : alarmName;
  const dot = rest.indexOf('.');
  return dot < 0
    ? { scope: rest, what: '' }
    : { scope: rest.slice(0, dot), what: rest.slice(dot + 1) };
}

/** Whether an alarm transition is worth a message: per-metric alarms tell ALARM only. */
export function isAlarmTold(alarm: AlarmStateChange): boolean {
  if (alarm.state.value === 'INSUFFICIENT_DATA') return false;
  return alarm.type === 'composite' || alarm.state.value === 'ALARM';
}

/** The cluster an alarm is about (its `Cluster` dimension, else its name), or VERIFIER_SCOPE. */
export function alarmCluster(alarm: AlarmStateChange, prefix: string): string {
  return alarm.metric?.dimensions.Cluster ?? alarmParts(alarm.alarmName, prefix).scope;
}

const number = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

function runLines(run: AlarmRun | null, cluster: string): string[] {
  if (run === null) {
    return [
      `Run:     none found (no execution of the verification state machine named ${cluster}-… started before the alarm)`,
    ];
  }
  return [
    `Run:     ${run.runId} (${run.status.toLowerCase()})`,
    `Upgrade: ${run.upgradeKey ?? '(the execution input names none)'}`,
  ];
}

function runLinks(
  d: Deployment,
  run: AlarmRun | null,
  cluster: string,
): Array<readonly [string, string]> {
  if (run === null) return [['Runs', consoleUrls.stateMachine(d)]];
  const prefix = `runs/${cluster}/${run.runId}/`;
  return [
    ['Execution', consoleUrls.execution(d, run.executionArn)],
    ['Report', consoleUrls.s3Object(d, `${prefix}report.html`)],
  ];
}

/**
 * A CloudWatch alarm's state change, re-told: per-metric alarm (what the metric
 * measures, its value against its threshold, the run and upgrade, the runbook), the
 * cluster's composite alarm (which alarms made it change), or the verifier's own alarm
 * (what failed and what to do, from its description).
 */
export function alarmNotification(
  alarm: AlarmStateChange,
  run: AlarmRun | null,
  d: Deployment,
): Notification {
  const { scope, what } = alarmParts(alarm.alarmName, d.alarmNamePrefix);
  const cluster = alarmCluster(alarm, d.alarmNamePrefix);
  const state = alarm.state.value;
  const at = `At:      ${alarm.state.timestamp} (was ${alarm.previousState})`;
  const alarmLink = ['Alarm', consoleUrls.alarm(d, alarm.alarmName)] as const;

  if (scope === VERIFIER_SCOPE) {
    const description = (alarm.description ?? '').replace(/^kafka-upgrade-verifier itself: /, '');
    const [happened, todo] = description.split(' What to do: ');
    const lines = [
      `The verifier itself: ${what} is ${state}.`,
      '',
      `What:    ${happened ?? what}`,
      `Value:   ${alarm.state.datapoints.map(number).join(', ') || '(no datapoint)'} (alarm above ${number(alarm.state.threshold ?? 0)})`,
      at,
      `Reason:  ${alarm.state.reason}`,
      '',
      'What to do first:',
      `  - ${todo ?? 'read the alarm description in the console.'}`,
      '',
      'Links (AWS console):',
      ...links([alarmLink, ['Runs', consoleUrls.stateMachine(d)]]),
    ];
    return {
      cluster: VERIFIER_SCOPE,
      kind: 'alarm',
      subject: subjectOf(`[${state}] kafka-upgrade-verifier itself: ${what}`),
      message: `${lines.join('\n')}\n`,
    };
  }

  if (alarm.type === 'composite') {
    const children = alarm.triggeringAlarms.map((a) => alarmParts(a, d.alarmNamePrefix).what);
    const headline =
      state === 'ALARM'
        ? `Cluster ${cluster} is in ALARM: ${children.join(', ') || 'one of its alarms'} fired.`
        : `Cluster ${cluster} is OK again: none of its kafka-upgrade-verifier alarms is in ALARM.`;
    const lines = [
      headline,
      '',
      `Cluster: ${cluster}`,
      at,
      `Changed by: ${children.join(', ') || '(CloudWatch named no alarm)'}`,
      '',
      state === 'ALARM'
        ? 'Each alarm that fired sent its own message, with its value, run and first steps.'
        : 'Nothing to do: the alarms that fired returned to OK (the next run published figures within their thresholds).',
      '',
      'Links (AWS console):',
      ...links([['Dashboard', consoleUrls.dashboard(d, cluster)], alarmLink]),
    ];
    return {
      cluster,
      kind: 'alarm',
      subject: subjectOf(
        state === 'ALARM'
          ? `[ALARM] Kafka cluster ${cluster}: ${children.join(', ') || 'alarm'}`
          : `[OK] Kafka cluster ${cluster}: all verifier alarms OK`,
      ),
      message: `${lines.join('\n')}\n`,
    };
  }

  const metric = alarm.metric?.name ?? what;
  const definition = metricDefinition(metric);
  const value = alarm.state.datapoints.map(number).join(', ') || '(no datapoint)';
  const threshold = alarm.state.threshold === undefined ? '?' : number(alarm.state.threshold);
  const comparison =
    definition?.alarm.comparison === 'LessThanThreshold'
      ? 'below'
      : definition?.alarm.comparison === 'GreaterThanOrEqualToThreshold'
        ? 'at or above'
        : 'above';
  const page = Object.entries(RUNBOOKS).find(([, r]) => r.title === metric)?.[0];
  const lines = [
    `${metric} on cluster ${cluster} is ${state}: ${value} (alarm ${comparison} ${threshold}).`,
    '',
    `Cluster: ${cluster}`,
    `Metric:  ${metric} - ${definition?.description ?? 'not in the metric catalogue'}`,
    `Value:   ${value}${definition?.unit === 'Milliseconds' ? ' ms' : ''} (threshold ${threshold})`,
    at,
    ...runLines(run, cluster),
    ...(page === undefined ? [] : ['', ...runbookLines(page)]),
    '',
    'Links (AWS console):',
    ...links([
      ...runLinks(d, run, cluster),
      ['Dashboard', consoleUrls.dashboard(d, cluster)],
      alarmLink,
    ]),
  ];
  return {
    cluster,
    kind: 'alarm',
    subject: subjectOf(`[${state}] ${metric} on Kafka cluster ${cluster}: ${value}`),
    message: `${lines.join('\n')}\n`,
  };
}
