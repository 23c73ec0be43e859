/**
 * What the cluster watcher sees in one metadata answer, and what changed between two
 * of them: pure functions, no I/O.
 */

export interface BrokerInfo {
  id: number;
  /** The advertised host, as the metadata gives it (an IPv6 literal without brackets). */
  host: string;
  port: number;
}

export interface PartitionInfo {
  partition: number;
  /** −1 when the partition has no leader. */
  leader: number;
  /** As the metadata lists them: `replicas[0]` is the preferred leader. */
  replicas: number[];
  isr: number[];
}

export interface TopicInfo {
  topic: string;
  /** Sorted by partition. */
  partitions: PartitionInfo[];
}

/** One metadata answer: the brokers it lists and the watched topics it describes. */
export interface ClusterSnapshot {
  /** Sorted by id. */
  brokers: BrokerInfo[];
  /** Sorted by topic name. */
  topics: TopicInfo[];
}

/** A topic's end offsets (the offset each partition's next record gets), as ListOffsets gave them. */
export interface TopicOffsets {
  topic: string;
  /** Sorted by partition. */
  partitions: { partition: number; end: number }[];
}

export interface SnapshotChanges {
  /** Brokers listed before and not now, as they were last listed. */
  down: BrokerInfo[];
  /** Brokers listed now and not before. */
  up: BrokerInfo[];
  /**
   * Topics whose leadership, replicas or ISR differ (ISR compared as a set), or that
   * appeared; sorted. A topic that disappeared is not a change to snapshot.
   */
  changedTopics: string[];
}

/** Sorts brokers and topics and each topic's partitions, so snapshots compare and print stably. */
export function normalizeSnapshot(snapshot: ClusterSnapshot): ClusterSnapshot {
  return {
    brokers: [...snapshot.brokers].sort((a, b) => a.id - b.id),
    topics: snapshot.topics
      .map((t) => ({
        topic: t.topic,
        partitions: [...t.partitions].sort((a, b) => a.partition - b.partition),
      }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0)),
  };
}

function partitionKey(p: PartitionInfo): string {
  return `${p.partition}:${p.leader}:${p.replicas.join(',')}:${[...p.isr].sort((a, b) => a - b).join(',')}`;
}

function topicKey(t: TopicInfo): string {
  return [...t.partitions]
    .sort((a, b) => a.partition - b.partition)
    .map(partitionKey)
    .join('|');
}

/** The broker events and changed topics from `before` to `after`. */
export function compareSnapshots(before: ClusterSnapshot, after: ClusterSnapshot): SnapshotChanges {
  const beforeIds = new Set(before.brokers.map((b) => b.id));
  const afterIds = new Set(after.brokers.map((b) => b.id));
  const beforeTopics = new Map(before.topics.map((t) => [t.topic, topicKey(t)]));
  return {
    down: before.brokers.filter((b) => !afterIds.has(b.id)).sort((a, b) => a.id - b.id),
    up: after.brokers.filter((b) => !beforeIds.has(b.id)).sort((a, b) => a.id - b.id),
    changedTopics: after.topics
      .filter((t) => beforeTopics.get(t.topic) !== topicKey(t))
      .map((t) => t.topic)
      .sort(),
  };
}
