/**
 * The canary topic: created with a placement that makes every broker the preferred
 * leader of some partitions, or adopted when it exists — unless its settings would
 * make the verdict meaningless. The canary never writes to any other topic.
 */
import type { Admin } from 'kafkajs';

import { waitFor } from '../wait.js';
import { CanaryPreflightError, CanaryRunError } from './errors.js';
import {
  brokersLeadingNothing,
  canaryTopicShape,
  minInsyncReplicasFor,
  placeReplicas,
} from './placement.js';

export const DEFAULT_CANARY_TOPIC = 'kuv-canary';
/** One hour: the canary's records are only needed until the run is verified. */
export const DEFAULT_RETENTION_MS = 3_600_000;

export interface CanaryTopic {
  topic: string;
  /** replicas per partition, index = partition; replicas[0] is the preferred leader. */
  placement: number[][];
  brokers: number[];
  /** True when this call created the topic. */
  created: boolean;
  /** True when this call moved replicas so that every broker leads a partition. */
  reassigned: boolean;
}

export interface CanaryTopicOptions {
  topic: string;
  /** The cluster's broker ids. */
  brokers: readonly number[];
  retentionMs?: number;
  /** How long to wait for leaders / a reassignment; default 30 s. */
  timeoutMs?: number;
}

/**
 * A canary topic's name: a valid Kafka topic name that contains `canary`. The run
 * creates, adopts and writes to the topic it is given, so this guards against a
 * `--topic orders` that would put canary records into an application's topic.
 * Returns the problem in words, or null.
 */
export function canaryTopicNameProblem(topic: string): string | null {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic) || topic === '.' || topic === '..') {
    return `'${topic}' is not a valid Kafka topic name (letters, digits, '.', '_', '-'; at most 249)`;
  }
  if (!/canary/i.test(topic)) {
    return (
      `'${topic}' does not contain "canary": the run writes canary records to this topic, ` +
      'so it only uses topics named as canaries (e.g. kuv-canary, orders-canary), never an application topic'
    );
  }
  return null;
}

/** Polls `check` every 250 ms; a timeout is a CanaryRunError naming `what` and the last error. */
function pollUntil(timeoutMs: number, check: () => Promise<boolean>, what: string): Promise<void> {
  return waitFor(check, {
    timeoutMs,
    intervalMs: 250,
    what,
    retryErrors: true,
    onTimeout: (timeout) =>
      new CanaryRunError(
        `${timeout.message}. Check that every broker is up and the cluster is healthy, then run again.`,
        { cause: timeout },
      ),
  });
}

async function currentPlacement(admin: Admin, topic: string): Promise<number[][]> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitions = [...(topics[0]?.partitions ?? [])].sort(
    (a, b) => a.partitionId - b.partitionId,
  );
  return partitions.map((p) => [...p.replicas]);
}

async function waitForLeaders(admin: Admin, topic: string, count: number, timeoutMs: number) {
  // createTopics({waitForLeaders: true}) fails on KRaft while a broker's metadata lags
  // (UNKNOWN_TOPIC_OR_PARTITION): poll the metadata ourselves.
  await pollUntil(
    timeoutMs,
    async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = topics[0]?.partitions ?? [];
      return partitions.length === count && partitions.every((p) => p.leader >= 0);
    },
    `a leader for every partition of the canary topic ${topic}`,
  );
}

/** Refuses an existing topic whose settings make the verdict meaningless; null when usable. */
export function unusableTopicReason(
  topic: string,
  placement: readonly (readonly number[])[],
  brokers: readonly number[],
): string | null {
  const rf = Math.min(...placement.map((r) => r.length));
  if (brokers.length >= 2 && rf < 2) {
    return (
      `the canary topic ${topic} exists with replication factor ${rf}: a broker restart takes its partitions offline, ` +
      'so loss and availability could not be judged. Delete it (kafka-topics --delete --topic ' +
      `${topic}) so the run creates it with replication factor ${Math.min(3, brokers.length)}, or pass --topic NAME for a new one.`
    );
  }
  if (placement.length < brokers.length) {
    return (
      `the canary topic ${topic} exists with ${placement.length} partition(s) for ${brokers.length} brokers: ` +
      'some brokers would lead no canary partition and their restarts would go unmeasured. ' +
      `Delete it so the run creates it with ${canaryTopicShape(brokers.length).partitions} partitions, or pass --topic NAME for a new one.`
    );
  }
  return null;
}

