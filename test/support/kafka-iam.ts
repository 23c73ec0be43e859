/**
 * Kafka requests as Amazon MSK's IAM access control authorizes them: each request the
 * kafkajs broker layer sends is recorded with the topics and groups it names, then
 * mapped to `kafka-cluster:*` actions on cluster, topic and group ARNs. The mapping
 * follows the Amazon MSK developer guide ("Semantics of IAM authorization policy actions
 * and resources"), whose actions are Kafka's ACL operations: READ GROUP = AlterGroup,
 * DESCRIBE GROUP = DescribeGroup, DELETE GROUP = DeleteGroup, READ/WRITE/DESCRIBE/CREATE
 * TOPIC = ReadData/WriteData/DescribeTopic/CreateTopic, ALTER CLUSTER = AlterCluster,
 * IDEMPOTENT_WRITE = WriteDataIdempotently, DESCRIBE_CONFIGS TOPIC =
 * DescribeTopicDynamicConfiguration, DESCRIBE_CONFIGS CLUSTER (a broker's configs) =
 * DescribeClusterDynamicConfiguration; every connection needs Connect.
 */
import { createRequire } from 'node:module';

import type { AuthorizedCall } from './iam.js';

export type KafkaResourceKind = 'cluster' | 'topic' | 'group' | 'transactional-id';

/** `arn:aws:kafka:R:A:<kind>/<cluster name>/<uuid>/<name>` for a cluster ARN. */
export function kafkaResource(clusterArn: string, kind: KafkaResourceKind, name: string): string {
  if (kind === 'cluster') return clusterArn;
  const [prefix, rest] = clusterArn.split(':cluster/') as [string, string];
  return `${prefix}:${kind}/${rest}/${name}`;
}

/** One request of the kafkajs broker layer, with what it names. */
export interface KafkaRequest {
  /** Who sent it: the handler running at the time. */
  readonly caller: string;
  readonly api: string;
  readonly topics: readonly string[];
  readonly groups: readonly string[];
  /** Produce with a producer id (idempotent), InitProducerId without a transactional id. */
  readonly idempotent?: boolean;
  /** Metadata that may create the topic (allowAutoTopicCreation). */
  readonly autoCreate?: boolean;
  /** DescribeConfigs naming a broker (the cluster's dynamic configuration). */
  readonly brokerConfigs?: boolean;
}

type Args = Record<string, unknown> | undefined;
const topicsOf = (list: unknown, key = 'topic'): string[] =>
  Array.isArray(list)
    ? list.map((t) => (typeof t === 'string' ? t : String((t as Record<string, unknown>)[key])))
    : [];

/** What each broker method names, from its arguments (kafkajs 2.2.4 src/broker/index.js). */
const READERS: Record<string, (a: Args, rest: unknown[]) => Omit<KafkaRequest, 'api' | 'caller'>> =
  {
    apiVersions: () => ({ topics: [], groups: [] }),
    metadata: (_a, rest) => ({ topics: topicsOf(rest[0]), groups: [] }),
    produce: (a) => ({
      topics: topicsOf(a?.topicData),
      groups: [],
      idempotent: a?.producerId !== undefined && Number(a.producerId) !== -1,
    }),
    fetch: (a) => ({ topics: topicsOf(a?.topics), groups: [] }),
    listOffsets: (a) => ({ topics: topicsOf(a?.topics), groups: [] }),
    findGroupCoordinator: (a) =>
      Number(a?.coordinatorType ?? 0) === 0
        ? { topics: [], groups: [String(a?.groupId)] }
        : { topics: [], groups: [] },
    joinGroup: (a) => ({ topics: [], groups: [String(a?.groupId)] }),
    syncGroup: (a) => ({ topics: [], groups: [String(a?.groupId)] }),
    heartbeat: (a) => ({ topics: [], groups: [String(a?.groupId)] }),
    leaveGroup: (a) => ({ topics: [], groups: [String(a?.groupId)] }),
    offsetCommit: (a) => ({ topics: topicsOf(a?.topics), groups: [String(a?.groupId)] }),
    offsetFetch: (a) => ({ topics: topicsOf(a?.topics), groups: [String(a?.groupId)] }),
    describeGroups: (a) => ({ topics: [], groups: (a?.groupIds as string[]) ?? [] }),
    deleteGroups: (_a, rest) => ({ topics: [], groups: (rest[0] as string[]) ?? [] }),
    createTopics: (a) => ({ topics: topicsOf(a?.topics), groups: [] }),
    createPartitions: (a) => ({ topics: topicsOf(a?.topicPartitions), groups: [] }),
    describeConfigs: (a) => {
      const resources = (a?.resources as Array<{ type: number; name: string }>) ?? [];
      return {
        topics: resources.filter((r) => r.type === 2).map((r) => r.name),
        groups: [],
        // ConfigResourceTypes.BROKER is 4.
        ...(resources.some((r) => r.type === 4) ? { brokerConfigs: true } : {}),
      };
    },
    initProducerId: (a) => ({ topics: [], groups: [], idempotent: a?.transactionalId == null }),
    alterPartitionReassignments: (a) => ({ topics: topicsOf(a?.topics), groups: [] }),
    listPartitionReassignments: () => ({ topics: [], groups: [] }),
    listGroups: () => ({ topics: [], groups: [] }),
  };

