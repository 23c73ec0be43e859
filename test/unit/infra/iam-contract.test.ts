/**
 * The IAM contract on the synthesized template, evaluated by a real policy evaluator
 * (test/support/iam.ts): the service-to-service paths AWS needs, and the calls whose
 * grants moto cannot check (the finished-marker check, the read-back's groups, the
 * reassignment). The handlers' recorded calls are evaluated the same way in
 * test/integration/aws/handlers-on-cluster.test.ts.
 */
import { describe, expect, it } from 'vitest';

import { readerGroup, defaultGroup } from '../../../functions/core/canary/consumer.js';
import { finishedMarkerKey, runId } from '../../../functions/core/config/events.js';
import { describeDecision, TemplatePolicies, type AuthorizedCall } from '../../support/iam.js';
import { kafkaResource } from '../../support/kafka-iam.js';
import { Template } from 'aws-cdk-lib/assertions';

import { buildAppStack, MSK_ARN, SYNTH_TIMEOUT_MS } from '../../support/stack.js';

let synthesized: unknown;
const appTemplate = () => (synthesized ??= Template.fromStack(buildAppStack().stack).toJSON());

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

function policies(): TemplatePolicies {
  return new TemplatePolicies(appTemplate() as never, ACCOUNT, REGION);
}

/** The logical id of a cluster's function for one handler (`CanarySlice`, `Verify`, …). */
function functionId(p: TemplatePolicies, cluster: string, handler: string): string {
  const [id] = p.ids('AWS::Lambda::Function', `RunCluster${cluster}${handler}`);
  if (id === undefined) throw new Error(`no ${handler} function for ${cluster}`);
  return id;
}

async function decide(p: TemplatePolicies, roleId: string, calls: AuthorizedCall[]) {
  return Promise.all(
    calls.map(async (c) => describeDecision(await p.evaluate(c, { role: roleId }))),
  );
}

