/**
 * AWS SDK calls as IAM authorizes them: while installed, every `send` of the given client
 * classes made while `caller.current` is set (a handler is running) is recorded with its
 * command, input and outcome; `authorizedCalls` maps each to the IAM action, resource
 * and context keys AWS evaluates. A command without a mapping is an error, so a new
 * call cannot slip past the contract.
 */
import type { AuthorizedCall } from './iam.js';

export interface RecordedSdkCall {
  readonly caller: string;
  readonly command: string;
  readonly input: Record<string, unknown>;
  /** The HTTP status of a failed call (404 of a missing key), undefined when it succeeded. */
  readonly failedStatus?: number;
}

type SendFn = (this: unknown, command: unknown, ...rest: unknown[]) => Promise<unknown>;

export function recordAwsCalls(classes: ReadonlyArray<{ prototype: object }>): {
  calls: RecordedSdkCall[];
  caller: { current: string | undefined };
  stop: () => void;
} {
  const calls: RecordedSdkCall[] = [];
  const caller: { current: string | undefined } = { current: undefined };
  const restore: Array<() => void> = [];
  for (const cls of classes) {
    const proto = cls.prototype as { send: SendFn };
    const own = Object.getOwnPropertyDescriptor(proto, 'send');
    const original = proto.send;
    proto.send = async function (this: unknown, command: unknown, ...rest: unknown[]) {
      const who = caller.current;
      if (who === undefined) return original.call(this, command, ...rest);
      const c = command as { constructor: { name: string }; input?: Record<string, unknown> };
      try {
        const out = await original.call(this, command, ...rest);
        calls.push({ caller: who, command: c.constructor.name, input: c.input ?? {} });
        return out;
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
          ?.httpStatusCode;
        calls.push({
          caller: who,
          command: c.constructor.name,
          input: c.input ?? {},
          failedStatus: status ?? 0,
        });
        throw error;
      }
    };
    restore.push(() => {
      if (own === undefined) delete (proto as { send?: SendFn }).send;
      else Object.defineProperty(proto, 'send', own);
    });
  }
  return { calls, caller, stop: () => restore.forEach((r) => r()) };
}

/** Where encrypted resources' keys are, for the KMS calls AWS makes on the caller's behalf. */
export interface KeyOf {
  /** The KMS key ARN of an SNS topic ARN, when the topic is encrypted. */
  readonly topicKey: (topicArn: string) => string | undefined;
  /** The ARN of an event bus, by name (`default` when an entry names none). */
  readonly eventBus?: (name: string) => string;
}

/** The IAM requests one recorded SDK call needs. */
export function authorizedCalls(call: RecordedSdkCall, keys: KeyOf): AuthorizedCall[] {
  const via = call.command.replace(/Command$/, '');
  const i = call.input;
  const s3Object = `arn:aws:s3:::${String(i.Bucket)}/${String(i.Key)}`;
  const on = (
    action: string,
    resource: string,
    context?: AuthorizedCall['context'],
  ): AuthorizedCall => ({
    caller: call.caller,
    action,
    resource,
    via,
    ...(context === undefined ? {} : { context }),
  });
  switch (call.command) {
    case 'PutObjectCommand':
      return [on('s3:PutObject', s3Object)];
    case 'GetObjectCommand':
    case 'HeadObjectCommand':
      // A missing key answers 404 only to a caller allowed s3:ListBucket on the bucket
      // (no s3:prefix in that check); anyone else gets 403 (S3 API reference).
      return call.failedStatus === 404
        ? [on('s3:GetObject', s3Object), on('s3:ListBucket', `arn:aws:s3:::${String(i.Bucket)}`)]
        : [on('s3:GetObject', s3Object)];
    case 'ListObjectsV2Command':
      return [
        on(
          's3:ListBucket',
          `arn:aws:s3:::${String(i.Bucket)}`,
          i.Prefix === undefined ? undefined : { 's3:prefix': String(i.Prefix) },
        ),
      ];
    case 'GetMetricDataCommand':
      // GetMetricData has no resource ARN and no condition key (Service Authorization Reference).
      return [on('cloudwatch:GetMetricData', '*')];
    case 'PutMetricDataCommand':
      return [on('cloudwatch:PutMetricData', '*', { 'cloudwatch:namespace': String(i.Namespace) })];
    case 'PublishCommand': {
      const topic = String(i.TopicArn);
      const key = keys.topicKey(topic);
      return [
        on('sns:Publish', topic),
        // Publishing to an encrypted topic: SNS uses the key with the caller's rights.
        ...(key === undefined ? [] : [on('kms:GenerateDataKey', key), on('kms:Decrypt', key)]),
      ];
    }
    case 'PutEventsCommand': {
      const entries = (i.Entries ?? []) as Array<{ EventBusName?: string }>;
      const buses = new Set(entries.map((e) => e.EventBusName ?? 'default'));
      if (keys.eventBus === undefined) {
        throw new Error('authorizedCalls: PutEvents needs KeyOf.eventBus (the bus ARN by name)');
      }
      return [...buses].map((bus) => on('events:PutEvents', keys.eventBus!(bus)));
    }
    case 'GetSecretValueCommand':
      return [on('secretsmanager:GetSecretValue', String(i.SecretId))];
    case 'StartExecutionCommand':
      return [on('states:StartExecution', String(i.stateMachineArn))];
    case 'DescribeClusterV2Command':
      return [on('kafka:DescribeClusterV2', String(i.ClusterArn))];
    case 'ListClusterOperationsV2Command':
      return [on('kafka:ListClusterOperationsV2', String(i.ClusterArn))];
    default:
      throw new Error(
        `${call.caller} called ${call.command}, which the IAM contract does not map: add it to test/support/aws-calls.ts with the action and resource AWS authorizes it on.`,
      );
  }
}
