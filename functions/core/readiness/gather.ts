/**
 * Gathers what the readiness rules judge (snapshot.ts) from a live cluster: metadata,
 * topic and broker configs and consumer groups through one kafkajs admin client
 * (functions/core/kafka/client.ts), each broker's ApiVersions through the probe
 * (functions/core/probe/probe.ts), and, with a DNS server, every name through it and
 * through the system resolver (functions/core/probe/resolve.ts). Read-only.
 */
import kafkajs, { type Admin } from 'kafkajs';

import { InputError, ReadinessUnavailableError, VerifierError } from '../errors.js';
import { type KafkaConnection, createKafka, destroyOpenSockets } from '../kafka/client.js';
import { tlsSettingsOf } from '../kafka/security.js';
import { CONSUMER_GROUP_HEARTBEAT_KEY } from '../probe/api-versions.js';
import { endpointOf, parseEndpointList } from '../probe/endpoint.js';
import { kafkajsMetadataSource, type WatchedTopics } from '../probe/metadata.js';
import { DEFAULT_STAGE_TIMEOUTS, probeEndpoint } from '../probe/probe.js';
import { type HostResolver, createHostResolver, withTimeout } from '../probe/resolve.js';
import type {
  DnsComparison,
  ReadinessBroker,
  ReadinessGroup,
  ReadinessSnapshot,
  ReadinessTopic,
} from './snapshot.js';

export interface GatherReadinessOptions {
  /** Topics to judge; 'all' is every topic but Kafka's internal `__…` ones. */
  topics: WatchedTopics;
  /** Bound on each admin request and each probe, in milliseconds; default 10000. */
  timeoutMs?: number;
}

// kafkajs is CommonJS: Node's ESM loader finds no named export ConfigResourceTypes in it.
const { ConfigResourceTypes } = kafkajs;
type ConfigResourceTypes = kafkajs.ConfigResourceTypes;

const TOPIC_CONFIGS = ['min.insync.replicas', 'unclean.leader.election.enable'];
const BROKER_CONFIGS = ['auto.leader.rebalance.enable', 'leader.imbalance.check.interval.seconds'];

function configMap(entries: readonly { configName: string; configValue: string }[]) {
  return new Map(entries.map((e) => [e.configName, e.configValue]));
}

function intOrNull(value: string | undefined): number | null {
  if (value === undefined || !/^-?\d+$/.test(value)) return null;
  return Number(value);
}

function boolOrNull(value: string | undefined): boolean | null {
  return value === 'true' ? true : value === 'false' ? false : null;
}

async function compareDns(
  names: readonly string[],
  dnsServer: string,
  timeoutMs: number,
): Promise<DnsComparison[]> {
  const resolvers: [string, HostResolver][] = [
    ['system', createHostResolver(undefined, timeoutMs)],
    [dnsServer, createHostResolver(dnsServer, timeoutMs)],
  ];
  return Promise.all(
    names.map(async (name) => ({
      name,
      answers: await Promise.all(
        resolvers.map(async ([resolver, resolve]) => {
          try {
            return { resolver, addresses: [...(await resolve(name))].sort() };
          } catch (error) {
            return {
              resolver,
              addresses: [],
              error: (error as { code?: string }).code ?? 'EUNKNOWN',
            };
          }
        }),
      ),
    })),
  );
}

/**
 * Reads the snapshot. Rejects with InputError when `topics` names a topic the cluster
 * does not have, with ReadinessUnavailableError when the cluster cannot be read.
 */