/**
 * Records every request kafkajs' broker layer sends while installed and `caller()` names
 * someone (all clients in this process: kafkajs is CommonJS, so the handlers' copy is
 * this one). `stop()` restores it.
 */
export function recordKafkaRequests(caller: () => string | undefined): {
  requests: KafkaRequest[];
  stop: () => void;
} {
  const require = createRequire(import.meta.url);
  const Broker = require('kafkajs/src/broker/index.js') as { prototype: Record<string, unknown> };
  const requests: KafkaRequest[] = [];
  const saved = new Map<string, unknown>();
  for (const [api, read] of Object.entries(READERS)) {
    const original = Broker.prototype[api] as (...args: unknown[]) => unknown;
    if (typeof original !== 'function') throw new Error(`kafkajs Broker has no ${api}`);
    saved.set(api, original);
    Broker.prototype[api] = function (this: unknown, ...args: unknown[]) {
      const who = caller();
      if (who !== undefined) {
        const first = args[0];
        const named = read(Array.isArray(first) ? undefined : (first as Args), args);
        const autoCreate =
          api === 'metadata' &&
          (this as { allowAutoTopicCreation?: boolean }).allowAutoTopicCreation === true;
        requests.push({ caller: who, api, ...named, ...(autoCreate ? { autoCreate } : {}) });
      }
      return original.apply(this, args);
    };
  }
  return {
    requests,
    stop: () => {
      for (const [api, original] of saved) Broker.prototype[api] = original;
    },
  };
}

/** The `kafka-cluster:*` calls one request needs, on `clusterArn`'s resources. */
export function kafkaCalls(clusterArn: string, request: KafkaRequest): AuthorizedCall[] {
  const caller = request.caller;
  const via = `Kafka ${request.api}`;
  const on = (action: string, kind: KafkaResourceKind, name = ''): AuthorizedCall => ({
    caller,
    action: `kafka-cluster:${action}`,
    resource: kafkaResource(clusterArn, kind, name),
    via,
  });
  const topics = (action: string) => request.topics.map((t) => on(action, 'topic', t));
  const groups = (action: string) => request.groups.map((g) => on(action, 'group', g));
  const calls = [on('Connect', 'cluster')];
  switch (request.api) {
    case 'metadata':
      calls.push(...topics('DescribeTopic'));
      if (request.autoCreate === true) calls.push(...topics('CreateTopic'));
      break;
    case 'produce':
      calls.push(...topics('DescribeTopic'), ...topics('WriteData'));
      if (request.idempotent === true) calls.push(on('WriteDataIdempotently', 'cluster'));
      break;
    case 'initProducerId':
      if (request.idempotent === true) calls.push(on('WriteDataIdempotently', 'cluster'));
      break;
    case 'fetch':
      calls.push(...topics('DescribeTopic'), ...topics('ReadData'));
      break;
    case 'listOffsets':
      calls.push(...topics('DescribeTopic'));
      break;
    case 'findGroupCoordinator':
    case 'describeGroups':
      calls.push(...groups('DescribeGroup'));
      break;
    case 'joinGroup':
    case 'syncGroup':
    case 'heartbeat':
    case 'leaveGroup':
      calls.push(...groups('DescribeGroup'), ...groups('AlterGroup'));
      break;
    case 'offsetCommit':
      calls.push(...groups('AlterGroup'), ...topics('ReadData'));
      break;
    case 'offsetFetch':
      calls.push(...groups('DescribeGroup'), ...topics('DescribeTopic'));
      break;
    case 'deleteGroups':
      calls.push(...groups('DeleteGroup'));
      break;
    case 'createTopics':
      calls.push(...topics('CreateTopic'));
      break;
    case 'createPartitions':
      calls.push(...topics('AlterTopic'));
      break;
    case 'describeConfigs':
      calls.push(...topics('DescribeTopicDynamicConfiguration'));
      if (request.brokerConfigs === true)
        calls.push(on('DescribeClusterDynamicConfiguration', 'cluster'));
      break;
    case 'alterPartitionReassignments':
      calls.push(on('AlterCluster', 'cluster'));
      break;
    case 'listPartitionReassignments':
    case 'listGroups':
      calls.push(on('DescribeCluster', 'cluster'));
      break;
    default:
  }
  return calls;
}
