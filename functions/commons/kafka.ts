/**
 * How a handler reaches its cluster: the configured bootstrap, through the VPC's
 * resolver (or KUV_DNS_SERVER in tests), with the canary's client timeouts and the
 * cluster's security — the CA and the SASL/SCRAM credentials read by ARN from Secrets
 * Manager at run time (never from the environment, never logged).
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';

import type { ClusterConfig } from '../core/config/verifier-config.js';
import { InputError } from '../core/errors.js';
import { RUN_CLIENT_SETTINGS, type KafkaConnection } from '../core/kafka/client.js';
import { checkSecurityOptions, Secret, type SecurityOptions } from '../core/kafka/security.js';
import { secretsClient } from './aws-clients/secrets.js';
import { DNS_SERVER_ENV } from './environment.js';
import { KAFKA_LOG_LEVEL, kafkaLogCreator } from './powertools/logger.js';

/** Reads a Secrets Manager secret's string by ARN. */
export type SecretReader = (arn: string) => Promise<string>;

export const secretsManagerReader: SecretReader = async (arn) => {
  const out = await secretsClient().send(new GetSecretValueCommand({ SecretId: arn }));
  if (out.SecretString === undefined) {
    throw new InputError(
      `secret ${arn} holds binary data; store the value as a string (a PEM bundle, or {"username","password"} JSON).`,
    );
  }
  return out.SecretString;
};

/** `{"username","password"}` as Amazon MSK keeps SASL/SCRAM credentials; errors name the secret, never its value. */
function scramCredentials(arn: string, text: string): { username: string; password: Secret } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const o = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
    string,
    unknown
  >;
  if (typeof o.username !== 'string' || o.username === '' || typeof o.password !== 'string') {
    throw new InputError(
      `secret ${arn} (security.saslSecretArn) must be JSON {"username": "...", "password": "..."}, as Amazon MSK stores SASL/SCRAM users.`,
    );
  }
  return { username: o.username, password: new Secret(o.password) };
}

/** The region of an MSK cluster ARN (arn:aws:kafka:REGION:ACCOUNT:cluster/…). */
function regionOf(arn: string | undefined): string | undefined {
  return arn?.split(':')[3] || undefined;
}

/** The cluster's security options, with its secrets read through `readSecret`. */
export async function securityFor(
  cluster: ClusterConfig,
  readSecret: SecretReader,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<SecurityOptions | undefined> {
  const s = cluster.security;
  if (s.protocol === 'plaintext') return undefined;
  const caPem = s.caSecretArn === undefined ? undefined : await readSecret(s.caSecretArn);
  const scram =
    s.protocol === 'sasl-scram' && s.saslSecretArn !== undefined
      ? scramCredentials(s.saslSecretArn, await readSecret(s.saslSecretArn))
      : undefined;
  try {
    return checkSecurityOptions({
      security: s.protocol,
      ...(caPem === undefined ? {} : { caPem, caFile: s.caSecretArn }),
      ...(scram === undefined
        ? {}
        : { saslUsername: scram.username, saslPassword: scram.password }),
      ...(s.protocol === 'msk-iam'
        ? { region: regionOf(cluster.mskClusterArn) ?? env.AWS_REGION }
        : {}),
    });
  } catch (error) {
    throw new InputError(`cluster ${cluster.name}: security: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The connection for `cluster`, secrets read by ARN (Secrets Manager unless `readSecret` is given). */
export async function connectionFor(
  cluster: ClusterConfig,
  clientId: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  readSecret: SecretReader = secretsManagerReader,
): Promise<KafkaConnection> {
  const dnsServer = env[DNS_SERVER_ENV];
  const security = await securityFor(cluster, readSecret, env);
  return {
    bootstrap: cluster.bootstrap,
    ...(dnsServer === undefined || dnsServer === '' ? {} : { dnsServer }),
    ...(security === undefined ? {} : { security }),
    clientId,
    config: {
      ...RUN_CLIENT_SETTINGS,
      // kafkajs' warnings and errors reach the function's log, as JSON lines of the Logger.
      logLevel: KAFKA_LOG_LEVEL,
      logCreator: kafkaLogCreator,
    },
  };
}
