/**
 * The synthesized CloudFormation template: what the stack creates, and that
 * cdk-nag's AWS Solutions checks pass with every acknowledgement justified.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';

import { InputError } from '../../../functions/core/errors.js';
import { configFileFromContext, loadVerifierConfig } from '../../../lib/config.js';
import { KafkaUpgradeVerifierStack } from '../../../lib/kafka-upgrade-verifier-stack.js';
import { buildStack, SYNTH_TIMEOUT_MS, synthTemplate, testConfig } from '../../support/stack.js';

/** Synthesizes once, with cdk-nag's AWS Solutions checks as a validation plugin. */
function synthWithNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

describe('KafkaUpgradeVerifierStack', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('keeps runs in a private, encrypted, TLS-only, versioned bucket that expires them', () => {
    const template = synthTemplate({ config: testConfig({ runRetentionDays: 30 }) });
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.objectLike({}),
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })]),
      },
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            NoncurrentVersionExpiration: { NoncurrentDays: 7 },
            ExpiredObjectDeleteMarker: true,
            Status: 'Enabled',
          }),
          Match.objectLike({
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          }),
        ]),
      },
    });
  });

  it('lets CloudWatch use the alert key only for alarms of the stack account', () => {
    const app = new App();
    const stack = new KafkaUpgradeVerifierStack(app, 'Pinned', {
      config: testConfig(),
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
        ]),
      },
    });
  });

  it('sends alerts through a KMS-encrypted topic, each address only its clusters', () => {
    const template = synthTemplate();
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Arn']) }),
    });
    // oncall@ is listed by both clusters: one subscription (SNS allows one per address) for both.
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      FilterPolicyScope: 'MessageAttributes',
      FilterPolicy: { cluster: ['payments', 'orders', '_verifier', { exists: false }] },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: 'orders@example.com',
      FilterPolicyScope: 'MessageAttributes',
      FilterPolicy: { cluster: ['orders', '_verifier', { exists: false }] },
    });
    for (const output of [
      'AlertTopicArn',
      'RunStoreBucket',
      'StartRunStateMachineArn',
      'FinishUpgradeStateMachineArn',
      'TriggerDeadLetterQueueUrl',
    ]) {
      template.hasOutput(output, {});
    }
  });

  it('stands a placeholder in for the run until the verification state machine is given', () => {
    const template = synthTemplate();
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 3);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionString: Match.stringLikeRegexp('"Type":"Fail","Error":"RunNotDeployed"'),
    });
  });

  it('passes the cdk-nag AWS Solutions checks', () => {
    const { app } = buildStack();
    expect(() => synthWithNag(app)).not.toThrow();
  });

  it('has cdk-nag checks that do fail on a finding (the check above can fail)', () => {
    const { app, stack } = buildStack();
    new sqs.Queue(stack, 'UnencryptedQueueWithoutDlq', {
      encryption: sqs.QueueEncryption.UNENCRYPTED,
    });
    expect(() => synthWithNag(app)).toThrow(/AwsSolutions-SQS/);
  });
});

describe('loadVerifierConfig and configFileFromContext', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kuv-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file cdk.json names, or the one -c config= names', () => {
    expect(configFileFromContext(() => undefined)).toBe('verifier.config.json');
    expect(configFileFromContext((k) => (k === 'config' ? 'prod.json' : undefined))).toBe(
      'prod.json',
    );
    expect(() => configFileFromContext(() => '')).toThrow('CDK context \'config\' is ""');
    expect(loadVerifierConfig('verifier.config.json').clusters).toHaveLength(2);
  });

  it('names the file when it is missing, not JSON, or wrong', () => {
    const missing = join(dir, 'missing.json');
    expect(() => loadVerifierConfig(missing)).toThrow(InputError);
    expect(() => loadVerifierConfig(missing)).toThrow(
      `${missing}: cannot read the configuration file`,
    );
    const notJson = join(dir, 'bad.json');
    writeFileSync(notJson, '{ clusters: ');
    expect(() => loadVerifierConfig(notJson)).toThrow(`${notJson}: is not JSON`);
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ clusters: [{ name: 'x' }] }));
    expect(() => loadVerifierConfig(wrong)).toThrow(
      `${wrong}: clusters[0] ("x"): bootstrap must be`,
    );
  });
});
