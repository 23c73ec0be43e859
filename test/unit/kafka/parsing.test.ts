/**
 * The pure parts of functions/core/kafka: bootstrap lists, DNS server addresses and
 * `host:port` endpoints (IPv6 literals in brackets, as the history format writes
 * them), and the lookup adapter over a resolver. No network: the resolver is a fake.
 */
import { describe, expect, it } from 'vitest';

import { InputError } from '../../../functions/core/errors.js';
import { createKafka, lookupVia, parseBootstrap } from '../../../functions/core/kafka/client.js';
import { createBoundResolver, parseDnsServer } from '../../../functions/core/kafka/dns.js';
import type { BoundResolver, ResolvedAddress } from '../../../functions/core/kafka/dns.js';
import {
  formatEndpoint,
  parseEndpoint,
  parsePort,
} from '../../../functions/core/kafka/endpoints.js';

describe('parseEndpoint', () => {
  it.each([
    ['broker-1.kafka.test:19092', 'broker-1.kafka.test', 19092],
    ['10.0.1.17:9092', '10.0.1.17', 9092],
    ['[::1]:9092', '::1', 9092],
    ['[2001:db8::17]:9094', '2001:db8::17', 9094],
    ['  b-1.kafka.example:1  ', 'b-1.kafka.example', 1],
    ['b-1.kafka.example:65535', 'b-1.kafka.example', 65535],
    ['b-1.kafka.example:09092', 'b-1.kafka.example', 9092],
  ])('reads %j as host %j, port %i', (text, host, port) => {
    expect(parseEndpoint(text)).toEqual({ endpoint: { host, port }, problem: null });
  });

  it.each([
    ['', 'is empty'],
    ['   ', 'is empty'],
    ['broker-1.kafka.test', 'has no port'],
    ['[::1]', 'has no port'],
    [':9092', 'has no host before the port'],
    ['broker-1.kafka.test:0', "has port '0'"],
    ['broker-1.kafka.test:65536', "has port '65536'"],
    ['broker-1.kafka.test:99999', "has port '99999'"],
    ['broker-1.kafka.test:-1', "has port '-1'"],
    ['broker-1.kafka.test:', "has port ''"],
    ['broker-1.kafka.test:9092x', "has port '9092x'"],
    ['[::1]:70000', "has port '70000'"],
    ['::1:9092', 'an IPv6 address takes brackets before its port'],
    ['::ffff:9092', 'an IPv6 address takes brackets before its port'],
    ['10.0.0.1:9092:1', 'write an IPv6 address in brackets'],
    ['2001:db8::17', 'has no port'],
    ['[broker-1.kafka.test]:9092', 'not an IPv6 address'],
    ['[127.0.0.1]:9092', 'not an IPv6 address'],
    ['[::1:9092', 'not an IPv6 address'],
    ['broker 1:9092', 'has a space'],
    ['a:1,b:2', 'has a space or a comma'],
  ])('rejects %j: it %s', (text, problem) => {
    const parsed = parseEndpoint(text);
    expect(parsed.endpoint).toBeNull();
    expect(parsed.problem).toContain(problem);
  });

  it('takes a default port only when one is given', () => {
    expect(parseEndpoint('127.0.0.1', { defaultPort: 53 }).endpoint).toEqual({
      host: '127.0.0.1',
      port: 53,
    });
    expect(parseEndpoint('::1', { defaultPort: 53 }).endpoint).toEqual({ host: '::1', port: 53 });
    expect(parseEndpoint('[::1]', { defaultPort: 53 }).endpoint).toEqual({ host: '::1', port: 53 });
  });

  it('reads ports as whole numbers from 1 to 65535', () => {
    expect(parsePort('1')).toBe(1);
    expect(parsePort('65535')).toBe(65535);
    expect(parsePort('0')).toBeNull();
    expect(parsePort('65536')).toBeNull();
    expect(parsePort('1e3')).toBeNull();
    expect(parsePort(' 80')).toBeNull();
  });

  it('writes IPv6 hosts in brackets and round-trips what it reads', () => {
    expect(formatEndpoint({ host: '::1', port: 9092 })).toBe('[::1]:9092');
    expect(formatEndpoint({ host: '10.0.1.17', port: 9092 })).toBe('10.0.1.17:9092');
    for (const text of ['[2001:db8::17]:9094', 'b-1.kafka.example:9092', '127.0.0.3:19192']) {
      const { endpoint } = parseEndpoint(text);
      expect(endpoint).not.toBeNull();
      expect(formatEndpoint(endpoint!)).toBe(text);
    }
  });
});

