#!/usr/bin/env node
/**
 * The CDK app: one KafkaUpgradeVerifier stack for every cluster listed in the
 * configuration file that cdk.json's context key `config` names
 * (verifier.config.json; `cdk deploy -c config=prod.config.json` for another).
 * cdk-nag's AWS Solutions checks run on every synth: a finding fails it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { InputError } from '../functions/core/errors.js';
import { configFileFromContext, loadVerifierConfig } from '../lib/config.js';
import { KafkaUpgradeVerifierStack } from '../lib/kafka-upgrade-verifier-stack.js';
import { mskWatchFunction, verificationRun } from '../lib/run/index.js';

const app = new App();
try {
  const file = configFileFromContext((key) => app.node.tryGetContext(key));
  const config = loadVerifierConfig(file);
  new KafkaUpgradeVerifierStack(app, 'KafkaUpgradeVerifier', {
    config,
    run: verificationRun(config.clusters),
    mskWatch: mskWatchFunction(config.clusters),
    description: `kafka-upgrade-verifier: upgrade verification for ${config.clusters.length} Kafka cluster(s)`,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
} catch (error) {
  if (!(error instanceof InputError)) throw error;
  process.stderr.write(`kafka-upgrade-verifier CDK app: ${error.message}\n`);
  process.exitCode = 1;
}
