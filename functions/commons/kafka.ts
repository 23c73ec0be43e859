/**
 * How a handler reaches its cluster: the configured bootstrap, through the VPC's
 * resolver (or KUV_DNS_SERVER in tests), with the canary's client timeouts.
 */
import type { ClusterConfig } from '../core/config/verifier-config.js';
import { InputError } from '../core/errors.js';
import type { KafkaConnection } from '../core/kafka/client.js';
import { DNS_SERVER_ENV } from './environment.js';

/**
 * The connection for `cluster`. Only `plaintext` is wired so far: the TLS, SASL/SCRAM
 * and MSK IAM options come with functions/core/kafka/security.ts, and the secrets they
 * name are fetched by ARN at run time then; until that lands a secured cluster is
 * refused here, before anything connects, naming the setting.
 */
export function connectionFor(
  cluster: ClusterConfig,
  clientId: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): KafkaConnection {
  if (cluster.security.protocol !== 'plaintext') {
    throw new InputError(
      `cluster ${cluster.name}: security.protocol "${cluster.security.protocol}" is not supported by the Lambda handlers of this build yet (plaintext only); run the CLI against this cluster meanwhile.`,
    );
  }
  const dnsServer = env[DNS_SERVER_ENV];
  return {
    bootstrap: cluster.bootstrap,
    ...(dnsServer === undefined || dnsServer === '' ? {} : { dnsServer }),
    clientId,
    config: {
      connectionTimeout: 2000,
      requestTimeout: 10_000,
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1000 },
    },
  };
}