describe('parseBootstrap', () => {
  it('splits at commas and trims each entry', () => {
    expect(parseBootstrap(' broker-1.kafka.test:19092, broker-2.kafka.test:19092 ')).toEqual([
      'broker-1.kafka.test:19092',
      'broker-2.kafka.test:19092',
    ]);
    expect(parseBootstrap('\tb-1.kafka.example:9092\n,\nb-2.kafka.example:9092')).toEqual([
      'b-1.kafka.example:9092',
      'b-2.kafka.example:9092',
    ]);
  });

  it('takes IPv6 literals in brackets, as the history format writes endpoints', () => {
    expect(parseBootstrap('[::1]:9092,[2001:db8::17]:9094, 127.0.0.1:9092')).toEqual([
      '[::1]:9092',
      '[2001:db8::17]:9094',
      '127.0.0.1:9092',
    ]);
  });

  it('skips empty entries: doubled and trailing commas', () => {
    expect(parseBootstrap('a.test:1,,b.test:2,')).toEqual(['a.test:1', 'b.test:2']);
    expect(parseBootstrap(', a.test:1 , ,')).toEqual(['a.test:1']);
  });

  it.each(['', '   ', ',', ' , ,'])('rejects %j: it names no broker', (bootstrap) => {
    expect(() => parseBootstrap(bootstrap)).toThrow(InputError);
    expect(() => parseBootstrap(bootstrap)).toThrow(/names no broker/);
  });

  it.each([
    ['broker-1.kafka.test', "entry 'broker-1.kafka.test' has no port"],
    ['a.test:1,b.test:0', "entry 'b.test:0' has port '0'"],
    ['a.test:99999', "entry 'a.test:99999' has port '99999'"],
    ['a.test:65536', "entry 'a.test:65536' has port '65536'"],
    ['::1:9092', "entry '::1:9092' has no port (an IPv6 address takes brackets"],
    ['b.test:9092:9093', "entry 'b.test:9092:9093' has more than one colon"],
    ['[::1]', "entry '[::1]' has no port"],
    ['[b-1.kafka.example]:9092', 'not an IPv6 address'],
    ['a.test:1, broker 2:9092', "entry 'broker 2:9092' has a space"],
  ])('rejects %j naming the bad entry', (bootstrap, message) => {
    expect(() => parseBootstrap(bootstrap)).toThrow(InputError);
    expect(() => parseBootstrap(bootstrap)).toThrow(message);
  });
});

describe('createKafka', () => {
  it('rejects a bootstrap list that names no broker before making a client', () => {
    expect(() => createKafka({ bootstrap: '' })).toThrow(InputError);
    expect(() => createKafka({ bootstrap: '' })).toThrow(/names no broker/);
  });

  it('rejects an IPv6 literal bootstrap entry, which kafkajs 2.2.4 would dial as host "["', () => {
    expect(() => createKafka({ bootstrap: 'a.test:9092,[::1]:9092' })).toThrow(InputError);
    expect(() => createKafka({ bootstrap: 'a.test:9092,[::1]:9092' })).toThrow(
      /IPv6 address \[::1\]:9092, which kafkajs 2\.2\.4 cannot dial/,
    );
  });

  it('rejects a DNS server that is not an address before making a client', () => {
    expect(() => createKafka({ bootstrap: 'a.test:9092', dnsServer: 'dns.example' })).toThrow(
      "DNS server 'dns.example' is not an IP address",
    );
  });
});

