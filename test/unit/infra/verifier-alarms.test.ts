/**
 * The verifier watches itself: alarms on the verification run's failed, timed-out and
 * aborted executions, on start-run's and finish-upgrade's failures, on the trigger
 * dead-letter queue and on every Lambda function's errors and throttles — each named
 * `<prefix>._verifier.<what>`, saying what to do, told through notify (notify's own
 * alarms straight on the alert topic), and let through every e-mail subscription's filter.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';

import { clusterFilterPolicy } from '../../../lib/alerts.js';
import { KafkaUpgradeVerifierStack } from '../../../lib/kafka-upgrade-verifier-stack.js';
import { VERIFIER_ALARM_SCOPE } from '../../../lib/monitoring/verifier-alarms.js';
import { mskWatchFunction, verificationRun } from '../../../lib/run/index.js';
import { TemplatePolicies } from '../../support/iam.js';
import { SYNTH_TIMEOUT_MS, synthTemplate, testConfig } from '../../support/stack.js';

const PREFIX = `KafkaUpgradeVerifier.${VERIFIER_ALARM_SCOPE}.`;

type Resource = { Properties: Record<string, unknown> };

function build() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const config = testConfig();
  const stack = new KafkaUpgradeVerifierStack(app, 'KafkaUpgradeVerifier', {
    config,
    run: verificationRun(config.clusters),
    mskWatch: mskWatchFunction(config.clusters),
  });
  return Template.fromStack(stack);
}

/** The verifier's own alarms, by name. */
function verifierAlarms(template: Template): Map<string, Record<string, unknown>> {
  return new Map(
    Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>)
      .map((r) => r.Properties)
      .filter((p) => String(p.AlarmName).startsWith(PREFIX))
      .map((p) => [String(p.AlarmName).slice(PREFIX.length), p]),
  );
}

