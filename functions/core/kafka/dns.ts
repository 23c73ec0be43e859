/**
 * A DNS resolver bound to one DNS server, for clients that must resolve broker names
 * through a server that is not the machine's default (a test DNS server on a private
 * loopback port, a VPC resolver). Each call makes its own resolver: no process-global
 * state, so two clients in one process can use two different servers.
 */
import { promises as dnsPromises } from 'node:dns';
import { isIP } from 'node:net';

import { DnsLookupError, InputError } from '../errors.js';
import { formatEndpoint, parseEndpoint } from './endpoints.js';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export interface BoundResolver {
  /** The server this resolver asks, as `host:port`. */
  readonly server: string;
  /** All addresses of a name: A records first, then AAAA. Rejects with DnsLookupError. */
  resolve(name: string): Promise<ResolvedAddress[]>;
}

export { DnsLookupError };

export interface ResolverOptions {
  /** Milliseconds per try; default 1000. */
  timeoutMs?: number;
  /** Tries per query; default 2. */
  tries?: number;
}

/**
 * Parses `host:port`, `host` (port 53), `[v6]:port` or a bare IPv6 literal into what
 * Resolver.setServers takes. The host must be an IP address: a resolver cannot look
 * up its own server.
 */
export function parseDnsServer(server: string): string {
  const { endpoint, problem } = parseEndpoint(server, { defaultPort: 53 });
  if (endpoint === null) {
    throw new InputError(
      `DNS server '${server}' ${problem}. Give an IP address with an optional port (e.g. 127.0.0.1:15353).`,
    );
  }
  if (isIP(endpoint.host) === 0) {
    throw new InputError(
      `DNS server '${server}' is not an IP address with an optional port (e.g. 127.0.0.1:15353).`,
    );
  }
  return formatEndpoint(endpoint);
}

export function createBoundResolver(server: string, options: ResolverOptions = {}): BoundResolver {
  const normalized = parseDnsServer(server);
  const resolver = new dnsPromises.Resolver({
    timeout: options.timeoutMs ?? 1000,
    tries: options.tries ?? 2,
  });
  resolver.setServers([normalized]);

  async function query(name: string, family: 4 | 6): Promise<ResolvedAddress[]> {
    try {
      const addresses =
        family === 4 ? await resolver.resolve4(name) : await resolver.resolve6(name);
      return addresses.map((address) => ({ address, family }));
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'EUNKNOWN';
      if (code === 'ENODATA' || code === 'ENOTFOUND') return [];
      throw new DnsLookupError(name, normalized, code, error);
    }
  }

  return {
    server: normalized,
    async resolve(name: string): Promise<ResolvedAddress[]> {
      const literal = isIP(name);
      if (literal !== 0) return [{ address: name, family: literal as 4 | 6 }];
      const v4 = await query(name, 4);
      const all = v4.length > 0 ? v4 : await query(name, 6);
      if (all.length === 0) throw new DnsLookupError(name, normalized, 'ENOTFOUND');
      return all;
    },
  };
}
