/**
 * Name resolution the way the project's clients do it: through a given DNS server
 * (functions/core/kafka/dns.ts, the resolver the kafkajs socketFactory uses) or, when
 * none is given, through the system resolver (getaddrinfo, as net.connect does).
 * Every call is bounded: a DNS server that never answers costs `timeoutMs`, no more.
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';

import { ResolveFailure } from '../errors.js';
import { createBoundResolver } from '../kafka/dns.js';

/** Resolves a host to its addresses (IP literals to themselves); rejects with ResolveFailure. */
export type HostResolver = (host: string) => Promise<string[]>;

export { ResolveFailure };

export const TIMEOUT_CODE = 'ETIMEOUT';

/** Rejects with `onTimeout()` when `work` has not settled within `ms`; clears its timer either way. */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length > 0 ? code : 'EUNKNOWN';
}

/**
 * A resolver through `dnsServer` (`host:port`), or the system resolver when it is
 * undefined. Throws InputError at once for a malformed `dnsServer`.
 */
export function createHostResolver(dnsServer: string | undefined, timeoutMs: number): HostResolver {
  const lookup: (host: string) => Promise<string[]> =
    dnsServer === undefined
      ? async (host) => (await dns.lookup(host, { all: true })).map((a) => a.address)
      : (() => {
          // c-ares doubles its wait per try; two tries of a third of the bound fit in it.
          const bound = createBoundResolver(dnsServer, {
            timeoutMs: Math.max(100, Math.floor(timeoutMs / 3)),
            tries: 2,
          });
          return async (host: string) => (await bound.resolve(host)).map((a) => a.address);
        })();
  return async (host) => {
    if (isIP(host) !== 0) return [host];
    try {
      const addresses = await withTimeout(
        lookup(host),
        timeoutMs,
        () => new ResolveFailure(TIMEOUT_CODE, host),
      );
      if (addresses.length === 0) throw new ResolveFailure('ENOTFOUND', host);
      return addresses;
    } catch (error) {
      if (error instanceof ResolveFailure) throw error;
      throw new ResolveFailure(codeOf(error), host);
    }
  };
}
