/**
 * The verification run: a STANDARD state machine (only those keep execution names
 * unique, which start-run's dedupe needs; and a run outlasts an Express workflow's
 * five minutes). JSONPath only. Input: RunInput (functions/core/config/events.ts).
 *
 * ```
 * SelectCluster ─▶ Use-<cluster> ─▶ Baseline ─▶ CanaryPhase ◀─────────────┐
 *   (Choice)        (Pass: that       │          │ canary/settle ─▶ CanarySlice
 *                    cluster's        │          │ verify ─▶ ReadBack ──────┘
 *                    functions)       │          └ done ─▶ AfterProbes ─▶ Verify ─▶ NotifyVerdict ─▶ Verified
 *                                                                                   └ error ─▶ VerdictNotNotified
 *                                     └─ any failure (Catch) ─▶ RecordFailure (VerificationFailed = 1)
 *                                                               ─▶ NotifyFailure ─▶ RunFailed
 * ```
 *
 * The canary loops in slices of at most ten minutes (canary-slice); each slice checks
 * the upgrade-finished marker and returns its phase, which the Choice follows. The
 * after-probes come before verify so that their records are in the history it judges;
 * an after-probe failure does not stop the verdict. Verify publishes every catalogue
 * metric, the verdict's (VerificationFailed, VerificationInconclusive) among them; a
 * run that fails before a verdict publishes VerificationFailed itself and keeps the
 * history recorded so far in the run store.
 *
 * Each cluster has its own functions (its VPC, its secrets, its prefix of the run
 * store); the tasks call the one the Pass state for the run's cluster names.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

import type { ClusterConfig } from '../../functions/core/config/verifier-config.js';
import { NAMESPACE } from '../../functions/core/metrics/catalogue.js';
import type { Alerts } from '../alerts.js';
import { functionAlarmNames } from '../monitoring/verifier-alarms.js';
import { ClusterFunctions } from './cluster-functions.js';
import { VerifierFunction } from './verifier-function.js';

export interface VerificationRunProps {
  readonly clusters: readonly ClusterConfig[];
  readonly runStore: s3.IBucket;
  /** The alert topic notify publishes to, and the alarm rule that invokes notify. */
  readonly alerts: Alerts;
}

/** Lambda's own transient errors: retried; a handler's error is not (a slice must not run twice). */
const LAMBDA_TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** A lambda:invoke Task calling the function named at `functionPath`, with `payload`. */
function invoke(
  scope: Construct,
  id: string,
  functionName: { path: string } | { arn: string },
  payload: Record<string, unknown> | { readonly path: string },
  extra: Record<string, unknown>,
): sfn.CustomState {
  const state = new sfn.CustomState(scope, id, {
    stateJson: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        ...('path' in functionName
          ? { 'FunctionName.$': functionName.path }
          : { FunctionName: functionName.arn }),
        ...('path' in payload && typeof payload.path === 'string'
          ? { 'Payload.$': payload.path }
          : { Payload: payload }),
      },
      ...extra,
    },
  });
  state.addRetry({
    errors: LAMBDA_TRANSIENT,
    interval: Duration.seconds(2),
    maxAttempts: 6,
    backoffRate: 2,
  });
  return state;
}

/** The task's whole input as its payload. */
const WHOLE = { path: '$' } as const;

/** Keeps `$.canary` as `{state, phase, nextPart, upgradeOver}` from a canary task's result. */
const CANARY_RESULT = {
  ResultSelector: {
    'state.$': '$.Payload.state',
    'phase.$': '$.Payload.phase',
    'nextPart.$': '$.Payload.nextPart',
    'upgradeOver.$': '$.Payload.upgradeOver',
  },
  ResultPath: '$.canary',
};

