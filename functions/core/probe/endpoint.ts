/**
 * Endpoints as the history writes them (docs/history-format.md, `probe` records):
 * `host:port`, an IPv6 literal in brackets (`[::1]:9092`).
 */
import { isIP } from 'node:net';

import { InputError } from '../errors.js';

export interface Endpoint {
  /** The host without brackets: a DNS name, an IPv4 or an IPv6 literal. */
  readonly host: string;
  readonly port: number;
  /** `host:port`, or `[v6]:port`: the form a `probe` record's `endpoint` takes. */
  readonly endpoint: string;
  /** 4 or 6 when the host is an IP literal, 0 for a name. */
  readonly ipLiteral: 0 | 4 | 6;
}

const NAME =
  /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;

/** The endpoint of a host and port, as a broker advertises them (an IPv6 host without brackets). */
export function endpointOf(host: string, port: number): Endpoint {
  const literal = isIP(host) as 0 | 4 | 6;
  return {
    host,
    port,
    endpoint: literal === 6 ? `[${host}]:${port}` : `${host}:${port}`,
    ipLiteral: literal,
  };
}

/** Parses `host:port` or `[v6]:port`; throws InputError naming the text and what is wrong. */
export function parseEndpoint(text: string): Endpoint {
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]*)\]:(\d{1,5})$/.exec(trimmed);
  const plain = /^([^:[\]\s]+):(\d{1,5})$/.exec(trimmed);
  const match = bracketed ?? plain;
  if (match === null) {
    throw new InputError(
      `endpoint '${text}' is not host:port (e.g. broker-1.kafka.test:9092, 10.0.1.17:9092, [::1]:9092); ` +
        'write an IPv6 address in brackets.',
    );
  }
  const host = match[1]!;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) {
    throw new InputError(`endpoint '${text}' has port ${port}; use 1-65535.`);
  }
  if (bracketed !== null ? isIP(host) !== 6 : isIP(host) === 0 && !NAME.test(host)) {
    throw new InputError(
      bracketed !== null
        ? `endpoint '${text}': only an IPv6 address goes in brackets.`
        : `endpoint '${text}': '${host}' is neither a DNS name nor an IPv4 address.`,
    );
  }
  return endpointOf(host, port);
}

/** Parses a comma-separated endpoint list (a bootstrap string); duplicates are kept once. */
export function parseEndpointList(text: string): Endpoint[] {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length === 0) {
    throw new InputError(`'${text}' names no endpoint; give host:port[,host:port…].`);
  }
  const seen = new Map<string, Endpoint>();
  for (const part of parts) {
    const endpoint = parseEndpoint(part);
    if (!seen.has(endpoint.endpoint)) seen.set(endpoint.endpoint, endpoint);
  }
  return [...seen.values()];
}
