/**
 * The DNS-bound client pieces (functions/core/kafka) against real DNS servers: one that
 * never answers, and the test cluster's, with two clients bound to two servers in one
 * process. The pure parsing and lookup tests live in test/unit/kafka.
 */
import dgram from 'node:dgram';
import { promises as systemDns } from 'node:dns';

import { describe, expect, it } from 'vitest';

import { lookupVia } from '../../functions/core/kafka/client.js';
import { createBoundResolver, DnsLookupError } from '../../functions/core/kafka/dns.js';
import { testCluster } from '../support/cluster.js';

const cluster = testCluster();
const NO_DNS_SERVER =
  'skipped when the cluster under test has no DNS server (KUV_DNS_SERVER unset)';

describe('functions/core/kafka with real DNS servers', () => {
  it('fails a lookup with a DnsLookupError when the DNS server does not answer', async () => {
    // A UDP socket that never replies: the resolver must time out, not hang.
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address();
      const resolver = createBoundResolver(`127.0.0.1:${port}`, { timeoutMs: 200, tries: 1 });
      const error = await resolver.resolve('broker-1.kafka.test').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DnsLookupError);
      expect((error as DnsLookupError).code).toMatch(/^E/);
      expect((error as Error).message).toContain(`broker-1.kafka.test through 127.0.0.1:${port}`);
    } finally {
      silent.close();
    }
  });

  describe.skipIf(cluster.dnsServer === null)(
    `through the cluster's DNS server (${NO_DNS_SERVER})`,
    () => {
      const dnsServer = cluster.dnsServer ?? '';
      const name = cluster.bootstrap.split(':')[0] ?? '';

      it('finds a broker name over IPv4 and answers a lookup for IPv6 with ENOTFOUND', async () => {
        const lookup = lookupVia(createBoundResolver(dnsServer));
        const v6 = await new Promise<unknown[]>((resolve) =>
          lookup(name, { family: 6 }, (...args) => resolve(args)),
        );
        expect((v6[0] as NodeJS.ErrnoException).code).toBe('ENOTFOUND');
        const v4 = await new Promise<unknown[]>((resolve) =>
          lookup(name, { family: 4, all: true }, (...args) => resolve(args)),
        );
        expect(v4[0]).toBeNull();
        expect(v4[1]).not.toEqual([]);
        expect((v4[1] as Array<{ family: number }>).every((a) => a.family === 4)).toBe(true);
      });

      it('keeps each resolver bound to its own server (no process-global DNS state)', async () => {
        const good = createBoundResolver(dnsServer);
        const bad = createBoundResolver('127.0.0.1:1', { timeoutMs: 200, tries: 1 });
        const [a, b] = await Promise.allSettled([good.resolve(name), bad.resolve(name)]);
        expect(a.status).toBe('fulfilled');
        expect(b.status).toBe('rejected');
        expect((b as PromiseRejectedResult).reason).toBeInstanceOf(DnsLookupError);
        // And the system resolver still does not know the name.
        await expect(systemDns.lookup(name)).rejects.toMatchObject({
          code: expect.stringMatching(/^(ENOTFOUND|EAI_AGAIN)$/),
        });
      });
    },
  );
});
