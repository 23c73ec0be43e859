/** In-memory stand-ins for the AWS clients the handlers take (unit tests make no network calls). */
import { Readable } from 'node:stream';

import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';

export class FakeS3 {
  readonly objects = new Map<string, Buffer>();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command answers its own shape
  async send(command: unknown): Promise<any> {
    if (command instanceof PutObjectCommand) {
      const { Bucket, Key, Body } = command.input;
      this.objects.set(`${Bucket}/${Key}`, Buffer.from(Body as Uint8Array | string));
      return {};
    }
    if (command instanceof ListObjectsV2Command) {
      const { Bucket, Prefix } = command.input;
      const Contents = [...this.objects.keys()]
        .filter((k) => k.startsWith(`${Bucket}/${Prefix ?? ''}`))
        .map((k) => ({ Key: k.slice(`${Bucket}/`.length) }));
      return { Contents, IsTruncated: false };
    }
    if (command instanceof GetObjectCommand) {
      const body = this.objects.get(`${command.input.Bucket}/${command.input.Key}`);
      if (body === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
      return { Body: Readable.from([body]) };
    }
    if (command instanceof HeadObjectCommand) {
      if (!this.objects.has(`${command.input.Bucket}/${command.input.Key}`)) {
        throw Object.assign(new Error('NotFound'), {
          name: 'NotFound',
          $metadata: { httpStatusCode: 404 },
        });
      }
      return {};
    }
    throw new Error(`FakeS3: ${String((command as object).constructor.name)} not faked`);
  }
}

/** A Lambda context good enough for in-process calls. */
export function lambdaContext(name = 'test'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** A plaintext cluster's handler configuration, as the stack writes KUV_CLUSTER_CONFIG. */
export function clusterEnv(bootstrap = 'broker-1.kafka.test:19192', name = 'orders') {
  return {
    KUV_CLUSTER_CONFIG: JSON.stringify({
      name,
      bootstrap,
      security: { protocol: 'plaintext' },
      canary: {
        topic: 'kuv-canary',
        intervalMs: 100,
        producer: 'canary',
        settleMs: 600_000,
        maxDurationMs: 43_200_000,
      },
      policy: 'strict',
      windowMs: 300_000,
    }),
    KUV_RUN_BUCKET: 'kafkaupgradeverifier-runstorebucket-example',
  };
}
