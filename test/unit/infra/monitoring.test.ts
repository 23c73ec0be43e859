/**
 * Alarms and dashboards, per cluster, built from the metric catalogue: one alarm per
 * wanted metric with the config's overrides, told through notify by the alarm rule (on
 * the alert topic directly in a stack without notify), a runbook page that exists, a
 * composite alarm, and a dashboard that shows every catalogue metric.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';

import { METRICS } from '../../../functions/core/metrics/catalogue.js';
import { wantedAlarms } from '../../../lib/monitoring/cluster-alarms.js';
import {
  DASHBOARD_ROWS,
  metricsMissingFromDashboard,
} from '../../../lib/monitoring/cluster-dashboard.js';
import { kebabCase, runbookPath } from '../../../lib/monitoring/runbooks.js';
import { buildAppStack, SYNTH_TIMEOUT_MS, synthTemplate, testConfig } from '../../support/stack.js';

const REPO = join(import.meta.dirname, '../../..');
const TOPIC = { Ref: Match.stringLikeRegexp('^AlertsTopic') };

describe('per-cluster alarms and dashboards', { timeout: SYNTH_TIMEOUT_MS }, () => {
  let template: Template;
  beforeAll(() => {
    template = synthTemplate();
  }, SYNTH_TIMEOUT_MS);

  const [payments, orders] = testConfig().clusters;

  it('alarms on every metric the catalogue wants, per cluster, with the config overrides', () => {
    const defaults = METRICS.filter((m) => m.alarm.wanted).map((m) => m.name);
    expect(wantedAlarms(orders!).map((a) => a.definition.name)).toEqual(defaults);
    const paymentsAlarms = new Map(
      wantedAlarms(payments!).map((a) => [a.definition.name, a.threshold]),
    );
    expect(paymentsAlarms.has('LeaderSkew')).toBe(false); // enabled: false
    expect(paymentsAlarms.get('ProduceErrors')).toBe(10); // enabled: true, not a default alarm
    expect(paymentsAlarms.get('MaxUnavailableMs')).toBe(30_000);
    // The verifier's own alarms are test/unit/infra/verifier-alarms.test.ts's.
    const clusterAlarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).filter(
      (id) => id.startsWith('Cluster'),
    );
    expect(clusterAlarms).toHaveLength(defaults.length * 2);
  });

  it.each(METRICS.filter((m) => m.alarm.wanted).map((m) => m))(
    'alarms on $name for a cluster as the catalogue says (without notify: on the topic, ALARM and OK)',
    (metric) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `KafkaUpgradeVerifier.orders.${metric.name}`,
        Namespace: 'KafkaUpgradeVerifier',
        MetricName: metric.name,
        Dimensions: [{ Name: 'Cluster', Value: 'orders' }],
        Statistic: metric.alarm.statistic,
        Period: 300,
        Threshold: metric.alarm.threshold,
        ComparisonOperator: metric.alarm.comparison,
        TreatMissingData: metric.alarm.treatMissingData,
        EvaluationPeriods: 1,
        AlarmActions: [TOPIC],
        OKActions: [TOPIC],
        AlarmDescription: Match.stringLikeRegexp(
          `Runbook: ${runbookPath(metric.name)}\\. What to do: `,
        ),
      });
    },
  );

  it('overrides a threshold and turns a dashboard-only metric into an alarm', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'KafkaUpgradeVerifier.payments.MaxUnavailableMs',
      Threshold: 30_000,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'KafkaUpgradeVerifier.payments.ProduceErrors',
      Threshold: 10,
      AlarmDescription: Match.stringLikeRegexp('ProduceErrors above 10'),
    });
  });

  it('has a runbook page for every metric that can alarm', () => {
    for (const metric of METRICS.filter((m) => m.alarm.wanted || m.name === 'ProduceErrors')) {
      expect(existsSync(join(REPO, runbookPath(metric.name))), runbookPath(metric.name)).toBe(true);
    }
    expect(kebabCase('EndToEndLatencyP99Ms')).toBe('end-to-end-latency-p99-ms');
  });

  it('has a composite alarm per cluster that is in ALARM while any of its alarms is', () => {
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 2);
    template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmName: 'KafkaUpgradeVerifier.orders.Any',
      AlarmRule: Match.objectLike({
        'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('ALARM\\(')])]),
      }),
    });
  });

  it('shows every catalogue metric on one dashboard row, once', () => {
    expect(metricsMissingFromDashboard()).toEqual([]);
    const shown = DASHBOARD_ROWS.flatMap((row) => [...row.left, ...(row.right ?? [])]);
    expect(new Set(shown).size).toBe(shown.length);
    expect(shown.every((name) => METRICS.some((m) => m.name === name))).toBe(true);
  });

  it('builds a dashboard per cluster with a graph per row and the alarm status', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 2);
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard', {
      Properties: { DashboardName: 'KafkaUpgradeVerifier-payments' },
    });
    const body = JSON.stringify(Object.values(dashboards)[0]?.Properties.DashboardBody);
    for (const row of DASHBOARD_ROWS) expect(body).toContain(row.title);
    for (const metric of METRICS) {
      expect(body).toContain(`\\"${metric.name}\\",\\"Cluster\\",\\"payments\\"`);
    }
    expect(body).toContain('\\"type\\":\\"alarm\\"');
  });

  it('sends the state changes of this stack’s alarms, and only those, to notify (no alarm action)', () => {
    const app = Template.fromStack(buildAppStack().stack);
    const rules = app.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { source: ['aws.cloudwatch'] } },
    });
    expect(Object.keys(rules)).toHaveLength(1);
    const [ruleId, rule] = Object.entries(rules)[0]!;
    expect(rule.Properties.EventPattern).toMatchObject({
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: [{ prefix: 'KafkaUpgradeVerifier.' }] },
    });
    const [notifyId] = Object.keys(app.findResources('AWS::Lambda::Function')).filter((id) =>
      id.startsWith('RunNotify'),
    );
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [notifyId, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      }),
    ]);
    app.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [notifyId, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
    const clusterAlarms = Object.values(app.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      /^KafkaUpgradeVerifier\.(orders|payments)\./.test(String(a.Properties.AlarmName)),
    );
    expect(clusterAlarms.length).toBeGreaterThan(0);
    for (const alarm of [
      ...clusterAlarms,
      ...Object.values(app.findResources('AWS::CloudWatch::CompositeAlarm')),
    ]) {
      expect(alarm.Properties.AlarmActions, alarm.Properties.AlarmName).toBeUndefined();
      expect(alarm.Properties.OKActions, alarm.Properties.AlarmName).toBeUndefined();
    }
    app.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          KUV_ALARM_PREFIX: 'KafkaUpgradeVerifier',
          KUV_RUN_STATE_MACHINE_ARN: Match.objectLike({
            'Fn::Join': Match.arrayWith([
              Match.arrayWith([':stateMachine:KafkaUpgradeVerifier-Run']),
            ]),
          }),
        }),
      },
    });
    app.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'KafkaUpgradeVerifier-Run',
    });
  });
});
