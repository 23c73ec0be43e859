/**
 * A function reaching a configured cluster: its network imported by id, with no
 * lookup, and only the grants that cluster needs.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';

import { clusterNetwork, grantClusterAccess, grantMskWatch } from '../../../lib/cluster-access.js';
import { MSK_ARN, SYNTH_TIMEOUT_MS, testConfig } from '../../support/stack.js';

function functionFor(clusterIndex: number) {
  const app = new App();
  const stack = new Stack(app, 'Access');
  const cluster = testConfig().clusters[clusterIndex]!;
  const fn = new lambda.Function(stack, 'Canary', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
    ...clusterNetwork(stack, cluster),
  });
  grantClusterAccess(fn, stack, cluster);
  grantMskWatch(fn, testConfig().clusters);
  return { app, template: Template.fromStack(stack) };
}

describe('cluster access', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('places a function in the cluster subnets and security groups without a lookup', () => {
    const { app, template } = functionFor(0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: ['subnet-0a1b2c3d4e5f60711'],
        SecurityGroupIds: ['sg-0a1b2c3d4e5f60719'],
      },
    });
    expect(app.synth().manifest.missing ?? []).toEqual([]);
  });

  it('grants an msk-iam cluster to the canary: connect, its topic, its groups', () => {
    const { template } = functionFor(0);
    const prefix = MSK_ARN.split(':cluster/')[0];
    const rest = MSK_ARN.split(':cluster/')[1];
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['kafka-cluster:Connect']),
            Resource: MSK_ARN,
          }),
          Match.objectLike({
            Action: Match.arrayWith(['kafka-cluster:WriteData', 'kafka-cluster:ReadData']),
            Resource: `${prefix}:topic/${rest}/kuv-canary`,
          }),
          Match.objectLike({ Resource: `${prefix}:group/${rest}/kuv-canary*` }),
          Match.objectLike({
            Action: ['kafka:DescribeClusterV2', 'kafka:ListClusterOperationsV2'],
            Resource: MSK_ARN,
          }),
        ]),
      },
    });
  });

  it('grants a self-managed cluster its secrets and nothing on MSK data', () => {
    const app = new App();
    const stack = new Stack(app, 'Secrets');
    const config = testConfig();
    const cluster = {
      ...config.clusters[1]!,
      security: {
        protocol: 'sasl-scram' as const,
        saslSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kuv/scram-AbCdEf',
      },
    };
    const fn = new lambda.Function(stack, 'Canary', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {};'),
    });
    grantClusterAccess(fn, stack, cluster);
    const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policy).toContain('secretsmanager:GetSecretValue');
    expect(policy).toContain('kuv/scram-AbCdEf');
    expect(policy).not.toContain('kafka-cluster:');
  });
});