export class VerificationRun extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: ReadonlyMap<string, ClusterFunctions>;
  readonly notify: VerifierFunction;

  constructor(scope: Construct, id: string, props: VerificationRunProps) {
    super(scope, id);
    const functions = new Map<string, ClusterFunctions>();
    for (const cluster of props.clusters) {
      functions.set(
        cluster.name,
        new ClusterFunctions(this, `Cluster-${cluster.name}`, {
          cluster,
          runStore: props.runStore,
        }),
      );
    }
    this.functions = functions;
    // Named, so that notify can know its ARN (for the console links and the run lookup)
    // without a reference that would make notify and the state machine depend on each other.
    const stack = Stack.of(this);
    const stateMachineName = `${stack.stackName}-Run`;
    const stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const alertTopic = props.alerts.topic;
    this.notify = new VerifierFunction(this, 'Notify', {
      handler: 'notify',
      description:
        'kafka-upgrade-verifier: tells verdicts, failed runs and alarm state changes as text on the alert topic',
      environment: {
        KUV_ALERT_TOPIC_ARN: alertTopic.topicArn,
        KUV_RUN_BUCKET: props.runStore.bucketName,
        KUV_RUN_STATE_MACHINE_ARN: stateMachineArn,
        KUV_ALARM_PREFIX: props.alerts.alarmNamePrefix,
      },
    });
    alertTopic.grantPublish(this.notify);
    // An alarm's message names its run: the cluster's latest execution and its input.
    this.notify.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:ListExecutions'],
        resources: [stateMachineArn],
      }),
    );
    this.notify.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution'],
        resources: [
          stack.formatArn({
            service: 'states',
            resource: 'execution',
            resourceName: `${stateMachineName}:*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    Validations.of(this.notify).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${stateMachineName}:*]`,
      reason:
        'DescribeExecution of the run state machine’s executions (one per run, named at run time): the run an alarm belongs to.',
    });
    props.alerts.routeAlarmsTo(
      this.notify,
      functionAlarmNames(props.alerts.alarmNamePrefix, this.notify),
    );
    Validations.of(this.notify).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'Publishing to the alert topic, encrypted with its own KMS key, needs kms:GenerateDataKey* on that one key (sns.Topic.grantPublish).',
    });
    Validations.of(this.notify).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'The AWS-managed basic execution role lets the function write its own log streams only.',
    });

    const failed = new sfn.Fail(this, 'RunFailed', {
      error: 'VerificationRunFailed',
      causePath: '$.error.Cause',
    });
    const notifyFailure = invoke(
      this,
      'NotifyFailure',
      { arn: this.notify.functionArn },
      { kind: 'failure', 'cluster.$': '$.cluster', 'runId.$': '$.runId', 'error.$': '$.error' },
      { ResultPath: null },
    );
    notifyFailure.addCatch(failed, { resultPath: '$.notifyError' });
    const recordFailure = new sfn.CustomState(this, 'RecordFailure', {
      stateJson: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:cloudwatch:putMetricData',
        Parameters: {
          Namespace: NAMESPACE,
          MetricData: [
            {
              MetricName: 'VerificationFailed',
              Dimensions: [{ Name: 'Cluster', 'Value.$': '$.cluster' }],
              Unit: 'Count',
              Value: 1,
            },
          ],
        },
        ResultPath: null,
      },
    });
    recordFailure.addRetry({
      errors: ['States.ALL'],
      interval: Duration.seconds(2),
      maxAttempts: 3,
    });
    recordFailure.addCatch(notifyFailure, { resultPath: '$.metricError' });
    recordFailure.next(notifyFailure);
    notifyFailure.next(failed);
    const onFailure = { resultPath: '$.error' };

    const baseline = invoke(
      this,
      'Baseline',
      { path: '$.functions.baseline' },
      WHOLE,
      CANARY_RESULT,
    );
    const slice = invoke(
      this,
      'CanarySlice',
      { path: '$.functions.canarySlice' },
      WHOLE,
      CANARY_RESULT,
    );
    const readBack = invoke(
      this,
      'ReadBack',
      { path: '$.functions.canarySlice' },
      WHOLE,
      CANARY_RESULT,
    );
    const afterProbes = invoke(
      this,
      'AfterProbes',
      { path: '$.functions.reachability' },
      WHOLE,
      CANARY_RESULT,
    );
    const verify = invoke(this, 'Verify', { path: '$.functions.verify' }, WHOLE, {
      ResultSelector: { 'summary.$': '$.Payload' },
      ResultPath: '$.verification',
    });
    const notifyVerdict = invoke(
      this,
      'NotifyVerdict',
      { arn: this.notify.functionArn },
      { path: '$.verification.summary' },
      { ResultPath: null },
    );
    for (const task of [baseline, slice, readBack, verify]) task.addCatch(recordFailure, onFailure);
    // The verdict is made and published as metrics; only its message is missing: the run
    // fails by that name (the RunExecutionsFailed alarm says so), not as a verification failure.
    notifyVerdict.addCatch(
      new sfn.Fail(this, 'VerdictNotNotified', {
        error: 'VerdictNotNotified',
        cause:
          'The run has its verdict (report and metrics in the run store and CloudWatch), but notify could not ' +
          "publish it on the alert topic: see the NotifyVerdict task's error in this execution's history.",
      }),
      { resultPath: '$.notifyError' },
    );
    // The after-probes add to the history; without them the history still has a verdict.
    afterProbes.addCatch(verify, { resultPath: '$.afterProbesError' });

    const phase = new sfn.Choice(this, 'CanaryPhase', {
      comment: 'Follow the phase the last canary task returned',
    })
      .when(
        sfn.Condition.or(
          sfn.Condition.stringEquals('$.canary.phase', 'canary'),
          sfn.Condition.stringEquals('$.canary.phase', 'settle'),
        ),
        slice,
      )
      .when(sfn.Condition.stringEquals('$.canary.phase', 'verify'), readBack)
      .when(sfn.Condition.stringEquals('$.canary.phase', 'done'), afterProbes)
      .otherwise(
        new sfn.Fail(this, 'UnknownPhase', {
          error: 'UnknownCanaryPhase',
          cause: 'A canary task returned a phase other than canary, settle, verify or done.',
        }),
      );
    baseline.next(phase);
    slice.next(phase);
    readBack.next(phase);
    afterProbes.next(verify);
    verify.next(notifyVerdict);
    notifyVerdict.next(new sfn.Succeed(this, 'Verified'));

    const select = new sfn.Choice(this, 'SelectCluster', {
      comment: 'Each cluster has its own functions (VPC, secrets, run store prefix)',
    });
    for (const [name, fns] of functions) {
      select.when(
        sfn.Condition.stringEquals('$.cluster', name),
        new sfn.Pass(this, `Use-${name}`, {
          result: sfn.Result.fromObject({
            baseline: fns.baseline.functionArn,
            canarySlice: fns.canarySlice.functionArn,
            reachability: fns.reachability.functionArn,
            verify: fns.verify.functionArn,
          }),
          resultPath: '$.functions',
        }).next(baseline),
      );
    }
    select.otherwise(
      new sfn.Fail(this, 'UnknownCluster', {
        error: 'UnknownCluster',
        cause: 'The run input names a cluster that is not in this stack’s configuration.',
      }),
    );

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      comment:
        'kafka-upgrade-verifier run: baseline, canary slices until the upgrade is over and settled, read-back, after-probes, verify, verdict',
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(select),
      timeout: Duration.days(8),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    const role = this.stateMachine.role;
    for (const fns of functions.values()) {
      for (const fn of fns.all) fn.grantInvoke(role);
    }
    this.notify.grantInvoke(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': NAMESPACE } },
      }),
    );
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:PutMetricData (limited to the KafkaUpgradeVerifier namespace by condition), CloudWatch Logs delivery and X-Ray act on no resource ARN: Resource * is what they accept.',
    });
    for (const fn of [...[...functions.values()].flatMap((f) => f.all), this.notify]) {
      Validations.of(this.stateMachine).acknowledge({
        id: fn.invokeVersionsFindingId,
        reason:
          'lambda:InvokeFunction on one function of the run and its versions (ARN:*), as grantInvoke writes it: the tasks call exactly these functions.',
      });
    }
  }

  /** The msk-watch function (no VPC: it calls the MSK and Step Functions APIs only). */
  static mskWatch(
    scope: Construct,
    id: string,
    environment: Record<string, string>,
  ): lambda.IFunction {
    const fn = new VerifierFunction(scope, id, {
      handler: 'msk-watch',
      environment,
      description:
        'kafka-upgrade-verifier msk-watch: polls Amazon MSK clusters, starts and finishes runs',
      timeout: Duration.seconds(50),
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'The AWS-managed basic execution role lets the function write its own log streams only.',
    });
    return fn;
  }
}
