/**
 * Reads one gate snapshot (check.ts) from a live cluster and run folder: the watcher's
 * bounded metadata fetch (probe/metadata.ts), one probe of each listed broker at its
 * advertised name (probe/probe.ts: DNS, TCP, TLS, ApiVersions) and DIR/live.jsonl.
 * Read-only; changes nothing in the cluster.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { MetadataUnavailableError } from '../errors.js';
import type { KafkaConnection } from '../kafka/client.js';
import { tlsSettingsOf } from '../kafka/security.js';
import { endpointOf } from '../probe/endpoint.js';
import {
  type MetadataSource,
  type WatchedTopics,
  kafkajsMetadataSource,
} from '../probe/metadata.js';
import {
  DEFAULT_STAGE_TIMEOUTS,
  type ProbeOptions,
  type ProbeRecord,
  probeEndpoint,
} from '../probe/probe.js';
import { createHostResolver } from '../probe/resolve.js';
import type { BrokerReach, GateSnapshot } from './check.js';
import { LIVE_FILE } from '../live/types.js';
import { type LiveView, readLiveText } from './live-file.js';

export { LIVE_FILE } from '../live/types.js';

export interface GateSourceOptions {
  connection: KafkaConnection;
  /** Watched topics besides the canary topic, or 'all' (every non-internal topic). */
  topics: WatchedTopics;
  /** The canary topic, watched when the cluster has it (required with `runDir`). */
  canaryTopic: string;
  /** A live run's folder: its live.jsonl is read each poll. */
  runDir?: string | undefined;
  /** Bound on the metadata fetch; default 5000 ms. */
  timeoutMs?: number;
  clock?: () => number;
}

export interface GateSource {
  read(): Promise<GateSnapshot>;
  close(): Promise<void>;
}

/** The failed stage of a probe and its error, or null when every stage passed. */
export function probeFailure(record: ProbeRecord): string | null {
  if (!record.dns.ok) return `DNS ${record.dns.error ?? 'failed'}`;
  if (record.tcp === null || !record.tcp.ok) return `TCP ${record.tcp?.error ?? 'failed'}`;
  if (record.tls != null && !record.tls.ok) return `TLS ${record.tls.error ?? 'failed'}`;
  if (record.kafka === null || !record.kafka.ok)
    return `ApiVersions ${record.kafka?.error ?? 'failed'}`;
  return null;
}

/** The live view of `runDir`, or null when its live.jsonl does not exist (yet). */
export async function readLiveFile(runDir: string): Promise<LiveView | null> {
  const path = join(runDir, LIVE_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return readLiveText(text, path);
}

export function gateSource(options: GateSourceOptions, metadata?: MetadataSource): GateSource {
  const clock = options.clock ?? Date.now;
  const source =
    metadata ??
    kafkajsMetadataSource({ connection: options.connection, timeoutMs: options.timeoutMs ?? 5000 });
  const probeOptions: ProbeOptions = {
    resolve: createHostResolver(options.connection.dnsServer, DEFAULT_STAGE_TIMEOUTS.dnsMs),
    timeouts: DEFAULT_STAGE_TIMEOUTS,
    clientId: 'kafka-upgrade-verifier-gate',
    tls: tlsSettingsOf(options.connection.security),
  };
  const named = options.topics === 'all' ? 'all' : [...options.topics];
  return {
    async read() {
      const live =
        options.runDir === undefined
          ? undefined
          : ((await readLiveFile(options.runDir)) ?? undefined);
      const base = {
        ...(live === undefined ? {} : { live }),
        ...(options.runDir === undefined ? {} : { runDir: options.runDir }),
      };
      let cluster;
      try {
        cluster = await source.fetch(named === 'all' ? 'all' : [...named, options.canaryTopic]);
      } catch (error) {
        if (!(error instanceof MetadataUnavailableError)) throw error;
        return {
          at: clock(),
          metadataFailure: error.message,
          brokers: [],
          reach: [],
          topics: [],
          missingTopics: [],
          ...base,
        };
      }
      const topics =
        named === 'all'
          ? cluster.topics
          : cluster.topics.filter(
              (t) => named.includes(t.topic) || t.topic === options.canaryTopic,
            );
      const present = new Set(topics.map((t) => t.topic));
      const required = named === 'all' ? [] : [...named];
      if (options.runDir !== undefined) required.push(options.canaryTopic);
      const reach: BrokerReach[] = await Promise.all(
        cluster.brokers.map(async (b) => {
          const endpoint = endpointOf(b.host, b.port);
          const record = await probeEndpoint(
            { endpoint, role: 'broker', broker: b.id },
            'during',
            probeOptions,
          );
          return { id: b.id, endpoint: endpoint.endpoint, failure: probeFailure(record) };
        }),
      );
      return {
        at: clock(),
        metadataFailure: null,
        brokers: cluster.brokers,
        reach,
        topics,
        missingTopics: [...new Set(required)].filter((t) => !present.has(t)).sort(),
        ...base,
      };
    },
    close: () => source.close(),
  };
}