describe('parseDnsServer', () => {
  it.each([
    ['127.0.0.1:15353', '127.0.0.1:15353'],
    ['127.0.0.1', '127.0.0.1:53'],
    [' 127.0.0.1:5353 ', '127.0.0.1:5353'],
    ['[::1]:5353', '[::1]:5353'],
    ['[::1]', '[::1]:53'],
    ['::1', '[::1]:53'],
    ['2001:db8::53', '[2001:db8::53]:53'],
  ])('reads %j as %j', (server, normalized) => {
    expect(parseDnsServer(server)).toBe(normalized);
  });

  it.each([
    ['dns.example:53', 'is not an IP address'],
    ['dns.example', 'is not an IP address'],
    ['127.0.0.1:99999', "has port '99999'"],
    ['127.0.0.1:0', "has port '0'"],
    ['[::1]:65536', "has port '65536'"],
    ['127.0.0.1:', "has port ''"],
    ['', 'is empty'],
    ['127.0.0.1:53,127.0.0.2:53', 'has a space or a comma'],
  ])('rejects %j naming it: %s', (server, message) => {
    expect(() => parseDnsServer(server)).toThrow(InputError);
    expect(() => parseDnsServer(server)).toThrow(`DNS server '${server}' ${message}`);
  });
});

describe('createBoundResolver', () => {
  it('answers IP literals without asking its server', async () => {
    // Port 1 on loopback serves no DNS: an answer proves nothing was asked.
    const resolver = createBoundResolver('127.0.0.1:1', { timeoutMs: 100, tries: 1 });
    expect(await resolver.resolve('127.0.0.7')).toEqual([{ address: '127.0.0.7', family: 4 }]);
    expect(await resolver.resolve('::1')).toEqual([{ address: '::1', family: 6 }]);
  });
});

describe('lookupVia', () => {
  const fake = (addresses: ResolvedAddress[]): BoundResolver => ({
    server: '127.0.0.1:15353',
    resolve: () => Promise.resolve(addresses),
  });
  const call = (resolver: BoundResolver, options: unknown) =>
    new Promise<unknown[]>((resolve) =>
      lookupVia(resolver)('broker-1.kafka.test', options, (...args) => resolve(args)),
    );
  const both: ResolvedAddress[] = [
    { address: '127.0.0.1', family: 4 },
    { address: '127.0.0.2', family: 4 },
    { address: '::1', family: 6 },
  ];

  it('answers { all: true } with every address, as Node 20 asks', async () => {
    expect(await call(fake(both), { all: true })).toEqual([null, both]);
  });

  it('answers without all with the first address and its family', async () => {
    expect(await call(fake(both), {})).toEqual([null, '127.0.0.1', 4]);
    expect(await call(fake(both), undefined)).toEqual([null, '127.0.0.1', 4]);
  });

  it('keeps only the asked family', async () => {
    expect(await call(fake(both), { family: 6, all: true })).toEqual([
      null,
      [{ address: '::1', family: 6 }],
    ]);
    expect(await call(fake(both), { family: 4 })).toEqual([null, '127.0.0.1', 4]);
  });

  it('fails with ENOTFOUND naming the server when the asked family has no address', async () => {
    const [error, address] = await call(fake(both.slice(0, 2)), { family: 6 });
    expect((error as NodeJS.ErrnoException).code).toBe('ENOTFOUND');
    expect((error as Error).message).toBe(
      'broker-1.kafka.test has no IPv6 address at 127.0.0.1:15353',
    );
    expect(address).toBe('');
  });

  it('passes the resolver error on, with an empty list when all was asked', async () => {
    const failure = Object.assign(new Error('timed out'), { code: 'ETIMEOUT' });
    const failing: BoundResolver = { server: 'x', resolve: () => Promise.reject(failure) };
    expect(await call(failing, { all: true })).toEqual([failure, [], 0]);
  });
});
