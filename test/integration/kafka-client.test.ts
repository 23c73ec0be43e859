/**
 * The DNS-bound client pieces (functions/core/kafka) at their edges: bad inputs, a DNS
 * server that is not there, address-family filtering, two clients bound to two servers
 * in one process.
 */
import dgram from 'node:dgram';

import { describe, expect, it } from 'vitest';

import { InputError } from '../../functions/core/errors.js';
import { createKafka, lookupVia, parseBootstrap } from '../../functions/core/kafka/client.js';
import {
  createBoundResolver,
  DnsLookupError,
  parseDnsServer,
} from '../../functions/core/kafka/dns.js';
import { testCluster } from './helpers.js';

const cluster = testCluster();

describe('functions/core/kafka', () => {
  it('parses DNS server and bootstrap strings, and names the bad one', () => {
    expect(parseDnsServer('127.0.0.1:15353')).toBe('127.0.0.1:15353');
    expect(parseDnsServer('127.0.0.1')).toBe('127.0.0.1:53');
    expect(parseDnsServer('[::1]:5353')).toBe('[::1]:5353');
    expect(() => parseDnsServer('dns.example:53')).toThrow(InputError);
    expect(() => parseDnsServer('127.0.0.1:99999')).toThrow(/bad port/);
    expect(parseBootstrap(' broker-1.kafka.test:19092, broker-2.kafka.test:19092 ')).toEqual([
      'broker-1.kafka.test:19092',
      'broker-2.kafka.test:19092',
    ]);
    expect(() => parseBootstrap('broker-1.kafka.test')).toThrow(
      /not a comma-separated list of host:port/,
    );
    expect(() => createKafka({ bootstrap: '' })).toThrow(InputError);
  });

  it('fails a lookup with a DnsLookupError when the DNS server does not answer', async () => {
    // A UDP socket that never replies: the resolver must time out, not hang.
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address();
      const resolver = createBoundResolver(`127.0.0.1:${port}`, { timeoutMs: 200, tries: 1 });
      const error = await resolver.resolve('broker-1.kafka.test').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DnsLookupError);
      expect((error as DnsLookupError).retriable).toBe(true);
      expect((error as Error).message).toContain(`broker-1.kafka.test through 127.0.0.1:${port}`);
    } finally {
      silent.close();
    }
  });

  it('answers IP literals without asking, and filters by address family', async () => {
    const resolver = createBoundResolver('127.0.0.1:1', { timeoutMs: 100, tries: 1 });
    expect(await resolver.resolve('127.0.0.7')).toEqual([{ address: '127.0.0.7', family: 4 }]);
    if (cluster.dnsServer === null) return;
    const bound = createBoundResolver(cluster.dnsServer);
    const name = cluster.bootstrap.split(':')[0]!;
    const lookup = lookupVia(bound);
    const v6 = await new Promise<unknown[]>((resolve) =>
      lookup(name, { family: 6 }, (...args) => resolve(args)),
    );
    expect((v6[0] as NodeJS.ErrnoException).code).toBe('ENOTFOUND');
    const v4 = await new Promise<unknown[]>((resolve) =>
      lookup(name, { family: 4, all: true }, (...args) => resolve(args)),
    );
    expect(v4[0]).toBeNull();
    expect((v4[1] as Array<{ family: number }>).every((a) => a.family === 4)).toBe(true);
  });

  it('keeps each resolver bound to its own server (no process-global DNS state)', async () => {
    if (cluster.dnsServer === null) return;
    const name = cluster.bootstrap.split(':')[0]!;
    const good = createBoundResolver(cluster.dnsServer);
    const bad = createBoundResolver('127.0.0.1:1', { timeoutMs: 200, tries: 1 });
    const [a, b] = await Promise.allSettled([good.resolve(name), bad.resolve(name)]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('rejected');
    // And the system resolver still does not know the name.
    const { promises } = await import('node:dns');
    await expect(promises.lookup(name)).rejects.toThrow();
  });
});
