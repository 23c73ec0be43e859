/**
 * The verification run in the template: its functions (one construct, nodejs22.x,
 * ARM64, per cluster its own VPC and grants), the Standard state machine that replaces
 * the placeholder, the msk-watch schedule, the alarms as they were, cdk-nag clean.
 * Bundling is skipped here (`aws:cdk:bundling-stacks: []`): `npx cdk synth` bundles.
 */
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';

import { clusterConfigFromEnv } from '../../../functions/commons/environment.js';
import { canarySliceMemoryMb } from '../../../lib/run/cluster-functions.js';
import { buildAppStack, SYNTH_TIMEOUT_MS, synthTemplate, testConfig } from '../../support/stack.js';

const build = () => buildAppStack();

type Resource = { Properties: Record<string, unknown> };
const functionsOf = (template: Template) =>
  Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>);
const policyText = (template: Template, rolePrefix: string) =>
  JSON.stringify(
    Object.entries(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
      .filter(([id]) => id.startsWith(rolePrefix))
      .map(([, p]) => p.Properties.PolicyDocument),
  );

describe('the verification run', { timeout: SYNTH_TIMEOUT_MS }, () => {
  const { app, stack } = build();
  const template = Template.fromStack(stack);

  it('builds every handler through one construct: nodejs22.x on ARM64, source maps, its own log group', () => {
    const functions = functionsOf(template);
    // Per cluster baseline, canary-slice, reachability, verify; then notify and msk-watch.
    expect(functions).toHaveLength(2 * 4 + 2);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
      expect(JSON.stringify(fn.Properties.Environment)).toContain('--enable-source-maps');
      expect(fn.Properties.LoggingConfig).toBeDefined();
    }
    template.resourceCountIs('AWS::Logs::LogGroup', 10 + 3);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('tells the functions in the cluster’s subnets which subnets they are (for the unreachable-AWS hint)', () => {
    const inVpc = functionsOf(template).filter(([, fn]) => fn.Properties.VpcConfig !== undefined);
    expect(inVpc.length).toBe(2 * 3); // baseline, canary-slice, reachability per cluster
    for (const [, fn] of functionsOf(template)) {
      const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      const subnets = (fn.Properties.VpcConfig as { SubnetIds?: string[] } | undefined)?.SubnetIds;
      expect(env.KUV_SUBNETS).toBe(subnets?.join(','));
    }
  });

  it('gives msk-watch its own cluster ↔ ARN mapping: the one its schedule sends', () => {
    const [, watch] = functionsOf(template).find(([id]) => id.includes('MskWatch'))!;
    const env = (watch.Properties.Environment as { Variables: Record<string, string> }).Variables;
    const mapping = JSON.parse(env.KUV_MSK_CLUSTERS!) as unknown[];
    expect(mapping.length).toBeGreaterThan(0);
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter(
      (r) => r.Properties.ScheduleExpression !== undefined,
    );
    expect(rules).toHaveLength(1);
    const input = JSON.stringify(rules[0]!.Properties.Targets[0].Input);
    expect(input).toContain(JSON.stringify(JSON.stringify({ clusters: mapping })).slice(1, -2));
  });

  it('sizes each canary-slice function by its cluster’s expected canary partitions', () => {
    const memory = Object.fromEntries(
      functionsOf(template).map(([id, fn]) => [id, fn.Properties.MemorySize]),
    );
    const slices = Object.entries(memory).filter(([id]) => id.includes('CanarySlice'));
    expect(slices.map(([, mb]) => mb)).toEqual([512, 512]);
    expect([1, 64, 65, 128, 129, 1000, 10_000].map(canarySliceMemoryMb)).toEqual([
      512, 512, 768, 768, 1024, 4352, 10_240,
    ]);

    const big = testConfig();
    const payments = {
      ...big.clusters[0]!,
      canary: { ...big.clusters[0]!.canary, partitions: 200 },
    };
    const { stack: stack2 } = buildAppStack({ ...big, clusters: [payments, big.clusters[1]!] });
    const sized = functionsOf(Template.fromStack(stack2))
      .filter(([id]) => id.includes('CanarySlice'))
      .map(([id, fn]) => [
        id.includes('payments') || id.includes('Payments'),
        fn.Properties.MemorySize,
      ]);
    expect(sized.sort()).toEqual([
      [false, 512],
      [true, 1280],
    ]);
  });

  it('puts the functions that reach Kafka in their cluster’s VPC; verify, notify and msk-watch call AWS APIs only', () => {
    for (const [id, fn] of functionsOf(template)) {
      const inVpc = fn.Properties.VpcConfig !== undefined;
      expect([id, inVpc]).toEqual([id, /Baseline|CanarySlice|Reachability/.test(id)]);
    }
  });

  it('gives each function its cluster’s configuration without e-mail addresses or secrets', () => {
    const [, fn] = functionsOf(template).find(([id]) =>
      id.startsWith('RunClusterordersCanarySlice'),
    )!;
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const config = JSON.parse(env.KUV_CLUSTER_CONFIG as string);
    expect(config).toMatchObject({
      name: 'orders',
      policy: 'strict',
      canary: { settleMs: 300_000 },
    });
    expect(env.KUV_CLUSTER_CONFIG).not.toContain('@example.com');
    // What the stack writes is what the handlers accept, the producer mode included.
    expect(
      clusterConfigFromEnv({ KUV_CLUSTER_CONFIG: env.KUV_CLUSTER_CONFIG as string }).canary.mode,
    ).toBe('idempotent');
    expect(env.KUV_SLICE_MS).toBe('600000');
  });

  it('lets each cluster’s functions touch its own part of the run store only', () => {
    const orders = policyText(template, 'RunClusterorders');
    expect(orders).toContain('/runs/orders/*');
    expect(orders).toContain('"s3:prefix":["upgrades/orders/*"]');
    expect(orders).not.toContain('payments');
    const payments = policyText(template, 'RunClusterpayments');
    expect(payments).toContain('kafka-cluster:WriteData');
    expect(payments).toContain(':topic/payments/');
    expect(payments).toContain('"cloudwatch:namespace":"KafkaUpgradeVerifier"');
    expect(policyText(template, 'MskWatch')).toContain('kafka:ListClusterOperationsV2');
  });

  it('replaces the placeholder with a STANDARD state machine: the loop, JSONPath only, logged and traced', () => {
    const machines = template.findResources('AWS::StepFunctions::StateMachine') as Record<
      string,
      Resource
    >;
    expect(Object.keys(machines).filter((id) => id.startsWith('PlaceholderRun'))).toEqual([]);
    const [, run] = Object.entries(machines).find(([id]) => id.startsWith('RunStateMachine'))!;
    expect(run.Properties.StateMachineType).toBe('STANDARD');
    expect(run.Properties.TracingConfiguration).toEqual({ Enabled: true });
    const text = JSON.stringify(run.Properties.DefinitionString);
    for (const state of [
      'SelectCluster',
      'Baseline',
      'CanaryPhase',
      'CanarySlice',
      'ReadBack',
      'AfterProbes',
      'Verify',
      'NotifyVerdict',
      'RecordFailure',
      'NotifyFailure',
    ]) {
      expect(text).toContain(`\\"${state}\\":`);
    }
    expect(text).toContain('aws-sdk:cloudwatch:putMetricData');
    expect(text).not.toContain('JSONata');
  });

  it('schedules msk-watch with the MSK clusters to poll', () => {
    const rules = Object.values(
      template.findResources('AWS::Events::Rule') as Record<string, Resource>,
    );
    const schedule = rules.find((r) => r.Properties.ScheduleExpression === 'rate(1 minute)');
    const target = JSON.stringify(schedule?.Properties.Targets);
    expect(target).toContain('MskWatch');
    expect(target).toContain('\\"cluster\\":\\"payments\\"');
  });

  it('leaves the cluster alarms as they are without the run', () => {
    const without = synthTemplate();
    // The run adds the verifier's own alarms on its functions (verifier-alarms.test.ts).
    const clusterAlarms = (t: Template) =>
      Object.keys(t.findResources('AWS::CloudWatch::Alarm')).filter((id) =>
        id.startsWith('Cluster'),
      );
    expect(clusterAlarms(template)).toEqual(clusterAlarms(without));
    expect(Object.keys(template.findResources('AWS::CloudWatch::CompositeAlarm'))).toEqual(
      Object.keys(without.findResources('AWS::CloudWatch::CompositeAlarm')),
    );
  });

  it('passes the cdk-nag AWS Solutions checks, every finding acknowledged with a reason', () => {
    const nagged = build();
    Validations.of(nagged.app).addPlugins(new AwsSolutionsChecks(nagged.app));
    expect(() => nagged.app.synth()).not.toThrow();
    void app;
  });
});
