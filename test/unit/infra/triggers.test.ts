/**
 * The triggers: the MSK CloudTrail rule per MSK cluster, the custom Upgrade Started /
 * Finished rules, the msk-watch schedule, and the start-run / finish-upgrade state
 * machines that name runs so a repeated event starts nothing new.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  finishedMarkerKey,
  MAX_ATTEMPT,
  MSK_UPGRADE_EVENT_NAMES,
  runId,
  upgradeHash,
} from '../../../functions/core/config/events.js';
import { MAX_CLUSTER_NAME_LENGTH } from '../../../functions/core/config/verifier-config.js';
import { UpgradeTriggers } from '../../../lib/triggers/upgrade-triggers.js';
import { MSK_ARN, SYNTH_TIMEOUT_MS, synthTemplate, testConfig } from '../../support/stack.js';

/** UpgradeTriggers alone in a stack, with an msk-watch function (inline code: the handler comes later). */
function withMskWatch(overrides: Record<string, unknown> = {}): Template {
  const stack = new Stack(new App(), 'Triggers');
  const config = testConfig(overrides);
  new UpgradeTriggers(stack, 'Triggers', {
    run: new sfn.StateMachine(stack, 'Run', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Verify')),
    }),
    runStore: new s3.Bucket(stack, 'RunStore'),
    clusters: config.clusters,
    scheduleMinutes: config.scheduleMinutes,
    mskWatch: new lambda.Function(stack, 'MskWatch', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {};'),
    }),
  });
  return Template.fromStack(stack);
}

/** Each state machine's definition, parsed, with every CloudFormation token as "TOKEN". */
function definitions(
  template: Template,
): Array<{ States: Record<string, Record<string, unknown>> }> {
  return Object.values(template.findResources('AWS::StepFunctions::StateMachine')).map(
    (resource) => {
      const body = resource.Properties.DefinitionString as
        string | { 'Fn::Join': [string, unknown[]] };
      const text =
        typeof body === 'string'
          ? body
          : body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
      return JSON.parse(text) as { States: Record<string, Record<string, unknown>> };
    },
  );
}

