/** Configurations and synth helpers shared by the CDK assertion tests. */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import {
  parseVerifierConfig,
  type VerifierConfig,
} from '../../functions/core/config/verifier-config.js';
import { mskWatchFunction, verificationRun } from '../../lib/run/index.js';
import {
  KafkaUpgradeVerifierStack,
  type KafkaUpgradeVerifierStackProps,
} from '../../lib/kafka-upgrade-verifier-stack.js';

export const MSK_ARN =
  'arn:aws:kafka:eu-west-1:123456789012:cluster/payments/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5';

const VPC = {
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnetIds: ['subnet-0a1b2c3d4e5f60711'],
  securityGroupIds: ['sg-0a1b2c3d4e5f60719'],
};

/** Two clusters: `payments` on Amazon MSK with IAM and tuned alarms, `orders` self-managed. */
export function testConfig(overrides: Record<string, unknown> = {}): VerifierConfig {
  return parseVerifierConfig(
    {
      clusters: [
        {
          name: 'payments',
          bootstrap: 'b-1.payments.example.com:9098',
          security: { protocol: 'msk-iam' },
          vpc: VPC,
          mskClusterArn: MSK_ARN,
          alarms: {
            MaxUnavailableMs: 30_000,
            ProduceErrors: { enabled: true, threshold: 10 },
            LeaderSkew: { enabled: false },
          },
          emails: ['oncall@example.com'],
        },
        {
          name: 'orders',
          bootstrap: 'k1.orders.example.com:9092',
          security: { protocol: 'plaintext' },
          vpc: VPC,
          emails: ['oncall@example.com', 'orders@example.com'],
        },
      ],
      ...overrides,
    },
    'test.json',
  );
}

export type StackOverrides = Partial<KafkaUpgradeVerifierStackProps>;

export function buildStack(props: StackOverrides = {}) {
  const app = new App();
  const stack = new KafkaUpgradeVerifierStack(app, 'KafkaUpgradeVerifier', {
    config: testConfig(),
    ...props,
  });
  return { app, stack };
}

export function synthTemplate(props: StackOverrides = {}): Template {
  return Template.fromStack(buildStack(props).stack);
}

/**
 * The stack as bin/app.ts builds it: the verification run's functions and msk-watch
 * included, their bundling skipped (`aws:cdk:bundling-stacks` empty).
 */
export function buildAppStack(config: VerifierConfig = testConfig()) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new KafkaUpgradeVerifierStack(app, 'KafkaUpgradeVerifier', {
    config,
    run: verificationRun(config.clusters),
    mskWatch: mskWatchFunction(config.clusters),
  });
  return { app, stack };
}

/** A synth takes seconds on a busy machine (the first loads aws-cdk-lib). */
export const SYNTH_TIMEOUT_MS = 60_000;
