import { CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

import { MAX_ATTEMPT } from '../../functions/core/config/events.js';

export interface StartRunProps {
  /** The verification state machine: started once per cluster and upgrade. */
  readonly run: sfn.IStateMachine;
  /** The run store: the upgrade-finished markers go under `upgrades/`. */
  readonly runStore: s3.IBucket;
}

/**
 * The error a duplicate name gives. The optimized `states:startExecution` integration
 * and the AWS SDK integration name service errors differently
 * (`StepFunctions.…` / `Sfn.…`); both are caught, so whichever this account's Step
 * Functions raises means "this upgrade already has its run".
 */
const EXECUTION_EXISTS = [
  'StepFunctions.ExecutionAlreadyExistsException',
  'Sfn.ExecutionAlreadyExistsException',
];

/** The error a trigger input that names no run fails its execution with. */
export const INVALID_TRIGGER_INPUT = 'InvalidTriggerInput';

/**
 * Fails the execution, by name, when the input lacks a string `field`. Without it,
 * `States.Hash` or `States.Format` would fail on a null (an MSK CloudTrail event without
 * `responseElements.clusterOperationArn` gives `upgradeKey: null`) with a bare
 * States.Runtime error. Failing is chosen over falling back to another key (the
 * CloudTrail event id): a run named after another key would not be the one msk-watch
 * starts for the same operation, and the upgrade would get two runs. The failure fires
 * the `<prefix>._verifier.StartRunExecutionsFailed` alarm (lib/monitoring/verifier-alarms.ts).
 */
function requireString(scope: Construct, choice: sfn.Choice, field: string): void {
  const fail = new sfn.Fail(scope, `No-${field}`, {
    error: INVALID_TRIGGER_INPUT,
    cause:
      `The trigger input has no string "${field}", so no run can be named (an Amazon MSK CloudTrail event ` +
      'without responseElements.clusterOperationArn gives upgradeKey null): nothing was started or recorded. ' +
      "The input is in this state machine's log group; msk-watch, if deployed, starts an MSK run on its next poll.",
  });
  choice
    .when(sfn.Condition.isNotPresent(`$.${field}`), fail)
    // Reached only when present: a type test on a missing field would be an error itself.
    .when(sfn.Condition.isNotString(`$.${field}`), fail);
}

/**
 * Checks the optional `attempt` (a whole number from 1 to MAX_ATTEMPT) and sets it to 1
 * when absent, then `next`. Step Functions has no integer test: a number is refused when
 * its text holds a point (`2.5`), which is also how `2.0` reads.
 */
function checkAttempt(scope: Construct, next: sfn.IChainable): sfn.Choice {
  const fail = new sfn.Fail(scope, 'BadAttempt', {
    error: INVALID_TRIGGER_INPUT,
    cause: `The trigger input's "attempt" must be a whole number from 1 to ${MAX_ATTEMPT} (or absent, meaning 1): nothing was started or recorded.`,
  });
  const first = new sfn.Pass(scope, 'FirstAttempt', {
    comment: 'no attempt given: the first run of this upgrade',
    result: sfn.Result.fromNumber(1),
    resultPath: '$.attempt',
  });
  const asText = new sfn.Pass(scope, 'AttemptAsText', {
    parameters: { 'text.$': "States.Format('{}', $.attempt)" },
    resultPath: '$.attemptText',
  });
  const whole = new sfn.Choice(scope, 'AttemptIsWhole')
    .when(sfn.Condition.stringMatches('$.attemptText.text', '*.*'), fail)
    .otherwise(next);
  return new sfn.Choice(scope, 'CheckAttempt', {
    comment: 'a re-run of an upgrade gives attempt 2, 3, …; absent means 1',
  })
    .when(sfn.Condition.isNotPresent('$.attempt'), first.next(next))
    .when(sfn.Condition.isNotNumeric('$.attempt'), fail)
    .when(
      sfn.Condition.or(
        sfn.Condition.numberLessThan('$.attempt', 1),
        sfn.Condition.numberGreaterThan('$.attempt', MAX_ATTEMPT),
      ),
      fail,
    )
    .otherwise(asText.next(whole));
}

/**
 * From a StartRunInput (`{cluster, upgradeKey, trigger, attempt?}`) to a RunInput, then
 * `next`: checks that `cluster` and `upgradeKey` are strings and `attempt` a whole
 * number, adds `upgradeHash` (md5 of the key), `runId` (`<cluster>-<hash>-<attempt>`,
 * the execution name) and `finishedMarker` (where the upgrade's end is recorded: the
 * same for every attempt, so a re-run sees it). functions/core/config/events.ts
 * computes the same names for the handlers.
 */
function deriveRun(scope: Construct, bucketName: string, next: sfn.IChainable): sfn.Choice {
  const check = new sfn.Choice(scope, 'CheckTriggerInput', {
    comment: 'A run is named after cluster and upgradeKey: both must be strings',
  });
  requireString(scope, check, 'cluster');
  requireString(scope, check, 'upgradeKey');
  const hash = new sfn.Pass(scope, 'HashUpgradeKey', {
    parameters: {
      'cluster.$': '$.cluster',
      'upgradeKey.$': '$.upgradeKey',
      'trigger.$': '$.trigger',
      'attempt.$': '$.attempt',
      'upgradeHash.$': "States.Hash($.upgradeKey, 'MD5')",
    },
  });
  const name = new sfn.Pass(scope, 'NameRun', {
    parameters: {
      'cluster.$': '$.cluster',
      'upgradeKey.$': '$.upgradeKey',
      'trigger.$': '$.trigger',
      'attempt.$': '$.attempt',
      'upgradeHash.$': '$.upgradeHash',
      'runId.$': "States.Format('{}-{}-{}', $.cluster, $.upgradeHash, $.attempt)",
      finishedMarker: {
        bucket: bucketName,
        'key.$': "States.Format('upgrades/{}/{}/finished.json', $.cluster, $.upgradeHash)",
      },
    },
  });
  check.otherwise(checkAttempt(scope, hash.next(name).next(next)));
  return check;
}

/** An Express state machine that logs every execution, with its data, for 90 days, and traces. */
function expressMachine(scope: Construct, id: string, definition: sfn.IChainable, comment: string) {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const machine = new sfn.StateMachine(scope, id, {
    stateMachineType: sfn.StateMachineType.EXPRESS,
    definitionBody: sfn.DefinitionBody.fromChainable(definition),
    comment,
    timeout: Duration.minutes(1),
    tracingEnabled: true,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
  });
  Validations.of(machine).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'CloudWatch Logs delivery (logs:CreateLogDelivery and its kin) and X-Ray (xray:PutTraceSegments) act on no resource ARN: Resource * is what they accept.',
  });
  return machine;
}

