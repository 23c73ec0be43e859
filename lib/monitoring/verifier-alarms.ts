/**
 * The verifier watches itself: alarms on the parts that run the verification, not on
 * the clusters it verifies. Hand-rolled on aws-cdk-lib's metric helpers
 * (`stateMachine.metricFailed()`, `fn.metricErrors()`, …) rather than
 * cdk-monitoring-constructs (10.2.0 would fit aws-cdk-lib ^2.276): a dozen plain alarms
 * need no new dependency, and they must keep this stack's alarm names, which the
 * alarm rule and notify read, and its descriptions that say what to do.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';

/**
 * The pseudo-cluster of the verifier's own alarms: `<prefix>._verifier.<what>`. It
 * starts with `_`, which no cluster name may (letters, digits and dashes, starting with
 * a letter), so it never collides with a cluster's alarms; every e-mail subscription
 * gets it (lib/alerts.ts).
 */
export const VERIFIER_ALARM_SCOPE = '_verifier';

/** Five minutes: CloudWatch's standard period; one failure in it is enough to alarm. */
const PERIOD = Duration.minutes(5);

export interface VerifierAlarmsProps {
  /**
   * Where alarms that cannot go through notify publish, on ALARM and OK, as CloudWatch's
   * own JSON: the notify function's own alarms, or every alarm when there is no notify.
   */
  readonly topic: sns.ITopic;
  /**
   * The function that tells alarms as text (lib/alerts.ts routes the stack's alarms to
   * it). Its own Errors and Throttles alarms still publish to the topic directly: a
   * failing notify cannot tell that it fails.
   * @default none: every alarm publishes to the topic directly
   */
  readonly notifier?: lambda.IFunction;
  /** The start of every alarm name: `<prefix>._verifier.<what>`. */
  readonly alarmNamePrefix: string;
  /** The verification state machine (or the placeholder that stands in for it). */
  readonly run: sfn.IStateMachine;
  readonly startRun: sfn.IStateMachine;
  readonly finishUpgrade: sfn.IStateMachine;
  /** The dead-letter queue of the trigger rules. */
  readonly deadLetters: sqs.IQueue;
  /** Every Lambda function of the stack, each with the label its alarm names carry. */
  readonly functions: ReadonlyArray<{ readonly label: string; readonly fn: lambda.IFunction }>;
}

/** A function's label in alarm names: its construct path below the stack, dashed. */
export function functionLabel(fn: IConstruct): string {
  return fn.node.path.slice(Stack.of(fn).node.path.length + 1).replaceAll('/', '-');
}

/** The full name of one of the verifier's alarms: `<prefix>._verifier.<name>`. */
export function verifierAlarmName(alarmNamePrefix: string, name: string): string {
  return `${alarmNamePrefix}.${VERIFIER_ALARM_SCOPE}.${name}`;
}

/** The names of a function's own Errors and Throttles alarms. */
export function functionAlarmNames(alarmNamePrefix: string, fn: IConstruct): string[] {
  return ['Errors', 'Throttles'].map((m) =>
    verifierAlarmName(alarmNamePrefix, `${functionLabel(fn)}.${m}`),
  );
}

/**
 * Every Lambda function under `scope`, labelled by its construct path below the stack
 * (`Run/Cluster-payments/Baseline` → `Run-Cluster-payments-Baseline`): a function added
 * later is watched without anyone remembering to.
 */
export function functionsUnder(
  scope: IConstruct,
): Array<{ readonly label: string; readonly fn: lambda.Function }> {
  return scope.node
    .findAll()
    .filter((c): c is lambda.Function => c instanceof lambda.Function)
    .map((fn) => ({ label: functionLabel(fn), fn }));
}

/** One alarm this construct makes: its name after the scope, and what it watches. */
interface Watch {
  readonly name: string;
  readonly metric: cloudwatch.IMetric;
  readonly what: string;
  readonly todo: string;
}

/**
 * The verifier's health alarms, each `Sum > 0` over five minutes (Maximum for the queue
 * depth), missing data not breaching (nothing ran, nothing failed). Their state changes
 * reach people through notify (the stack's alarm rule, lib/alerts.ts), as text; only
 * notify's own alarms (and all of them when there is no notify) publish to the alert
 * topic directly, on ALARM and OK:
 *
 * - the verification run's failed, timed-out and aborted executions;
 * - start-run's and finish-upgrade's failed and timed-out executions (an event they
 *   cannot name a run from fails them, on purpose: lib/triggers/start-run.ts);
 * - messages in the trigger dead-letter queue;
 * - every Lambda function's Errors and Throttles (msk-watch's among them).
 */
