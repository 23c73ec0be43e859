/**
 * kafkajs clients that reach brokers by their advertised DNS names, resolved through
 * a given DNS server rather than the machine's resolver. Pure library code: each
 * client owns its resolver; nothing process-global is changed.
 */
import type { LookupAddress } from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';

import { Kafka, logLevel as KafkaLogLevel, type ISocketFactory, type KafkaConfig } from 'kafkajs';

import { InputError } from '../errors.js';
import { createBoundResolver, type BoundResolver } from './dns.js';
import { formatEndpoint, parseEndpoint } from './endpoints.js';
import { kafkaSecurityConfig, type KafkaSecurityDeps, type SecurityOptions } from './security.js';

/** The same keep-alive delay as kafkajs' own socket factory. */
const KEEP_ALIVE_DELAY_MS = 60_000;

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for net.connect/tls.connect backed by a bound resolver. Node 20 calls it
 * with `{ all: true }` (happy eyeballs) and expects an array; otherwise one address.
 */
export function lookupVia(resolver: BoundResolver) {
  return (hostname: string, options: unknown, callback: LookupCallback): void => {
    const opts = (typeof options === 'object' && options !== null ? options : {}) as {
      all?: boolean;
      family?: number;
    };
    resolver.resolve(hostname).then(
      (addresses) => {
        const wanted =
          opts.family === 4 || opts.family === 6
            ? addresses.filter((a) => a.family === opts.family)
            : addresses;
        if (wanted.length === 0) {
          const error: NodeJS.ErrnoException = new Error(
            `${hostname} has no IPv${opts.family} address at ${resolver.server}`,
          );
          error.code = 'ENOTFOUND';
          callback(error, opts.all === true ? [] : '', 0);
          return;
        }
        if (opts.all === true) {
          callback(null, wanted);
        } else {
          const first = wanted[0]!;
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, opts.all === true ? [] : '', 0),
    );
  };
}

/**
 * A kafkajs socketFactory that resolves broker names through `resolver` (null: the
 * machine's resolver, as kafkajs' own factory does).
 */
export function dnsSocketFactory(resolver: BoundResolver | null): ISocketFactory {
  const lookup =
    resolver === null ? undefined : (lookupVia(resolver) as unknown as net.LookupFunction);
  const withLookup = lookup === undefined ? {} : { lookup };
  return ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tls.connect(
          {
            host,
            port,
            ...withLookup,
            ...(net.isIP(host) === 0 ? { servername: host } : {}),
            ...(ssl as tls.ConnectionOptions),
          },
          onConnect,
        )
      : net.connect({ host, port, ...withLookup }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    return socket;
  };
}

/** Every socket a Kafka from createKafka has open, until it closes. */
const openSockets = new WeakMap<Kafka, Set<net.Socket>>();

/**
 * Destroys the sockets `kafka` still has open; call it once every client made from it
 * is disconnected. Returns how many there were.
 *
 * Why: kafkajs 2.2.4 can leave a broker connection behind that no disconnect reaches.
 * When a broker closes a connection under concurrent requests (a proxy or broker
 * dropping it), one request's Broker disconnects itself, a concurrent request (or its
 * retry) on the same Broker object connects it again, and the producer (sendMessages)
 * or consumer (consumerGroup) then calls cluster.removeBroker, which drops that Broker
 * from the pool without disconnecting it. producer/consumer.disconnect() only reach the
 * pool's brokers, so the orphan's socket and its request queue's 100 ms interval stay
 * referenced and the process never exits. Destroying the socket runs kafkajs' own
 * error path: the connection rejects anything in flight and disconnects, clearing
 * those timers.
 */
/** Why destroyOpenSockets closes a socket: kafkajs logs it as "Connection error: <this>". */
export const OWN_CLOSE_REASON = 'closed: every client of this connection was disconnected';

export function destroyOpenSockets(kafka: Kafka): number {
  const sockets = openSockets.get(kafka);
  if (sockets === undefined) return 0;
  const count = sockets.size;
  for (const socket of [...sockets]) {
    socket.destroy(new Error(OWN_CLOSE_REASON));
  }
  sockets.clear();
  return count;
}

/**
 * The kafkajs settings of every client a run makes, CLI and Lambda alike: a dead
 * broker shows within seconds (2 s to connect, 10 s a request), and a restart is
 * ridden out by eight quick retries (100 ms to 1 s apart) rather than kafkajs' long
 * default backoff.
 */
export const RUN_CLIENT_SETTINGS = {
  connectionTimeout: 2000,
  requestTimeout: 10_000,
  retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1000 },
} as const satisfies Partial<KafkaConfig>;