/**
 * cdk-nag names the wildcard finding by the bucket's logical id
 * (`Resource::<Bucket.Arn>/upgrades/*`); a bucket from another stack has none to name.
 */
function acknowledgeMarkerWildcard(machine: sfn.StateMachine, bucket: s3.IBucket): void {
  const cfnBucket = bucket.node.defaultChild;
  if (!(cfnBucket instanceof CfnElement)) return;
  Validations.of(machine).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${Stack.of(cfnBucket).getLogicalId(cfnBucket)}.Arn>/upgrades/*]`,
    reason:
      'finish-upgrade writes one marker object per upgrade, named by the cluster and upgrade it learns from the event: it may put objects under upgrades/ only, nowhere else in the run store.',
  });
}

/**
 * Where every trigger ends: two small Express state machines, pure Step Functions (no
 * Lambda), that keep the event contract (docs/aws.md, "Event contract").
 *
 * - `startRun` names the run `<cluster>-<md5(upgradeKey)>-<attempt>` and starts the
 *   verification state machine under that name. A repeated event, or the same MSK
 *   operation seen by both CloudTrail and msk-watch, gives the same name: Step Functions
 *   refuses it (ExecutionAlreadyExists), which start-run takes as "already started" and
 *   succeeds. A person re-runs an upgrade's failed run with `"attempt": 2`.
 * - `finishUpgrade` records that an upgrade is over: it writes
 *   `upgrades/<cluster>/<hash>/finished.json` to the run store. The run checks for that
 *   marker between canary slices and then settles; it stops at `canary.maxDuration`
 *   whatever happens.
 */
export class StartRun extends Construct {
  readonly startRun: sfn.StateMachine;
  readonly finishUpgrade: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: StartRunProps) {
    super(scope, id);
    const bucketName = props.runStore.bucketName;

    const start = new tasks.StepFunctionsStartExecution(this, 'StartVerification', {
      stateMachine: props.run,
      name: sfn.JsonPath.stringAt('$.runId'),
      input: sfn.TaskInput.fromJsonPathAt('$'),
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      resultPath: '$.execution',
    });
    start.addCatch(
      new sfn.Succeed(this, 'AlreadyStarted', { comment: 'this upgrade has its run' }),
      {
        errors: EXECUTION_EXISTS,
        resultPath: '$.duplicate',
      },
    );
    this.startRun = expressMachine(
      this,
      'StartRunMachine',
      deriveRun(new Construct(this, 'Start'), bucketName, start),
      'kafka-upgrade-verifier start-run: one verification run per cluster and upgrade',
    );

    const mark = new tasks.CallAwsService(this, 'WriteFinishedMarker', {
      service: 's3',
      action: 'putObject',
      parameters: {
        Bucket: bucketName,
        'Key.$': '$.finishedMarker.key',
        'Body.$': 'States.JsonToString($)',
        ContentType: 'application/json',
      },
      iamResources: [props.runStore.arnForObjects('upgrades/*')],
      resultPath: '$.marker',
    });
    this.finishUpgrade = expressMachine(
      this,
      'FinishUpgradeMachine',
      deriveRun(new Construct(this, 'Finish'), bucketName, mark),
      'kafka-upgrade-verifier finish-upgrade: records that an upgrade is over',
    );
    acknowledgeMarkerWildcard(this.finishUpgrade, props.runStore);
  }
}
