import { describe, expect, it } from 'vitest';

import { InputError } from '../../../functions/core/errors.js';

import { clusterConfigFromEnv, sliceMsFromEnv } from '../../../functions/commons/environment.js';
import { connectionFor } from '../../../functions/commons/kafka.js';
import { clusterEnv } from './fakes.js';

describe('what a handler reads from its environment', () => {
  it('the cluster configuration, checked for the fields the handlers use', () => {
    expect(clusterConfigFromEnv(clusterEnv()).name).toBe('orders');
    expect(() => clusterConfigFromEnv({ KUV_CLUSTER_CONFIG: '{' })).toThrow(
      /KUV_CLUSTER_CONFIG is not JSON/,
    );
    expect(() => clusterConfigFromEnv({ KUV_CLUSTER_CONFIG: '{"name":"orders"}' })).toThrow(
      /KUV_CLUSTER_CONFIG lacks bootstrap, security, canary, policy, windowMs/,
    );
    const withoutMode = JSON.parse(clusterEnv().KUV_CLUSTER_CONFIG) as {
      canary: Record<string, unknown>;
    };
    delete withoutMode.canary.mode;
    expect(() => clusterConfigFromEnv({ KUV_CLUSTER_CONFIG: JSON.stringify(withoutMode) })).toThrow(
      /canary.mode is missing; it must be one of idempotent, at-least-once/,
    );
    withoutMode.canary.mode = 'exactly-once';
    expect(() => clusterConfigFromEnv({ KUV_CLUSTER_CONFIG: JSON.stringify(withoutMode) })).toThrow(
      /canary.mode is not one of the producer modes/,
    );
  });

  it('the slice length: 10 minutes unless set, 1 s to 14 min', () => {
    expect(sliceMsFromEnv({})).toBe(600_000);
    expect(sliceMsFromEnv({ KUV_SLICE_MS: '3000' })).toBe(3000);
    expect(() => sliceMsFromEnv({ KUV_SLICE_MS: '900000' })).toThrow(/KUV_SLICE_MS must be/);
  });

  it('connects plaintext clusters through the VPC resolver, or KUV_DNS_SERVER when set', async () => {
    const cluster = clusterConfigFromEnv(clusterEnv());
    const noSecrets = () => Promise.reject(new Error('a plaintext cluster reads no secret'));
    const plain = await connectionFor(cluster, 'id', {}, noSecrets);
    expect(plain).toMatchObject({ bootstrap: cluster.bootstrap, clientId: 'id' });
    expect(plain.dnsServer).toBeUndefined();
    expect(plain.security).toBeUndefined();
    const viaDns = await connectionFor(cluster, 'id', { KUV_DNS_SERVER: '127.0.0.1:15353' });
    expect(viaDns.dnsServer).toBe('127.0.0.1:15353');
  });

  const CA_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kuv-ca-AbCdEf';
  const SCRAM_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_kuv-AbCdEf';
  const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
  const secrets =
    (values: Record<string, string>) =>
    (arn: string): Promise<string> =>
      arn in values ? Promise.resolve(values[arn]!) : Promise.reject(new Error(`no ${arn}`));

  it("reads a SASL/SCRAM cluster's CA and credentials by ARN, the password never shown", async () => {
    const cluster = clusterConfigFromEnv(clusterEnv());
    const connection = await connectionFor(
      {
        ...cluster,
        security: { protocol: 'sasl-scram', caSecretArn: CA_ARN, saslSecretArn: SCRAM_ARN },
      },
      'id',
      {},
      secrets({ [CA_ARN]: PEM, [SCRAM_ARN]: '{"username":"canary","password":"s3cret-pw"}' }),
    );
    expect(connection.security).toMatchObject({
      security: 'sasl-scram',
      caPem: PEM,
      caFile: CA_ARN,
      saslUsername: 'canary',
    });
    expect(connection.security?.saslPassword?.reveal()).toBe('s3cret-pw');
    expect(JSON.stringify(connection)).not.toContain('s3cret-pw');
  });

  it('names the secret, never its value, when the SCRAM secret is not {"username","password"}', async () => {
    const cluster = clusterConfigFromEnv(clusterEnv());
    const error = await connectionFor(
      { ...cluster, security: { protocol: 'sasl-scram', saslSecretArn: SCRAM_ARN } },
      'id',
      {},
      secrets({ [SCRAM_ARN]: 'just-the-password' }),
    ).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(
      new RegExp(`secret ${SCRAM_ARN} \\(security\\.saslSecretArn\\) must be JSON`),
    );
    expect((error as Error).message).not.toContain('just-the-password');
  });

  it('signs MSK IAM for the region of the cluster ARN', async () => {
    const cluster = clusterConfigFromEnv(clusterEnv());
    const connection = await connectionFor(
      {
        ...cluster,
        security: { protocol: 'msk-iam' },
        mskClusterArn: 'arn:aws:kafka:ap-southeast-2:123456789012:cluster/orders/abcd-1',
      },
      'id',
      {},
      secrets({}),
    );
    expect(connection.security).toMatchObject({ security: 'msk-iam', region: 'ap-southeast-2' });
  });
});