/** The logical id of the one state machine whose id starts with `prefix`. */
function machineId(template: Template, prefix: string): string {
  const ids = Object.keys(template.findResources('AWS::StepFunctions::StateMachine')).filter((id) =>
    id.startsWith(prefix),
  );
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

describe('the verifier’s own alarms', { timeout: SYNTH_TIMEOUT_MS }, () => {
  const template = build();
  const alarms = verifierAlarms(template);

  it.each([
    ['RunExecutionsFailed', 'ExecutionsFailed', 'RunStateMachine'],
    ['RunExecutionsTimedOut', 'ExecutionsTimedOut', 'RunStateMachine'],
    ['RunExecutionsAborted', 'ExecutionsAborted', 'RunStateMachine'],
    ['StartRunExecutionsFailed', 'ExecutionsFailed', 'TriggersStartRunStartRunMachine'],
    ['StartRunExecutionsTimedOut', 'ExecutionsTimedOut', 'TriggersStartRunStartRunMachine'],
    ['FinishUpgradeExecutionsFailed', 'ExecutionsFailed', 'TriggersStartRunFinishUpgradeMachine'],
    [
      'FinishUpgradeExecutionsTimedOut',
      'ExecutionsTimedOut',
      'TriggersStartRunFinishUpgradeMachine',
    ],
  ])('alarms on %s: AWS/States %s of its state machine', (name, metric, machine) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${PREFIX}${name}`,
      Namespace: 'AWS/States',
      MetricName: metric,
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId(template, machine) } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: Match.absent(),
      OKActions: Match.absent(),
    });
  });

  it('alarms as soon as the trigger dead-letter queue holds a message', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${PREFIX}TriggerDeadLetters`,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TriggersDeadLetters'), 'QueueName'] },
        },
      ],
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: Match.absent(),
    });
  });

  it('alarms on the Errors and the Throttles of every Lambda function, msk-watch’s among them', () => {
    const functions = Object.keys(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(2 * 4 + 2);
    for (const id of functions) {
      for (const metric of ['Errors', 'Throttles']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: Match.stringLikeRegexp(`^${PREFIX.replaceAll('.', '\\.')}.+\\.${metric}$`),
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: id } }],
          Statistic: 'Sum',
          Threshold: 0,
          TreatMissingData: 'notBreaching',
        });
      }
    }
    expect(alarms.has('MskWatch.Errors')).toBe(true);
    expect(alarms.has('Run-Cluster-payments-CanarySlice.Errors')).toBe(true);
    expect(alarms.has('Run-Notify.Throttles')).toBe(true);
    expect(alarms.size).toBe(7 + 1 + functions.length * 2);
  });

  it('says in every description what it watches and what to do, within CloudWatch’s 1024 characters', () => {
    for (const [name, alarm] of alarms) {
      const description = String(alarm.AlarmDescription);
      expect(description, name).toMatch(/^kafka-upgrade-verifier itself: .+ What to do: .+/);
      expect(description.length, name).toBeLessThanOrEqual(1024);
    }
  });

  it('watches the placeholder run too, before the verification state machine is deployed', () => {
    const placeholder = synthTemplate();
    placeholder.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${PREFIX}RunExecutionsFailed`,
      Dimensions: [
        { Name: 'StateMachineArn', Value: { Ref: machineId(placeholder, 'PlaceholderRun') } },
      ],
    });
  });

  it('goes through notify, except notify’s own alarms, which publish straight to the topic (a failing notify cannot tell it fails)', () => {
    const direct = [...alarms]
      .filter(([, a]) => a.AlarmActions !== undefined || a.OKActions !== undefined)
      .map(([name, a]) => [name, a.AlarmActions, a.OKActions]);
    const topic = { Ref: expect.stringMatching(/^AlertsTopic/) };
    expect(direct).toEqual([
      ['Run-Notify.Errors', [topic], [topic]],
      ['Run-Notify.Throttles', [topic], [topic]],
    ]);
    const rules = Object.values(
      template.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { source: ['aws.cloudwatch'] } },
      }) as Record<string, Resource>,
    );
    expect(rules).toHaveLength(1);
    const pattern = rules[0]!.Properties.EventPattern as {
      resources: [{ 'anything-but': Array<{ 'Fn::Join': [string, unknown[]] }> }];
    };
    const policies = new TemplatePolicies(template.toJSON() as never, '123456789012', 'eu-west-1');
    const excluded = pattern.resources[0]['anything-but'].map((arn) =>
      policies.resolve(arn as never),
    );
    expect(excluded).toEqual([
      `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${PREFIX}Run-Notify.Errors`,
      `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${PREFIX}Run-Notify.Throttles`,
    ]);
  });

  it('publishes every alarm straight to the topic in a stack without notify (the placeholder run)', () => {
    const placeholder = synthTemplate();
    expect(placeholder.findResources('AWS::Lambda::Function')).toEqual({});
    const silent = Object.values(
      placeholder.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>,
    ).filter((a) => a.Properties.AlarmActions === undefined);
    expect(silent).toEqual([]);
  });

  it('reaches every e-mail subscription, whatever its clusters, and each cluster only its own', () => {
    const subscriptions = Object.values(
      template.findResources('AWS::SNS::Subscription') as Record<string, Resource>,
    );
    expect(subscriptions).toHaveLength(2);
    for (const subscription of subscriptions) {
      expect(subscription.Properties.FilterPolicyScope).toBe('MessageAttributes');
      const policy = subscription.Properties.FilterPolicy as { cluster: unknown[] };
      expect(policy.cluster).toContain(VERIFIER_ALARM_SCOPE);
      expect(policy.cluster).toContainEqual({ exists: false });
    }
    expect(clusterFilterPolicy(['orders'])).toEqual({
      cluster: ['orders', VERIFIER_ALARM_SCOPE, { exists: false }],
    });
  });

  it('cannot be mistaken for a cluster’s alarms: no cluster name starts with "_"', () => {
    expect(() =>
      testConfig({
        clusters: [{ ...testConfig().clusters[1], name: VERIFIER_ALARM_SCOPE }],
      }),
    ).toThrow(/name/);
  });

  it('is each in the README’s list, with what to do', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');
    const functions = new Set(
      [...alarms.keys()].filter((n) => /\.(Errors|Throttles)$/.test(n)).map((n) => n.split('.')[0]),
    );
    for (const name of alarms.keys()) {
      const listed = name.replace(/^[^.]+\.(Errors|Throttles)$/, '<function>.$1');
      const line = readme.split('\n').find((l) => l.includes(`\`${listed}\``));
      expect(line, name).toBeDefined();
      expect(line!.split('|').filter((cell) => cell.trim() !== '')).toHaveLength(3);
    }
    expect(functions.size).toBe(10);
  });

  it('fails the run by name when notify cannot send its verdict, so RunExecutionsFailed fires', () => {
    const body = (
      template.findResources('AWS::StepFunctions::StateMachine') as Record<string, Resource>
    )[machineId(template, 'RunStateMachine')]!.Properties.DefinitionString as {
      'Fn::Join': [string, unknown[]];
    };
    const text = body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
    const states = (JSON.parse(text) as { States: Record<string, Record<string, unknown>> }).States;
    expect(states.NotifyVerdict?.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.notifyError', Next: 'VerdictNotNotified' },
    ]);
    expect(states.VerdictNotNotified).toMatchObject({ Type: 'Fail', Error: 'VerdictNotNotified' });
    expect(String(alarms.get('RunExecutionsFailed')?.AlarmDescription)).toContain(
      'VerdictNotNotified',
    );
  });

  it('outputs the finish-upgrade state machine, to record an upgrade’s end by hand', () => {
    template.hasOutput('FinishUpgradeStateMachineArn', {
      Value: { Ref: machineId(template, 'TriggersStartRunFinishUpgradeMachine') },
    });
  });
});