describe('UpgradeTriggers', { timeout: SYNTH_TIMEOUT_MS }, () => {
  let template: Template;
  beforeAll(() => {
    template = synthTemplate();
  }, SYNTH_TIMEOUT_MS);

  it('starts a run on the broker-restarting MSK API calls of each configured MSK cluster', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.kafka'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['kafka.amazonaws.com'],
          eventName: [...MSK_UPGRADE_EVENT_NAMES],
          requestParameters: { clusterArn: [MSK_ARN] },
          errorCode: [{ exists: false }],
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp('StartRunMachine') },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetters'), 'Arn'] },
          },
          InputTransformer: {
            InputPathsMap: {
              'detail-responseElements-clusterOperationArn':
                '$.detail.responseElements.clusterOperationArn',
              'detail-eventName': '$.detail.eventName',
              'detail-eventID': '$.detail.eventID',
              time: '$.time',
            },
            InputTemplate:
              '{"cluster":"payments","upgradeKey":<detail-responseElements-clusterOperationArn>,' +
              '"trigger":{"kind":"msk-api","eventName":<detail-eventName>,"eventId":<detail-eventID>,' +
              '"time":<time>,"operationArn":<detail-responseElements-clusterOperationArn>}}',
          },
        }),
      ],
    });
    // orders is self-managed: no MSK rule; Started and Finished for both clusters.
    template.resourceCountIs('AWS::Events::Rule', 3);
  });

  it.each([
    ['Upgrade Started', 'StartRunMachine'],
    ['Upgrade Finished', 'FinishUpgradeMachine'],
  ])('sends %s events of configured clusters to %s', (detailType, machine) => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['kafka-upgrade-verifier'],
        'detail-type': [detailType],
        detail: { cluster: ['payments', 'orders'], upgradeId: [{ prefix: '' }] },
      },
      Targets: [
        Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp(machine) },
          InputTransformer: Match.objectLike({
            InputTemplate:
              '{"cluster":<detail-cluster>,"upgradeKey":<detail-upgradeId>,' +
              '"trigger":{"kind":"custom","upgradeId":<detail-upgradeId>,"eventId":<id>,"time":<time>}}',
          }),
        }),
      ],
    });
  });

  it('names each run by cluster and upgrade, and takes a duplicate name as already started', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'EXPRESS',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
    const start = definitions(template).find((d) => 'StartVerification' in d.States);
    expect(start?.States.HashUpgradeKey?.Parameters).toMatchObject({
      'upgradeHash.$': "States.Hash($.upgradeKey, 'MD5')",
    });
    expect(start?.States.NameRun?.Parameters).toMatchObject({
      'runId.$': "States.Format('{}-{}-{}', $.cluster, $.upgradeHash, $.attempt)",
      finishedMarker: {
        bucket: 'TOKEN',
        'key.$': "States.Format('upgrades/{}/{}/finished.json', $.cluster, $.upgradeHash)",
      },
    });
    expect(start?.States.StartVerification).toMatchObject({
      Resource: 'arn:TOKEN:states:::states:startExecution',
      Parameters: { 'Name.$': '$.runId', 'Input.$': '$', StateMachineArn: 'TOKEN' },
      Catch: [
        {
          ErrorEquals: [
            'StepFunctions.ExecutionAlreadyExistsException',
            'Sfn.ExecutionAlreadyExistsException',
          ],
          Next: 'AlreadyStarted',
        },
      ],
    });
    expect(start?.States.AlreadyStarted?.Type).toBe('Succeed');
  });

  it('fails by name, before any hash, a trigger input without a string cluster or upgradeKey', () => {
    const machines = definitions(template);
    expect(machines).toHaveLength(3); // the placeholder run, start-run, finish-upgrade
    for (const d of machines.filter((m) => 'HashUpgradeKey' in m.States)) {
      const check = d.States.CheckTriggerInput as {
        Choices: Array<Record<string, unknown>>;
        Default: string;
      };
      expect((d as unknown as { StartAt: string }).StartAt).toBe('CheckTriggerInput');
      expect(check.Choices).toEqual([
        { Variable: '$.cluster', IsPresent: false, Next: 'No-cluster' },
        { Variable: '$.cluster', IsString: false, Next: 'No-cluster' },
        { Variable: '$.upgradeKey', IsPresent: false, Next: 'No-upgradeKey' },
        { Variable: '$.upgradeKey', IsString: false, Next: 'No-upgradeKey' },
      ]);
      expect(check.Default).toBe('CheckAttempt');
      expect(d.States.BadAttempt).toMatchObject({ Type: 'Fail', Error: 'InvalidTriggerInput' });
      expect(d.States['No-upgradeKey']).toMatchObject({
        Type: 'Fail',
        Error: 'InvalidTriggerInput',
        Cause: expect.stringContaining('clusterOperationArn') as unknown,
      });
      expect(d.States['No-cluster']).toMatchObject({ Type: 'Fail', Error: 'InvalidTriggerInput' });
    }
  });

  it('records the end of an upgrade as a marker under upgrades/ in the run store', () => {
    const finish = definitions(template).find((d) => 'WriteFinishedMarker' in d.States);
    expect(finish?.States.WriteFinishedMarker).toMatchObject({
      Resource: 'arn:TOKEN:states:::aws-sdk:s3:putObject',
      Parameters: {
        Bucket: 'TOKEN',
        'Key.$': '$.finishedMarker.key',
        'Body.$': 'States.JsonToString($)',
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:putObject',
            Resource: {
              'Fn::Join': [
                '',
                [
                  { 'Fn::GetAtt': [Match.stringLikeRegexp('RunStoreBucket'), 'Arn'] },
                  '/upgrades/*',
                ],
              ],
            },
          }),
        ]),
      },
    });
  });

  it('computes the names start-run gives in the handlers too (md5, as States.Hash)', () => {
    expect(upgradeHash('abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(runId('orders', 'abc')).toBe('orders-900150983cd24fb0d6963f7d28e17f72-1');
    expect(runId('orders', 'abc', 2)).toBe('orders-900150983cd24fb0d6963f7d28e17f72-2');
    expect(finishedMarkerKey('orders', 'abc')).toBe(
      'upgrades/orders/900150983cd24fb0d6963f7d28e17f72/finished.json',
    );
    expect(
      runId('x'.repeat(MAX_CLUSTER_NAME_LENGTH), 'any', MAX_ATTEMPT).length,
    ).toBeLessThanOrEqual(80);
  });

  it('has no msk-watch schedule without the msk-watch function', () => {
    expect(JSON.stringify(template.findResources('AWS::Events::Rule'))).not.toContain(
      'ScheduleExpression',
    );
  });

  it('calls msk-watch every minute by default with the MSK clusters and start-run machines', () => {
    const watched = withMskWatch();
    watched.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          Input: {
            'Fn::Join': [
              '',
              Match.arrayWith([
                Match.stringLikeRegexp(
                  `"clusters":\\[\\{"cluster":"payments","mskClusterArn":"${MSK_ARN}"\\}\\]`,
                ),
              ]),
            ],
          },
        }),
      ],
    });
    watched.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 'states:StartExecution' })]),
      },
      Roles: [{ Ref: Match.stringLikeRegexp('MskWatch') }],
    });
  });

  it('follows the configured rate, and has no schedule when it is off', () => {
    withMskWatch({ schedule: '5 minutes' }).hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
    });
    const off = withMskWatch({ schedule: 'off' });
    expect(JSON.stringify(off.findResources('AWS::Events::Rule'))).not.toContain(
      'ScheduleExpression',
    );
  });
});
