import { describe, expect, it } from 'vitest';

import { InputError } from '../../../functions/core/errors.js';
import {
  endpointOf,
  parseEndpoint,
  parseEndpointList,
} from '../../../functions/core/probe/endpoint.js';

describe('parseEndpoint', () => {
  it('reads a DNS name and port as a name endpoint', () => {
    expect(parseEndpoint('broker-1.kafka.test:9092')).toEqual({
      host: 'broker-1.kafka.test',
      port: 9092,
      endpoint: 'broker-1.kafka.test:9092',
      ipLiteral: 0,
    });
  });

  it('marks an IPv4 literal as ipLiteral 4', () => {
    expect(parseEndpoint(' 10.0.1.17:9092 ')).toMatchObject({
      host: '10.0.1.17',
      endpoint: '10.0.1.17:9092',
      ipLiteral: 4,
    });
  });

  it('reads a bracketed IPv6 literal and writes it back in brackets', () => {
    expect(parseEndpoint('[::1]:9092')).toEqual({
      host: '::1',
      port: 9092,
      endpoint: '[::1]:9092',
      ipLiteral: 6,
    });
    expect(parseEndpoint('[2001:db8::17]:19092').endpoint).toBe('[2001:db8::17]:19092');
  });

  it.each([
    ['broker-1.kafka.test', /is not host:port/],
    ['::1:9092', /is not host:port/],
    ['broker:0', /port 0; use 1-65535/],
    ['broker:65536', /port 65536/],
    ['[broker-1]:9092', /only an IPv6 address goes in brackets/],
    ['bad_host!:9092', /neither a DNS name nor an IPv4 address/],
    ['-lead.example:9092', /neither a DNS name/],
  ])('rejects %s with an InputError saying what is wrong', (text, message) => {
    expect(() => parseEndpoint(text)).toThrow(InputError);
    expect(() => parseEndpoint(text)).toThrow(message);
  });
});

describe('endpointOf', () => {
  it('brackets an advertised IPv6 host and leaves names and IPv4 as they are', () => {
    expect(endpointOf('::1', 9092).endpoint).toBe('[::1]:9092');
    expect(endpointOf('127.0.0.2', 9092)).toMatchObject({
      endpoint: '127.0.0.2:9092',
      ipLiteral: 4,
    });
    expect(endpointOf('b-1.example', 9092)).toMatchObject({
      endpoint: 'b-1.example:9092',
      ipLiteral: 0,
    });
  });
});

describe('parseEndpointList', () => {
  it('splits a bootstrap list, skips blanks and keeps a repeated endpoint once', () => {
    const list = parseEndpointList('b-1.example:9092, [::1]:9092,,b-1.example:9092');
    expect(list.map((e) => e.endpoint)).toEqual(['b-1.example:9092', '[::1]:9092']);
  });

  it('rejects a list that names no endpoint', () => {
    expect(() => parseEndpointList(' , ')).toThrow(/names no endpoint/);
  });
});