describe('the IAM contract of the template', { timeout: SYNTH_TIMEOUT_MS }, () => {
  const p = policies();
  const bucket = p.nameOf(p.ids('AWS::S3::Bucket')[0]!).ref;

  it('lets canary-slice see a missing finished marker (listing its cluster’s markers, not HeadObject’s 403)', async () => {
    const role = p.roleOfFunction(functionId(p, 'orders', 'CanarySlice'));
    const key = finishedMarkerKey('orders', 'upgrade-1');
    const allowed = await decide(p, role, [
      {
        caller: 'canary-slice',
        action: 's3:ListBucket',
        resource: `arn:aws:s3:::${bucket}`,
        context: { 's3:prefix': key },
        via: 'S3 ListObjectsV2',
      },
    ]);
    expect(allowed).toEqual([expect.stringMatching(/→ Allowed$/)]);
    // Another cluster's markers, or the whole bucket, stay out of reach.
    const denied = await decide(p, role, [
      {
        caller: 'canary-slice',
        action: 's3:ListBucket',
        resource: `arn:aws:s3:::${bucket}`,
        context: { 's3:prefix': finishedMarkerKey('payments', 'upgrade-1') },
      },
      { caller: 'canary-slice', action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}` },
    ]);
    expect(denied).toEqual([
      expect.stringMatching(/→ ImplicitlyDenied$/),
      expect.stringMatching(/→ ImplicitlyDenied$/),
    ]);
  });

  it('lets the MSK-IAM canary use its groups, the read-back’s throw-away groups, delete them, and move replicas', async () => {
    const role = p.roleOfFunction(functionId(p, 'payments', 'CanarySlice'));
    const topic = 'kuv-canary';
    const reader = readerGroup(topic, runId('payments', 'upgrade-1'));
    const calls: AuthorizedCall[] = [
      { action: 'kafka-cluster:AlterGroup', kind: 'group', name: reader },
      { action: 'kafka-cluster:DescribeGroup', kind: 'group', name: reader },
      { action: 'kafka-cluster:DeleteGroup', kind: 'group', name: reader },
      { action: 'kafka-cluster:AlterGroup', kind: 'group', name: defaultGroup(topic) },
      { action: 'kafka-cluster:AlterCluster', kind: 'cluster', name: '' },
      { action: 'kafka-cluster:WriteDataIdempotently', kind: 'cluster', name: '' },
      { action: 'kafka-cluster:ReadData', kind: 'topic', name: topic },
    ].map(({ action, kind, name }) => ({
      caller: 'canary-slice',
      action,
      resource: kafkaResource(MSK_ARN, kind as 'cluster' | 'topic' | 'group', name),
    }));
    const decisions = await decide(p, role, calls);
    expect(decisions.filter((d) => !d.endsWith('→ Allowed'))).toEqual([]);
    // An application's group is not the canary's to touch.
    expect(
      await decide(p, role, [
        {
          caller: 'canary-slice',
          action: 'kafka-cluster:AlterGroup',
          resource: kafkaResource(MSK_ARN, 'group', 'orders-app'),
        },
      ]),
    ).toEqual([expect.stringMatching(/→ ImplicitlyDenied$/)]);
  });

  it('lets the MSK-IAM baseline read what the readiness check reads (broker configs, every group), and change nothing', async () => {
    const role = p.roleOfFunction(functionId(p, 'payments', 'Baseline'));
    const call = (action: string, kind: 'cluster' | 'group', name = ''): AuthorizedCall => ({
      caller: 'baseline',
      action,
      resource: kafkaResource(MSK_ARN, kind, name),
    });
    const allowed = await decide(p, role, [
      call('kafka-cluster:DescribeClusterDynamicConfiguration', 'cluster'),
      call('kafka-cluster:DescribeCluster', 'cluster'),
      call('kafka-cluster:DescribeGroup', 'group', 'orders-app'),
    ]);
    expect(allowed.filter((d) => !d.endsWith('→ Allowed'))).toEqual([]);
    const denied = await decide(p, role, [
      call('kafka-cluster:AlterGroup', 'group', 'orders-app'),
      call('kafka-cluster:DeleteGroup', 'group', 'orders-app'),
      call('kafka-cluster:AlterClusterDynamicConfiguration', 'cluster'),
    ]);
    expect(denied.filter((d) => !d.endsWith('→ ImplicitlyDenied'))).toEqual([]);
    // The slices do not run the check: they get no group beyond the canary's.
    const slice = p.roleOfFunction(functionId(p, 'payments', 'CanarySlice'));
    expect(
      await decide(p, slice, [call('kafka-cluster:DescribeGroup', 'group', 'orders-app')]),
    ).toEqual([expect.stringMatching(/→ ImplicitlyDenied$/)]);
  });

  it('lets the MSK baseline read its own cluster’s state and AWS/Kafka metrics (readiness: state, CPU, quiet hours), and no other cluster’s', async () => {
    const role = p.roleOfFunction(functionId(p, 'payments', 'Baseline'));
    const other = MSK_ARN.replace(/cluster\/[^/]+/, 'cluster/other');
    const decisions = await decide(p, role, [
      { caller: 'baseline', action: 'kafka:DescribeClusterV2', resource: MSK_ARN },
      { caller: 'baseline', action: 'cloudwatch:GetMetricData', resource: '*' },
      { caller: 'baseline', action: 'kafka:DescribeClusterV2', resource: other },
    ]);
    expect(decisions).toEqual([
      expect.stringMatching(/→ Allowed$/),
      expect.stringMatching(/→ Allowed$/),
      expect.stringMatching(/→ ImplicitlyDenied$/),
    ]);
    const slice = p.roleOfFunction(functionId(p, 'payments', 'CanarySlice'));
    expect(
      await decide(p, slice, [
        { caller: 'canary-slice', action: 'cloudwatch:GetMetricData', resource: '*' },
      ]),
    ).toEqual([expect.stringMatching(/→ ImplicitlyDenied$/)]);
  });

  it('lets verify read AWS/Kafka metrics (per-broker traffic over the run) on an MSK cluster only, and not describe or change the cluster', async () => {
    const msk = p.roleOfFunction(functionId(p, 'payments', 'Verify'));
    const selfManaged = p.roleOfFunction(functionId(p, 'orders', 'Verify'));
    const read: AuthorizedCall = {
      caller: 'verify',
      action: 'cloudwatch:GetMetricData',
      resource: '*',
    };
    expect(await decide(p, msk, [read])).toEqual([expect.stringMatching(/→ Allowed$/)]);
    // A self-managed cluster has no AWS/Kafka metrics: its verify gets no read.
    expect(await decide(p, selfManaged, [read])).toEqual([
      expect.stringMatching(/→ ImplicitlyDenied$/),
    ]);
    // Nothing beyond the read: no other CloudWatch read or write, no MSK call.
    const broader = await decide(p, msk, [
      { caller: 'verify', action: 'cloudwatch:GetMetricStatistics', resource: '*' },
      { caller: 'verify', action: 'cloudwatch:ListMetrics', resource: '*' },
      { caller: 'verify', action: 'cloudwatch:PutMetricAlarm', resource: '*' },
      { caller: 'verify', action: 'kafka:DescribeClusterV2', resource: MSK_ARN },
    ]);
    expect(broader.filter((d) => !d.endsWith('→ ImplicitlyDenied'))).toEqual([]);
  });

  it('lets canary-slice and verify put metrics to the verifier’s namespace only (live and final metrics), and no other function', async () => {
    const put = (caller: string, namespace: string): AuthorizedCall => ({
      caller,
      action: 'cloudwatch:PutMetricData',
      resource: '*',
      context: { 'cloudwatch:namespace': namespace },
    });
    for (const handler of ['CanarySlice', 'Verify']) {
      const role = p.roleOfFunction(functionId(p, 'orders', handler));
      expect(
        await decide(p, role, [put(handler, 'KafkaUpgradeVerifier'), put(handler, 'AWS/Lambda')]),
      ).toEqual([
        expect.stringMatching(/→ Allowed$/),
        expect.stringMatching(/→ ImplicitlyDenied$/),
      ]);
    }
    const baseline = p.roleOfFunction(functionId(p, 'orders', 'Baseline'));
    expect(await decide(p, baseline, [put('baseline', 'KafkaUpgradeVerifier')])).toEqual([
      expect.stringMatching(/→ ImplicitlyDenied$/),
    ]);
  });

  it('lets verify and canary-slice put events on the default bus only (Verification Finished, Verification Anomaly), and no other function', async () => {
    const put = (caller: string, bus: string): AuthorizedCall => ({
      caller,
      action: 'events:PutEvents',
      resource: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${bus}`,
    });
    const verifyRole = p.roleOfFunction(functionId(p, 'orders', 'Verify'));
    expect(await decide(p, verifyRole, [put('verify', 'default'), put('verify', 'other')])).toEqual(
      [expect.stringMatching(/→ Allowed$/), expect.stringMatching(/→ ImplicitlyDenied$/)],
    );
    const sliceRole = p.roleOfFunction(functionId(p, 'orders', 'CanarySlice'));
    expect(
      await decide(p, sliceRole, [put('canary-slice', 'default'), put('canary-slice', 'other')]),
    ).toEqual([expect.stringMatching(/→ Allowed$/), expect.stringMatching(/→ ImplicitlyDenied$/)]);
    const baseline = p.roleOfFunction(functionId(p, 'orders', 'Baseline'));
    expect(await decide(p, baseline, [put('baseline', 'default')])).toEqual([
      expect.stringMatching(/→ ImplicitlyDenied$/),
    ]);
  });

  it('lets this account’s verifier alarms publish to the alert topic and use its key, and no other account’s', async () => {
    const [topicId] = p.ids('AWS::SNS::Topic');
    const [keyId] = p.ids('AWS::KMS::Key');
    const topic = p.nameOf(topicId!).arn;
    const key = p.nameOf(keyId!).arn;
    const alarm = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:KafkaUpgradeVerifier.orders.LostMessages`;
    const cloudwatch = { service: 'cloudwatch.amazonaws.com' };
    const context = { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': alarm };
    const ok = await Promise.all(
      [
        { action: 'sns:Publish', resource: topic },
        { action: 'kms:GenerateDataKey', resource: key },
        { action: 'kms:Decrypt', resource: key },
      ].map(async (c) =>
        describeDecision(await p.evaluate({ caller: 'cloudwatch', ...c, context }, cloudwatch)),
      ),
    );
    expect(ok.filter((d) => !d.endsWith('→ Allowed'))).toEqual([]);
    const foreign = await p.evaluate(
      {
        caller: 'cloudwatch',
        action: 'sns:Publish',
        resource: topic,
        context: {
          'aws:SourceAccount': '999999999999',
          'aws:SourceArn': alarm.replace(ACCOUNT, '999999999999'),
        },
      },
      cloudwatch,
    );
    expect(foreign.result).not.toBe('Allowed');
  });

  it('lets Step Functions invoke every function of the run, and EventBridge start the runs', async () => {
    const template = appTemplate() as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const machines = p.ids('AWS::StepFunctions::StateMachine');
    const functions = p.ids('AWS::Lambda::Function', 'RunCluster');
    expect(functions.length).toBeGreaterThan(0);
    const [runMachine] = p.ids('AWS::StepFunctions::StateMachine', 'RunStateMachine');
    const runRole = (
      template.Resources[runMachine!]!.Properties.RoleArn as {
        'Fn::GetAtt': [string, string];
      }
    )['Fn::GetAtt'][0];
    const invokes = await decide(
      p,
      runRole,
      functions.map((id) => ({
        caller: 'run state machine',
        action: 'lambda:InvokeFunction',
        resource: p.nameOf(id).arn,
      })),
    );
    expect(invokes.filter((d) => !d.endsWith('→ Allowed'))).toEqual([]);

    const targets = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .flatMap((r) => (r.Properties.Targets ?? []) as Array<Record<string, unknown>>)
      .filter((t) => t.RoleArn !== undefined);
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) {
      const arn = p.resolve(target.Arn as never) as string;
      expect(machines.map((id) => p.nameOf(id).arn)).toContain(arn);
      const role = (target.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const [decision] = await decide(p, role, [
        { caller: 'eventbridge', action: 'states:StartExecution', resource: arn },
      ]);
      expect(decision).toMatch(/→ Allowed$/);
    }
  });

  it('lets the alarm rule, and only it, invoke notify; lets notify find an alarm’s run', async () => {
    const [ruleId] = p
      .ids('AWS::Events::Rule')
      .filter((id) => id.startsWith('AlertsAlarmStateChanges'));
    expect(ruleId).toBeDefined();
    const [notifyId] = p.ids('AWS::Lambda::Function', 'RunNotify');
    const notify = p.nameOf(notifyId!).arn;
    const events = { service: 'events.amazonaws.com' };
    const invoke = (sourceArn: string) =>
      p.evaluate(
        {
          caller: 'eventbridge',
          action: 'lambda:InvokeFunction',
          resource: notify,
          context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': ACCOUNT },
        },
        events,
      );
    expect(describeDecision(await invoke(p.nameOf(ruleId!).arn))).toMatch(/→ Allowed$/);
    const otherRule = `arn:aws:events:${REGION}:${ACCOUNT}:rule/SomeoneElsesRule`;
    expect((await invoke(otherRule)).result).not.toBe('Allowed');

    const role = p.roleOfFunction(notifyId!);
    const machine = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:KafkaUpgradeVerifier-Run`;
    const [runMachine] = p.ids('AWS::StepFunctions::StateMachine', 'RunStateMachine');
    expect(p.nameOf(runMachine!).arn).toBe(machine);
    const execution = `${machine.replace(':stateMachine:', ':execution:')}:${runId('orders', 'upgrade-1')}`;
    expect(
      await decide(p, role, [
        { caller: 'notify', action: 'states:ListExecutions', resource: machine },
        { caller: 'notify', action: 'states:DescribeExecution', resource: execution },
      ]),
    ).toEqual([expect.stringMatching(/→ Allowed$/), expect.stringMatching(/→ Allowed$/)]);
    const elsewhere = `arn:aws:states:${REGION}:${ACCOUNT}:execution:OtherMachine:run-1`;
    expect(
      await decide(p, role, [
        { caller: 'notify', action: 'states:DescribeExecution', resource: elsewhere },
      ]),
    ).toEqual([expect.stringMatching(/→ ImplicitlyDenied$/)]);
  });
});
