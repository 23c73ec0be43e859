/**
 * Consumer groups in other client libraries, side by side with the canary's own
 * kafkajs group (docs/clients.md). `parseClients` reads `--clients`; `clientMonitors`
 * builds one RunMonitor per library, which the run adds to its monitor list;
 * `clientTable` / `formatClientTable` give the per-group table of the summary.
 *
 * Each library's group is `kuv-<client>-<runId>`: a new group every run, so where a new
 * group starts (the profile's reset policy) means the same thing for every library. The
 * run produces only once every client is positioned (ClientsReady), so a client that
 * starts at the latest offset is owed every canary record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { UsageError } from '../functions/core/errors.js';
import type { KafkaConnection } from '../functions/core/kafka/client.js';
import type { Emit, RunMonitor } from '../functions/core/probe/monitor.js';
import { DEFAULT_KAFKA_VERSION, cachedKafkaLibs } from '../rehearsal/jars.js';
import { ClusterHostsFile } from './hosts.js';
import { KAFKAJS_LIBRARY } from './table.js';
import { kcatDriver } from './kcat.js';
import { javaDriver, saramaDriver, saramaProducerDriver } from './libraries.js';
import { javaProducerDriver } from './java-producer.js';
import { librdkafkaProducerDriver } from './librdkafka-producer.js';
import { ProducerMonitor } from './producer-monitor.js';
import {
  ClientMonitor,
  NotMeasuredError,
  type ClientDriver,
  type ProducerDriver,
} from './monitor.js';
import { DEFAULT_CLIENT_SETTINGS, type ClientSettingsProfile } from './profiles.js';

export {
  ClientMonitor,
  NotMeasuredError,
  type ClientDriver,
  type ClientLaunch,
} from './monitor.js';
export { parseClientLine, TextLines, type ClientLine } from './protocol.js';
export {
  CLIENT_SETTINGS_PROFILES,
  DEFAULT_CLIENT_SETTINGS,
  parseClientSettings,
  startsAtLatest,
  type ClientSettings,
  type ClientSettingsProfile,
} from './profiles.js';
export {
  ClientTableBuilder,
  clientTable,
  clientTableOfHistory,
  KAFKAJS_LIBRARY,
  type ClientRow,
} from './table.js';
export { formatClientTable } from './table-text.js';
export { clientEntries, type ClientEntry } from './entries.js';

export const CLIENT_NAMES = ['kafkajs', 'java', 'librdkafka', 'sarama'] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];
export const DEFAULT_CLIENTS: readonly ClientName[] = ['kafkajs'];

/**
 * `--clients LIST`: comma-separated names, each once (`all` for every one). Unknown
 * names are a UsageError naming the choices.
 */
export function parseClients(text: string): ClientName[] {
  const names = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (names.length === 0) {
    throw new UsageError(`--clients needs at least one of ${CLIENT_NAMES.join(', ')} (or all)`);
  }
  const out: ClientName[] = [];
  for (const name of names) {
    const picked = name === 'all' ? [...CLIENT_NAMES] : [name];
    for (const p of picked) {
      if (!(CLIENT_NAMES as readonly string[]).includes(p)) {
        throw new UsageError(
          `--clients: unknown client '${p}'; choose from ${CLIENT_NAMES.join(', ')} (comma-separated), or all`,
        );
      }
      if (!out.includes(p as ClientName)) out.push(p as ClientName);
    }
  }
  return out;
}

/** The group a library's consumer uses in run `runId`. */
export function clientGroup(name: ClientName, runId: string): string {
  return `kuv-${name}-${runId}`;
}

export interface ClientMonitorsOptions {
  topic: string;
  runId: string;
  /** The canary's interval: each library's producer sends to every partition this often. */
  intervalMs: number;
  /** The canary's kafkajs group: with `kafkajs` in the list, a `client` record names it. */
  canaryGroup?: string;
  /** `--client-settings`; default `defaults` (each library as shipped). */
  settings?: ClientSettingsProfile;
  /** How long the run waits for every client to be positioned before producing; default 60 s. */
  readyTimeoutMs?: number;
  /** The Kafka version whose cached jars the Java consumer uses; default the local cluster's. */
  kafkaVersion?: string;
  /** Replaces the drivers (tests). */
  drivers?: Partial<Record<ClientName, ClientDriver>>;
  /** Replaces the producer drivers (tests). */
  producerDrivers?: Partial<Record<ClientName, ProducerDriver>>;
}

/** The payload's `producer` of a library's producer: `kuv-<client>`. */
export function clientProducer(name: ClientName): string {
  return `kuv-${name}`;
}

