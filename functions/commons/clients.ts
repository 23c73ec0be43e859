/**
 * AWS SDK clients, built once per Lambda container on first use (not at import, so a
 * test can point them at moto through AWS_ENDPOINT_URL before the first call). Region,
 * credentials and endpoint come from the environment as the SDK reads it.
 *
 * Every client has HTTP timeouts (SDK_HTTP_TIMEOUTS): without them an endpoint that
 * accepts a connection and never answers (a VPC without a route to S3, a half-open
 * endpoint) holds the function until its 15-minute timeout; with them it is an error
 * naming the call, after at most the SDK's three attempts.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { KafkaClient } from '@aws-sdk/client-kafka';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';

export interface SdkHttpTimeouts {
  /** Milliseconds to open the connection (TCP and TLS). */
  readonly connectionTimeout: number;
  /** Milliseconds for a whole request once connected. */
  readonly requestTimeout: number;
}

/**
 * 5 s to connect, 20 s a request: three attempts of a history part's upload fit in the
 * canary slice's 90 s end margin (SLICE_END_MARGIN_MS).
 */
export const SDK_HTTP_TIMEOUTS: SdkHttpTimeouts = {
  connectionTimeout: 5000,
  requestTimeout: 20_000,
};

/**
 * The client options every client gets: the timeouts as the Node HTTP handler's options,
 * with throwOnRequestTimeout (without it, this SDK only logs a warning when a request
 * runs past requestTimeout and goes on waiting).
 */
export function sdkClientConfig(timeouts: SdkHttpTimeouts = SDK_HTTP_TIMEOUTS) {
  return { requestHandler: { ...timeouts, throwOnRequestTimeout: true } };
}

function once<T>(make: () => T): () => T {
  let client: T | undefined;
  return () => (client ??= make());
}

/** Path-style addressing: moto (and any S3 endpoint without wildcard DNS) needs it. */
export const s3Client = once(() => new S3Client({ ...sdkClientConfig(), forcePathStyle: true }));
export const cloudWatchClient = once(() => new CloudWatchClient(sdkClientConfig()));
export const snsClient = once(() => new SNSClient(sdkClientConfig()));
export const sfnClient = once(() => new SFNClient(sdkClientConfig()));
export const mskClient = once(() => new KafkaClient(sdkClientConfig()));
export const secretsClient = once(() => new SecretsManagerClient(sdkClientConfig()));
