#!/usr/bin/env node
/**
 * The CDK app: one KafkaUpgradeVerifierStack per cluster, configured by CDK
 * context (`cdk deploy -c cluster=prod -c alertEmails=a@example.com,b@example.com`).
 * cdk-nag's AWS Solutions checks run on every synth: a finding fails it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InputError } from '../functions/core/errors.js';
import { readStackConfig } from '../lib/config.js';
import { KafkaUpgradeVerifierStack } from '../lib/kafka-upgrade-verifier-stack.js';

const app = new App();
try {
  const config = readStackConfig((key) => app.node.tryGetContext(key));
  new KafkaUpgradeVerifierStack(app, `KafkaUpgradeVerifier-${config.clusterName}`, {
    ...config,
    description: `kafka-upgrade-verifier for Kafka cluster ${config.clusterName}`,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
} catch (error) {
  if (!(error instanceof InputError)) throw error;
  process.stderr.write(`kafka-upgrade-verifier CDK app: ${error.message}\n`);
  process.exitCode = 1;
}