export interface KafkaConnection {
  /** Comma-separated `host:port` list, e.g. `broker-1.kafka.test:19092,…`. */
  bootstrap: string;
  /** `host:port` of the DNS server that serves the broker names; omit to use the system resolver. */
  dnsServer?: string | undefined;
  clientId?: string;
  /**
   * TLS, SASL/SCRAM or MSK IAM (functions/core/kafka/security.ts); absent: plaintext.
   * Its `ssl`/`sasl` settings win over any in `config`.
   */
  security?: SecurityOptions | undefined;
  /** Replaces how the security settings make MSK IAM tokens (tests). */
  securityDeps?: KafkaSecurityDeps;
  /** Extra kafkajs options (retry, logLevel, …). */
  config?: Partial<Omit<KafkaConfig, 'brokers' | 'socketFactory'>>;
}

/**
 * Splits a comma-separated bootstrap list into `host:port` endpoints, each trimmed
 * and written as the history format writes them (IPv6 literals in brackets,
 * `[::1]:9092`). Empty entries (`a:9092,,b:9092`, a trailing comma) are skipped;
 * anything else that is not a `host:port` with a port from 1 to 65535 is an InputError
 * naming the entry.
 */
export function parseBootstrap(bootstrap: string): string[] {
  const entries = bootstrap
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  if (entries.length === 0) {
    throw new InputError(
      `bootstrap '${bootstrap}' names no broker: give a comma-separated list of host:port (e.g. broker-1.kafka.test:19092).`,
    );
  }
  return entries.map((entry) => {
    const { endpoint, problem } = parseEndpoint(entry);
    if (endpoint === null) {
      throw new InputError(
        `bootstrap '${bootstrap}': entry '${entry}' ${problem}. ` +
          'Give a comma-separated list of host:port (e.g. broker-1.kafka.test:19092).',
      );
    }
    return formatEndpoint(endpoint);
  });
}

/**
 * Builds a kafkajs Kafka whose connections resolve names through `dnsServer`.
 * An IPv6 literal in the bootstrap list is an InputError: kafkajs 2.2.4 splits each
 * bootstrap entry at its first colon (cluster/connectionPoolBuilder.js), so it would
 * dial host '['. Brokers the cluster advertises by IPv6 address are fine: kafkajs
 * takes their host and port from metadata unsplit.
 */
export function createKafka(connection: KafkaConnection): Kafka {
  const brokers = parseBootstrap(connection.bootstrap);
  const ipv6 = brokers.find((b) => b.startsWith('['));
  if (ipv6 !== undefined) {
    throw new InputError(
      `bootstrap '${connection.bootstrap}' has the IPv6 address ${ipv6}, which kafkajs 2.2.4 cannot dial ` +
        '(it splits a bootstrap entry at its first colon). Give a DNS name or an IPv4 address for that broker.',
    );
  }
  const sockets = new Set<net.Socket>();
  const factory = dnsSocketFactory(
    connection.dnsServer === undefined ? null : createBoundResolver(connection.dnsServer),
  );
  const kafka = new Kafka({
    logLevel: KafkaLogLevel.NOTHING,
    ...connection.config,
    ...(connection.security === undefined
      ? {}
      : kafkaSecurityConfig(connection.security, connection.securityDeps)),
    clientId: connection.clientId ?? 'kafka-upgrade-verifier',
    brokers,
    socketFactory: (options) => {
      const socket = factory(options);
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      return socket;
    },
  });
  openSockets.set(kafka, sockets);
  return kafka;
}
