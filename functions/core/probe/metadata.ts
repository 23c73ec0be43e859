/**
 * Cluster metadata and topics' end offsets through a kafkajs admin client, each fetch
 * bounded in time; read-only. kafkajs asks one broker for metadata: the broker list is
 * that broker's view of the live brokers (in KRaft, the registered brokers that are not
 * fenced). End offsets come from ListOffsets to each partition's leader.
 */
import type { Admin } from 'kafkajs';

import { MetadataUnavailableError, UsageError } from '../errors.js';
import { type KafkaConnection, createKafka, destroyOpenSockets } from '../kafka/client.js';
import { parseEndpointList } from './endpoint.js';
import { TIMEOUT_CODE, withTimeout } from './resolve.js';
import { type ClusterSnapshot, type TopicOffsets, normalizeSnapshot } from './snapshot.js';

/** Which topics to describe: a list, or every topic but Kafka's internal `__…` ones. */
export type WatchedTopics = readonly string[] | 'all';

export interface MetadataSource {
  /** One bounded metadata fetch; rejects with MetadataUnavailableError. */
  fetch(topics: WatchedTopics): Promise<ClusterSnapshot>;
  /**
   * The end offsets of each topic named, one bounded ListOffsets round; rejects with
   * MetadataUnavailableError. Absent: the source cannot tell (no `offsets` records).
   */
  endOffsets?(topics: readonly string[]): Promise<TopicOffsets[]>;
  close(): Promise<void>;
}

export { MetadataUnavailableError };

export interface KafkajsMetadataOptions {
  connection: KafkaConnection;
  /** Bound on one fetch, connecting included; default 5000. */
  timeoutMs?: number;
}

export function isInternalTopic(topic: string): boolean {
  return topic.startsWith('__');
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * The user's topics to watch (`--topics A,B`), read-only: comma-separated Kafka topic
 * names, duplicates dropped, in the order given. Throws UsageError naming the flag and
 * the bad name.
 */
export function parseTopicList(flag: string, text: string): string[] {
  const names = text.split(',').map((t) => t.trim());
  const topics: string[] = [];
  for (const name of names) {
    if (name === '') {
      throw new UsageError(`${flag} ${JSON.stringify(text)}: an empty topic name; give A,B,…`);
    }
    if (!TOPIC_NAME.test(name) || name === '.' || name === '..') {
      throw new UsageError(
        `${flag}: ${JSON.stringify(name)} is not a Kafka topic name (1–249 letters, digits, '.', '_' or '-')`,
      );
    }
    if (!topics.includes(name)) topics.push(name);
  }
  return topics;
}

/** The end offset of each partition from kafkajs' fetchTopicOffsets answer. */
export function topicOffsetsOf(
  topic: string,
  answer: readonly { partition: number; high: string }[],
): TopicOffsets {
  const partitions = answer.map((p) => {
    const end = Number(p.high);
    if (!Number.isSafeInteger(end) || end < 0) {
      throw new Error(
        `ListOffsets gave partition ${p.partition} of ${topic} the end offset ${JSON.stringify(p.high)}`,
      );
    }
    return { partition: p.partition, end };
  });
  return { topic, partitions: partitions.sort((a, b) => a.partition - b.partition) };
}

/** A MetadataSource over one kafkajs admin client, replaced after any failed fetch. */
/**
 * kafkajs picks its seed broker at random from the bootstrap list, again at each retry.
 * With one broker of three down (the normal state of a rolling restart) three attempts
 * all land on it 1 time in 27, and a gate's poll then knows no broker; six attempts make
 * that 1 in 729. A refused connection fails at once, so the attempts stay inside the
 * bound; a silent broker is cut by it.
 */
const SEED_RETRY = { retries: 5, initialRetryTime: 100, maxRetryTime: 500 };

export function kafkajsMetadataSource(options: KafkajsMetadataOptions): MetadataSource {
  const timeoutMs = options.timeoutMs ?? 5000;
  const connectMs = Math.min(1000, timeoutMs);
  // kafkajs splits a broker at its first ':', so it cannot bootstrap from `[v6]:port`;
  // those endpoints are still probed, the metadata comes through the others.
  const usable = parseEndpointList(options.connection.bootstrap).filter((e) => e.ipLiteral !== 6);
  if (usable.length === 0) {
    const reason =
      'kafkajs cannot bootstrap from an IPv6 literal ([v6]:port); add a DNS name or an IPv4 endpoint';
    return {
      fetch: () =>
        Promise.reject(new MetadataUnavailableError(options.connection.bootstrap, reason)),
      close: async () => {},
    };
  }
  const kafka = createKafka({
    ...options.connection,
    bootstrap: usable.map((e) => e.endpoint).join(','),
    clientId: options.connection.clientId ?? 'kafka-upgrade-verifier-watcher',
    config: {
      connectionTimeout: connectMs,
      requestTimeout: Math.max(1000, timeoutMs - connectMs),
      ...options.connection.config,
      // A down broker must cost a retry or two inside the bound, not kafkajs' default minute.
      retry: SEED_RETRY,
    },
  });
  let admin: Admin | null = null;
  let connected: Promise<void> | null = null;

  function discard(): void {
    const old = admin;
    admin = null;
    connected = null;
    if (old !== null) void old.disconnect().catch(() => {});
  }

  async function fetchOnce(current: Admin, topics: WatchedTopics): Promise<ClusterSnapshot> {
    const cluster = await current.describeCluster();
    // Every topic, then filtered: naming a missing topic would fail the whole fetch, and
    // describeCluster already asks for all topics (kafkajs sends an empty list as null).
    const { topics: described } = await current.fetchTopicMetadata();
    const wanted = topics === 'all' ? null : new Set(topics);
    return normalizeSnapshot({
      brokers: cluster.brokers.map((b) => ({ id: b.nodeId, host: b.host, port: b.port })),
      topics: described
        .filter((t) => (wanted === null ? !isInternalTopic(t.name) : wanted.has(t.name)))
        .map((t) => ({
          topic: t.name,
          partitions: t.partitions.map((p) => ({
            partition: p.partitionId,
            leader: p.leader,
            replicas: [...p.replicas],
            isr: [...p.isr],
          })),
        })),
    });
  }

  /** Runs one admin call within the bound; any failure discards the admin. */
  async function bounded<T>(call: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      return await withTimeout(
        (async () => {
          if (admin === null) {
            admin = kafka.admin({ retry: SEED_RETRY });
            connected = admin.connect();
          }
          const current = admin;
          await connected;
          return call(current);
        })(),
        timeoutMs,
        () =>
          new MetadataUnavailableError(
            options.connection.bootstrap,
            `${TIMEOUT_CODE}: no answer within ${timeoutMs} ms`,
          ),
      );
    } catch (error) {
      discard();
      if (error instanceof MetadataUnavailableError) throw error;
      throw new MetadataUnavailableError(
        options.connection.bootstrap,
        error instanceof Error ? error.message : String(error),
        error,
      );
    }
  }

  return {
    fetch: (topics) => bounded((current) => fetchOnce(current, topics)),
    endOffsets: (topics) =>
      bounded((current) =>
        Promise.all(topics.map(async (t) => topicOffsetsOf(t, await current.fetchTopicOffsets(t)))),
      ),
    async close() {
      const old = admin;
      admin = null;
      connected = null;
      if (old !== null) await old.disconnect().catch(() => {});
      // A fetch that timed out may still be running on a discarded admin; its
      // connections, and any kafkajs left behind, go too.
      destroyOpenSockets(kafka);
    },
  };
}
