/** In-memory stand-ins for the AWS clients the handlers take (unit tests make no network calls). */
import { Readable } from 'node:stream';

import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';

export { lambdaContext } from '../../support/lambda.js';

/**
 * An S3 bucket in memory that answers as S3 does for a caller whose `s3:ListBucket`
 * grant is limited to some prefixes (`listPrefixes`, by default every prefix):
 * ListObjectsV2 outside them is AccessDenied, and HeadObject or GetObject of a missing
 * key is 403 AccessDenied, not 404, unless the grant is unconditional — the implicit
 * ListBucket check behind those calls has no `s3:prefix` to match (S3 API reference,
 * HeadObject). moto answers 404 regardless.
 */
export class FakeS3 {
  readonly objects = new Map<string, Buffer>();

  constructor(private readonly listPrefixes?: readonly string[]) {}

  private missing(name: 'NoSuchKey' | 'NotFound'): Error {
    if (this.listPrefixes !== undefined) {
      return Object.assign(new Error('Access Denied'), {
        name: name === 'NotFound' ? 'Forbidden' : 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });
    }
    return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 404 } });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command answers its own shape
  async send(command: unknown): Promise<any> {
    if (command instanceof PutObjectCommand) {
      const { Bucket, Key, Body } = command.input;
      this.objects.set(`${Bucket}/${Key}`, Buffer.from(Body as Uint8Array | string));
      return {};
    }
    if (command instanceof ListObjectsV2Command) {
      const { Bucket, Prefix } = command.input;
      if (
        this.listPrefixes !== undefined &&
        !this.listPrefixes.some((p) => (Prefix ?? '').startsWith(p))
      ) {
        throw Object.assign(new Error('Access Denied'), {
          name: 'AccessDenied',
          $metadata: { httpStatusCode: 403 },
        });
      }
      const Contents = [...this.objects.keys()]
        .filter((k) => k.startsWith(`${Bucket}/${Prefix ?? ''}`))
        .map((k) => ({ Key: k.slice(`${Bucket}/`.length) }));
      return { Contents, IsTruncated: false };
    }
    if (command instanceof GetObjectCommand) {
      const body = this.objects.get(`${command.input.Bucket}/${command.input.Key}`);
      if (body === undefined) throw this.missing('NoSuchKey');
      return { Body: Readable.from([body]) };
    }
    if (command instanceof HeadObjectCommand) {
      if (!this.objects.has(`${command.input.Bucket}/${command.input.Key}`)) {
        throw this.missing('NotFound');
      }
      return {};
    }
    throw new Error(`FakeS3: ${String((command as object).constructor.name)} not faked`);
  }
}

export { clusterEnv } from '../../support/lambda.js';