/** The kafkajs entry: no process of its own (the canary consumer is it), just its `client` record. */
class KafkajsClientRecord implements RunMonitor {
  readonly name = 'client:kafkajs';
  constructor(private readonly group: string) {}
  baseline(emit: Emit): Promise<void> {
    emit({
      type: 'client',
      name: 'kafkajs',
      group: this.group,
      library: KAFKAJS_LIBRARY,
      version: KAFKAJS_LIBRARY.split(' ')[1],
      // The verifier's own consumer (docs/canary.md): --client-settings does not change it.
      profile: 'canary',
      status: 'started',
      at: Date.now(),
    });
    return Promise.resolve();
  }
  tick(): Promise<void> {
    return Promise.resolve();
  }
  after(): Promise<void> {
    return Promise.resolve();
  }
  state(): unknown {
    return { name: 'kafkajs', group: this.group };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** How long the run waits, at most, for every client to be positioned before producing. */
export const CLIENTS_READY_TIMEOUT_MS = 60_000;

/**
 * Holds the canary's first produce until every client is positioned on its first
 * assignment (or gone, or `timeoutMs` passed): it runs after the clients' own baselines,
 * which start them all at once. A client at its shipped `latest` reset policy thus
 * starts before the canary's first record and is owed every one of them; one still not
 * positioned at the deadline gets a `client` event `not ready`, and the table counts what
 * was logged before its first record in a partition as `before start`, not missing.
 */
export class ClientsReady implements RunMonitor {
  readonly name = 'clients:ready';
  constructor(
    private readonly clients: readonly ClientMonitor[],
    private readonly timeoutMs: number,
    private readonly note?: (line: string) => void,
  ) {}
  async baseline(emit: Emit): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.timeoutMs);
    });
    const began = Date.now();
    await Promise.race([Promise.all(this.clients.map((c) => c.ready)), deadline]);
    clearTimeout(timer);
    for (const c of this.clients) {
      if (c.positioned || c.pid === undefined) continue;
      emit({
        type: 'client',
        name: c.name.replace(/^client:/, ''),
        group: c.group,
        event: 'not ready',
        text: `not positioned on its first assignment ${Math.round((Date.now() - began) / 1000)} s after it started; the canary started without it`,
        at: Date.now(),
      });
    }
  }
  tick(): Promise<void> {
    return Promise.resolve();
  }
  after(): Promise<void> {
    return Promise.resolve();
  }
  state(): unknown {
    return {};
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Per named library, a RunMonitor for its consumer group and one for its producer
 * (clients/producer-monitor.ts; kafkajs: a `client` record for the canary group when
 * `canaryGroup` is given, its producer is the canary's own). The producers start after
 * every consumer is positioned (ClientsReady) and stop when the canary does. The child
 * clients speak plaintext only: with TLS or SASL settings each is written as not measured. With a DNS server, the Java and librdkafka
 * clients resolve the cluster's names through a hosts file written from that server
 * (refreshed every 5 s), in a temporary folder removed when the monitors close.
 */
export function clientMonitors(
  names: readonly ClientName[],
  connection: KafkaConnection,
  options: ClientMonitorsOptions,
): RunMonitor[] {
  const monitors: RunMonitor[] = [];
  const children: ClientMonitor[] = [];
  const producers: ProducerMonitor[] = [];
  const profile = options.settings ?? DEFAULT_CLIENT_SETTINGS;
  const needsHosts =
    connection.dnsServer !== undefined && names.some((n) => n === 'java' || n === 'librdkafka');
  const dir = needsHosts ? mkdtempSync(join(tmpdir(), 'kuv-clients-')) : null;
  const hosts = dir === null ? null : new ClusterHostsFile(connection, join(dir, 'hosts'));
  // Each library's consumer and producer share the hosts file: the last to close removes it.
  let open = 2 * names.filter((n) => n !== 'kafkajs').length;
  const closeShared = async () => {
    open -= 1;
    if (open > 0) return;
    await hosts?.close();
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  };
  for (const name of names) {
    if (name === 'kafkajs') {
      if (options.canaryGroup !== undefined)
        monitors.push(new KafkajsClientRecord(options.canaryGroup));
      continue;
    }
    const driver =
      options.drivers?.[name] ??
      (name === 'java'
        ? javaDriver({
            libs: () => cachedKafkaLibs(options.kafkaVersion ?? DEFAULT_KAFKA_VERSION),
            hostsFile: hosts?.path ?? null,
          })
        : name === 'librdkafka'
          ? kcatDriver({ hostsFile: hosts?.path ?? null })
          : saramaDriver());
    const usesHosts = hosts !== null && (name === 'java' || name === 'librdkafka');
    const prepare = async () => {
      if (connection.security !== undefined) {
        throw new NotMeasuredError(
          'the side-by-side clients speak plaintext only; this cluster is reached with TLS or SASL',
          null,
        );
      }
      if (usesHosts) await hosts.ensure();
    };
    const onTick = usesHosts ? (now: number) => hosts.refresh(now) : undefined;
    producers.push(
      new ProducerMonitor({
        driver:
          options.producerDrivers?.[name] ?? producerDriver(name, hosts?.path ?? null, options),
        context: {
          bootstrap: connection.bootstrap,
          dnsServer: connection.dnsServer,
          topic: options.topic,
          profile,
          runId: options.runId,
          producer: clientProducer(name),
          intervalMs: options.intervalMs,
        },
        prepare,
        onTick,
        onClose: closeShared,
      }),
    );
    children.push(
      new ClientMonitor({
        driver,
        runId: options.runId,
        context: {
          bootstrap: connection.bootstrap,
          dnsServer: connection.dnsServer,
          group: clientGroup(name, options.runId),
          topic: options.topic,
          profile,
        },
        prepare,
        onTick,
        onClose: closeShared,
      }),
    );
  }
  if (children.length === 0) return monitors;
  return [
    ...monitors,
    ...children,
    new ClientsReady(children, options.readyTimeoutMs ?? CLIENTS_READY_TIMEOUT_MS),
    ...producers,
  ];
}

/** A library's own producer (docs/clients.md, "The producer protocol"). */
function producerDriver(
  name: Exclude<ClientName, 'kafkajs'>,
  hostsFile: string | null,
  options: ClientMonitorsOptions,
): ProducerDriver {
  switch (name) {
    case 'sarama':
      return saramaProducerDriver();
    case 'java':
      return javaProducerDriver({
        libs: () => cachedKafkaLibs(options.kafkaVersion ?? DEFAULT_KAFKA_VERSION),
        hostsFile,
      });
    case 'librdkafka':
      return librdkafkaProducerDriver({ hostsFile });
  }
}