/**
 * Creates the canary topic, or adopts it when it exists: refuses unusable settings
 * (CanaryPreflightError), and moves replicas (alterPartitionReassignments) when a
 * broker added since is the preferred leader of no partition. A reassignment only
 * changes preferred leaders; leadership itself follows at the cluster's next
 * preferred-leader election (auto.leader.rebalance.enable, by default every 5 min).
 */
export async function ensureCanaryTopic(
  admin: Admin,
  options: CanaryTopicOptions,
): Promise<CanaryTopic> {
  const { topic } = options;
  const problem = canaryTopicNameProblem(topic);
  if (problem !== null) throw new CanaryPreflightError(`canary topic ${problem}.`);
  const brokers = [...new Set(options.brokers)].sort((a, b) => a - b);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const existing = (await admin.listTopics()).includes(topic);
  if (!existing) {
    const shape = canaryTopicShape(brokers.length);
    const placement = placeReplicas(brokers, shape.partitions, shape.replicationFactor);
    const created = await admin.createTopics({
      topics: [
        {
          topic,
          replicaAssignment: placement.map((replicas, partition) => ({ partition, replicas })),
          configEntries: [
            {
              name: 'min.insync.replicas',
              value: String(minInsyncReplicasFor(shape.replicationFactor)),
            },
            { name: 'retention.ms', value: String(options.retentionMs ?? DEFAULT_RETENTION_MS) },
            { name: 'cleanup.policy', value: 'delete' },
          ],
        },
      ],
      waitForLeaders: false,
      timeout: timeoutMs,
    });
    if (created) {
      await waitForLeaders(admin, topic, placement.length, timeoutMs);
      return { topic, placement, brokers, created: true, reassigned: false };
    }
    // Someone created it between listTopics and createTopics: adopt it below.
  }
  await waitForLeaders(admin, topic, (await currentPlacement(admin, topic)).length, timeoutMs);
  const placement = await currentPlacement(admin, topic);
  const reason = unusableTopicReason(topic, placement, brokers);
  if (reason !== null) throw new CanaryPreflightError(reason);
  const idle = brokersLeadingNothing(brokers, placement);
  if (idle.length === 0) return { topic, placement, brokers, created: false, reassigned: false };

  const rf = Math.min(brokers.length, Math.min(...placement.map((r) => r.length)));
  const wanted = placeReplicas(brokers, placement.length, rf);
  await admin.alterPartitionReassignments({
    topics: [
      {
        topic,
        partitionAssignment: wanted.map((replicas, partition) => ({ partition, replicas })),
      },
    ],
    timeout: timeoutMs,
  });
  await pollUntil(
    timeoutMs,
    async () => {
      const ongoing = await admin.listPartitionReassignments({
        topics: [{ topic, partitions: wanted.map((_, p) => p) }],
      });
      return ongoing.topics.every((t) => t.partitions.length === 0);
    },
    `the reassignment of ${topic} that makes broker(s) ${idle.join(', ')} preferred leaders`,
  );
  // The reassignment is done; wait until the metadata every client sees shows it.
  let placementNow = placement;
  await pollUntil(
    timeoutMs,
    async () => {
      placementNow = await currentPlacement(admin, topic);
      return JSON.stringify(placementNow) === JSON.stringify(wanted);
    },
    `the metadata of ${topic} to show the new replica order ${JSON.stringify(wanted)} (it shows ${JSON.stringify(placementNow)})`,
  );
  return { topic, placement: placementNow, brokers, created: false, reassigned: true };
}

/**
 * Each partition's end offset (high watermark), index = partition. Retried: right
 * after a topic is created or while leadership moves, a broker answers
 * NOT_LEADER_OR_FOLLOWER until its metadata catches up.
 */
export async function endOffsets(
  admin: Admin,
  topic: string,
  partitions: number,
  timeoutMs = 30_000,
): Promise<number[]> {
  const ends = new Array<number>(partitions).fill(0);
  await pollUntil(
    timeoutMs,
    async () => {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (p.partition < partitions) ends[p.partition] = Number(p.high);
      }
      return true;
    },
    `the end offsets of ${topic}`,
  );
  return ends;
}
