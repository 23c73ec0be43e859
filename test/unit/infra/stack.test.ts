/**
 * The synthesized CloudFormation template: what the stack creates, and that
 * cdk-nag's AWS Solutions checks pass with every acknowledgement justified.
 */
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../functions/core/errors.js';
import { readStackConfig } from '../../../lib/config.js';
import { KafkaUpgradeVerifierStack } from '../../../lib/kafka-upgrade-verifier-stack.js';

type Props = Partial<ConstructorParameters<typeof KafkaUpgradeVerifierStack>[2]>;

function build(props: Props = {}) {
  const app = new App();
  const stack = new KafkaUpgradeVerifierStack(app, 'Test', { clusterName: 'test', ...props });
  return { app, stack };
}

function synth(props: Props = {}) {
  return { template: Template.fromStack(build(props).stack) };
}

/** Synthesizes once, with cdk-nag's AWS Solutions checks as a validation plugin. */
function synthWithNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

// A synth takes seconds on a busy machine (the first loads aws-cdk-lib): more than
// vitest's default 5 s per test.
const SYNTH_TIMEOUT_MS = 60_000;

describe('KafkaUpgradeVerifierStack', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('keeps runs in a private, encrypted, TLS-only, versioned bucket that expires them', () => {
    const { template } = synth({ runRetentionDays: 30 });
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
  });

  it('expires old versions of re-written reports and the delete markers expiry leaves', () => {
    const { template } = synth();
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
      clusterName: 'test',
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
        ]),
      },
    });
  });

  it('sends alerts through a KMS-encrypted topic that CloudWatch alarms can publish to', () => {
    const { template } = synth({ alertEmails: ['oncall@example.com'] });
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Arn']) }),
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    template.hasOutput('AlertTopicArn', {});
    template.hasOutput('RunStoreBucket', {});
  });

  it('passes the cdk-nag AWS Solutions checks', () => {
    const { app } = build();
    expect(() => synthWithNag(app)).not.toThrow();
  });

  it('has cdk-nag checks that do fail on a finding (the check above can fail)', () => {
    const { app, stack } = build();
    new sqs.Queue(stack, 'UnencryptedQueueWithoutDlq', {
      encryption: sqs.QueueEncryption.UNENCRYPTED,
    });
    expect(() => synthWithNag(app)).toThrow(/AwsSolutions-SQS/);
  });
});

describe('readStackConfig', () => {
  const read = (context: Record<string, unknown>) => readStackConfig((k) => context[k]);

  it('reads the cluster, e-mails and retention, with defaults', () => {
    expect(read({ cluster: 'prod' })).toEqual({
      clusterName: 'prod',
      alertEmails: [],
      runRetentionDays: 90,
    });
    expect(
      read({ cluster: 'prod-eu', alertEmails: 'a@x.io, b@y.io', runRetentionDays: '14' }),
    ).toEqual({ clusterName: 'prod-eu', alertEmails: ['a@x.io', 'b@y.io'], runRetentionDays: 14 });
  });

  it.each([
    [{}, "CDK context 'cluster' is not set"],
    [{ cluster: 'has space' }, 'CDK context \'cluster\' is "has space"'],
    [{ cluster: 'p', alertEmails: 'nobody' }, "CDK context 'alertEmails' has 'nobody'"],
    [{ cluster: 'p', runRetentionDays: '0' }, 'CDK context \'runRetentionDays\' is "0"'],
    [{ cluster: 'p', runRetentionDays: 'ninety' }, "CDK context 'runRetentionDays'"],
  ])('rejects %j naming the key', (context, message) => {
    expect(() => read(context)).toThrow(InputError);
    expect(() => read(context)).toThrow(message);
  });
});