export async function gatherReadiness(
  connection: KafkaConnection,
  options: GatherReadinessOptions,
): Promise<ReadinessSnapshot> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const bootstrapEndpoints = parseEndpointList(connection.bootstrap);
  const kafka = createKafka({
    ...connection,
    clientId: connection.clientId ?? 'kafka-upgrade-verifier-preflight',
    config: {
      connectionTimeout: Math.min(3000, timeoutMs),
      requestTimeout: timeoutMs,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
      ...connection.config,
    },
  });
  const admin: Admin = kafka.admin();
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await withTimeout(
        work(),
        timeoutMs * 3,
        () => new Error(`no answer within ${timeoutMs * 3} ms`),
      );
    } catch (error) {
      if (error instanceof VerifierError) throw error;
      throw new ReadinessUnavailableError(
        connection.bootstrap,
        name,
        error instanceof Error ? error.message : String(error),
        error,
      );
    }
  };
  try {
    // The watcher's metadata fetch (one bounded describeCluster + topic metadata).
    const source = kafkajsMetadataSource({ connection, timeoutMs });
    const selected = await source.fetch(options.topics).finally(() => source.close());
    if (options.topics !== 'all') {
      const present = new Set(selected.topics.map((t) => t.topic));
      const missing = options.topics.filter((t) => !present.has(t));
      if (missing.length > 0) {
        throw new InputError(
          `--topics names ${missing.join(', ')}, which the cluster at ${connection.bootstrap} does not have; ` +
            'check the names, or use --all-topics.',
        );
      }
    }
    await step('connecting', () => admin.connect());
    const topicConfigs =
      selected.topics.length === 0
        ? { resources: [] }
        : await step('describeConfigs (topics)', () =>
            admin.describeConfigs({
              includeSynonyms: false,
              resources: selected.topics.map((t) => ({
                type: ConfigResourceTypes.TOPIC,
                name: t.topic,
                configNames: TOPIC_CONFIGS,
              })),
            }),
          );
    const brokerConfigs = await step('describeConfigs (brokers)', () =>
      admin.describeConfigs({
        includeSynonyms: false,
        resources: selected.brokers.map((b) => ({
          type: ConfigResourceTypes.BROKER,
          name: String(b.id),
          configNames: BROKER_CONFIGS,
        })),
      }),
    );
    const byName = (type: ConfigResourceTypes, name: string) =>
      configMap(
        [...topicConfigs.resources, ...brokerConfigs.resources].find(
          (r) => r.resourceType === type && r.resourceName === name,
        )?.configEntries ?? [],
      );

    const topics: ReadinessTopic[] = selected.topics.map((t) => {
      const c = byName(ConfigResourceTypes.TOPIC, t.topic);
      return {
        ...t,
        minInsyncReplicas: intOrNull(c.get('min.insync.replicas')),
        uncleanLeaderElection: boolOrNull(c.get('unclean.leader.election.enable')),
      };
    });

    const { groups: listed } = await step('listGroups', () => admin.listGroups());
    const ids = listed.map((g) => g.groupId).sort();
    const { groups: descriptions } =
      ids.length === 0
        ? { groups: [] }
        : await step('describeGroups', () => admin.describeGroups(ids));
    const groups: ReadinessGroup[] = descriptions
      .map((g) => ({
        group: g.groupId,
        state: g.state,
        protocolType: g.protocolType,
        protocol: g.protocol,
        members: g.members.length,
      }))
      .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));

    const tls = tlsSettingsOf(connection.security);
    const resolve = createHostResolver(connection.dnsServer, DEFAULT_STAGE_TIMEOUTS.dnsMs);
    const brokers: ReadinessBroker[] = await Promise.all(
      selected.brokers.map(async (b) => {
        const c = byName(ConfigResourceTypes.BROKER, String(b.id));
        let keys: number[] | null = null;
        await probeEndpoint(
          { endpoint: endpointOf(b.host, b.port), role: 'broker', broker: b.id },
          'baseline',
          {
            resolve,
            timeouts: DEFAULT_STAGE_TIMEOUTS,
            clientId: 'kafka-upgrade-verifier-preflight',
            tls,
            onApiKeys: (k) => {
              keys = k;
            },
          },
        );
        const answered = keys as number[] | null;
        return {
          ...b,
          autoLeaderRebalance: boolOrNull(c.get('auto.leader.rebalance.enable')),
          leaderImbalanceCheckIntervalSeconds: intOrNull(
            c.get('leader.imbalance.check.interval.seconds'),
          ),
          consumerGroupHeartbeat:
            answered === null ? null : answered.includes(CONSUMER_GROUP_HEARTBEAT_KEY),
        };
      }),
    );

    const names = [
      ...new Set(
        [...bootstrapEndpoints, ...brokers.map((b) => endpointOf(b.host, b.port))]
          .filter((e) => e.ipLiteral === 0)
          .map((e) => e.host),
      ),
    ].sort();
    const dns =
      connection.dnsServer === undefined
        ? []
        : await compareDns(names, connection.dnsServer, DEFAULT_STAGE_TIMEOUTS.dnsMs);

    return { bootstrap: connection.bootstrap, brokers, topics, groups, dns };
  } finally {
    await admin.disconnect().catch(() => {});
    destroyOpenSockets(kafka);
  }
}