export class VerifierAlarms extends Construct {
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;

  constructor(scope: Construct, id: string, props: VerifierAlarmsProps) {
    super(scope, id);
    const sum = { period: PERIOD, statistic: cloudwatch.Stats.SUM };
    const history =
      "Open the execution in the Step Functions console (or `aws stepfunctions list-executions --status-filter FAILED --state-machine-arn …`) and read the failed state's error and cause.";
    const watches: Watch[] = [
      {
        name: 'RunExecutionsFailed',
        metric: props.run.metricFailed(sum),
        what: 'A verification run failed.',
        todo: `${history} If the cluster's VerificationFailed alarm fired too, the run failed on the cluster (docs/runbooks/verification-failed.md); a VerdictNotNotified error means the verdict is in the run store but its mail was not sent; anything else is the verifier's own fault.`,
      },
      {
        name: 'RunExecutionsTimedOut',
        metric: props.run.metricTimedOut(sum),
        what: 'A verification run reached the state machine timeout and was stopped: it has no verdict.',
        todo: `${history} The history recorded so far is in the run store (stack output RunStoreBucket); judge it with \`kafka-upgrade-verifier analyze\`, and check canary.maxDuration against the timeout.`,
      },
      {
        name: 'RunExecutionsAborted',
        metric: props.run.metricAborted(sum),
        what: 'A verification run was stopped by hand (StopExecution): it has no verdict.',
        todo: 'Ask who stopped it (CloudTrail StopExecution); if the upgrade still needs verifying, start a run by hand (stack output StartRunStateMachineArn) with a new upgradeKey.',
      },
      ...(
        [
          ['StartRun', props.startRun, 'start-run', 'no verification run was started'],
          [
            'FinishUpgrade',
            props.finishUpgrade,
            'finish-upgrade',
            'no upgrade-finished marker was written',
          ],
        ] as const
      ).flatMap(([name, machine, label, effect]) => [
        {
          name: `${name}ExecutionsFailed`,
          metric: machine.metricFailed(sum),
          what: `A ${label} execution failed: ${effect}.`,
          todo: `Read its input and error in the log group of the ${label} state machine (Express: logged with its data). InvalidTriggerInput names the field the trigger lacked (an MSK CloudTrail event without responseElements.clusterOperationArn: msk-watch starts that run on its next poll, if deployed; otherwise start it by hand).`,
        },
        {
          name: `${name}ExecutionsTimedOut`,
          metric: machine.metricTimedOut(sum),
          what: `A ${label} execution ran past its one-minute timeout: ${effect}.`,
          todo: `Read the execution in the log group of the ${label} state machine; retry by hand with the same input (a repeated start-run starts nothing new).`,
        },
      ]),
      {
        name: 'TriggerDeadLetters',
        metric: props.deadLetters.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        what: 'EventBridge could not deliver a trigger event to start-run, finish-upgrade or msk-watch after its retries: that upgrade may have no run.',
        todo: 'Read the messages in the queue of stack output TriggerDeadLetterQueueUrl (their attributes say why: ERROR_CODE, ERROR_MESSAGE), start the runs they meant by hand, then delete them; the alarm returns to OK when the queue is empty.',
      },
      ...props.functions.flatMap(({ label, fn }) => [
        {
          name: `${label}.Errors`,
          metric: fn.metricErrors(sum),
          what: `The Lambda function ${label} failed an invocation.`,
          todo: `Read its log group (the function's LoggingConfig) around the alarm time for the error; a run whose task failed also fired RunExecutionsFailed.`,
        },
        {
          name: `${label}.Throttles`,
          metric: fn.metricThrottles(sum),
          what: `Lambda throttled the function ${label}: an invocation did not run.`,
          todo: "Check the account's Lambda concurrency (aws lambda get-account-settings) and what else uses it; Step Functions retries a throttled task, but a run can still fail or fall behind.",
        },
      ]),
    ];

    const action = new actions.SnsAction(props.topic);
    const direct = new Set(
      props.notifier === undefined ? [] : functionAlarmNames(props.alarmNamePrefix, props.notifier),
    );
    const alarms = new Map<string, cloudwatch.Alarm>();
    for (const watch of watches) {
      const alarmName = verifierAlarmName(props.alarmNamePrefix, watch.name);
      const alarm = new cloudwatch.Alarm(this, watch.name, {
        alarmName,
        alarmDescription: `kafka-upgrade-verifier itself: ${watch.what} What to do: ${watch.todo}`,
        metric: watch.metric,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      if (props.notifier === undefined || direct.has(alarmName)) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
      alarms.set(watch.name, alarm);
    }
    this.alarms = alarms;
  }
}
