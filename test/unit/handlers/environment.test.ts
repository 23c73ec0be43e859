import { describe, expect, it } from 'vitest';

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
  });

  it('the slice length: 10 minutes unless set, 1 s to 14 min', () => {
    expect(sliceMsFromEnv({})).toBe(600_000);
    expect(sliceMsFromEnv({ KUV_SLICE_MS: '3000' })).toBe(3000);
    expect(() => sliceMsFromEnv({ KUV_SLICE_MS: '900000' })).toThrow(/KUV_SLICE_MS must be/);
  });

  it('connects plaintext clusters through the VPC resolver, or KUV_DNS_SERVER when set', () => {
    const cluster = clusterConfigFromEnv(clusterEnv());
    expect(connectionFor(cluster, 'id', {})).toMatchObject({
      bootstrap: cluster.bootstrap,
      clientId: 'id',
    });
    expect(connectionFor(cluster, 'id', {}).dnsServer).toBeUndefined();
    expect(connectionFor(cluster, 'id', { KUV_DNS_SERVER: '127.0.0.1:15353' }).dnsServer).toBe(
      '127.0.0.1:15353',
    );
  });

  it('refuses a secured cluster by its setting until the security options reach the handlers', () => {
    const cluster = clusterConfigFromEnv(clusterEnv());
    expect(() =>
      connectionFor({ ...cluster, security: { protocol: 'msk-iam' } }, 'id', {}),
    ).toThrow(
      /cluster orders: security\.protocol "msk-iam" is not supported by the Lambda handlers/,
    );
  });
});
