/**
 * Amazon MSK IAM authentication for kafkajs: OAUTHBEARER with a token from
 * aws-msk-iam-sasl-signer-js — a presigned `kafka-cluster:Connect` URL for the region,
 * base64url, valid 900 s or until the signing credentials expire, whichever is first
 * (signer 1.0.3, the fix for its issue #21: tokens that outlived their credentials made
 * authentication fail after a day).
 *
 * kafkajs asks `oauthBearerProvider` on every (re-)authentication of every connection and
 * leaves caching to it. It re-authenticates a connection when less than
 * `reauthenticationThreshold` (10 s by default) of the session lifetime the broker gave
 * is left; MSK gives the token's remaining life. So the token is cached and renewed once
 * less than `refreshMarginMs` (60 s, well above kafkajs' 10 s) of its life is left: a
 * connection never authenticates with a token about to expire. Calls that overlap share
 * one signing.
 */
import type { generateAuthToken as GenerateAuthToken } from 'aws-msk-iam-sasl-signer-js';

import { MskIamTokenError } from '../errors.js';

/** AWS credentials as the SDK's providers give them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

export const DEFAULT_REFRESH_MARGIN_MS = 60_000;

/**
 * The session name of roles the default chain assumes (an ini profile's role_arn, web
 * identity): fixed, so the principal stays the same across re-authentications (MSK
 * refuses "Cannot change principals during re-authentication" otherwise).
 */
export const ROLE_SESSION_NAME = 'kafka-upgrade-verifier';

export interface MskIamTokenProviderOptions {
  region: string;
  /** Where the signing credentials come from; default: the AWS SDK's default chain. */
  credentials?: AwsCredentialsProvider;
  /** Renew a token with less than this left; default 60 s. */
  refreshMarginMs?: number;
  /** Wall clock; default Date.now. */
  clock?: () => number;
}

export { MskIamTokenError };

interface Token {
  token: string;
  expiryTime: number;
}

/** A kafkajs `oauthBearerProvider`: `{ value: token }`, cached until near its expiry. */
export function mskIamTokenProvider(
  options: MskIamTokenProviderOptions,
): () => Promise<{ value: string }> {
  const clock = options.clock ?? Date.now;
  const margin = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  let current: Token | null = null;
  let pending: Promise<Token> | null = null;

  const sign = async (): Promise<Token> => {
    try {
      // Loaded on first signing: only msk-iam clusters pay for the signer and the AWS
      // SDK parts it brings (a Lambda's cold start, the CLI's start-up).
      const { generateAuthToken, generateAuthTokenFromCredentialsProvider } =
        await import('aws-msk-iam-sasl-signer-js');
      return options.credentials === undefined
        ? await generateAuthToken({
            region: options.region,
            awsRoleSessionName: ROLE_SESSION_NAME,
          } as Parameters<typeof GenerateAuthToken>[0])
        : await generateAuthTokenFromCredentialsProvider({
            region: options.region,
            awsCredentialsProvider: options.credentials,
          });
    } catch (error) {
      throw new MskIamTokenError(
        `could not sign an MSK IAM token for ${options.region}: ${(error as Error).message}. ` +
          'The AWS SDK looks for credentials in AWS_PROFILE/~/.aws, the environment, or the role of the ' +
          'Lambda, container or instance; check that one is there and allowed kafka-cluster:Connect.',
        { cause: error },
      );
    }
  };

  const fresh = (token: Token | null): token is Token => {
    if (token === null) return false;
    return token.expiryTime - clock() > margin;
  };

  return async () => {
    if (!fresh(current)) {
      pending ??= sign().finally(() => {
        pending = null;
      });
      current = await pending;
    }
    return { value: current.token };
  };
}
