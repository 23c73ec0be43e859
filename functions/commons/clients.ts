/**
 * AWS SDK clients, built once per Lambda container on first use (not at import, so a
 * test can point them at moto through AWS_ENDPOINT_URL before the first call). Region,
 * credentials and endpoint come from the environment as the SDK reads it.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { KafkaClient } from '@aws-sdk/client-kafka';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';

function once<T>(make: () => T): () => T {
  let client: T | undefined;
  return () => (client ??= make());
}

/** Path-style addressing: moto (and any S3 endpoint without wildcard DNS) needs it. */
export const s3Client = once(() => new S3Client({ forcePathStyle: true }));
export const cloudWatchClient = once(() => new CloudWatchClient({}));
export const snsClient = once(() => new SNSClient({}));
export const sfnClient = once(() => new SFNClient({}));
export const mskClient = once(() => new KafkaClient({}));
export const secretsClient = once(() => new SecretsManagerClient({}));
