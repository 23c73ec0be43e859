/**
 * kafkajs in the tests, in the kafkajs test style: a random topic and group per test,
 * every client disconnected after the test whatever happened, the round trip each Kafka
 * version is proven with, and kcat as the independent reader of a topic.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

import type { Admin, Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { afterEach, expect } from 'vitest';

import { createKafka } from '../../functions/core/kafka/client.js';
import { sleep, waitFor } from '../../functions/core/wait.js';

export function secureRandom(bytes = 6): string {
  return randomBytes(bytes).toString('hex');
}

export function randomTopic(prefix = 'kuv-it'): string {
  return `${prefix}-${secureRandom()}`;
}

export function randomGroup(prefix = 'kuv-it-group'): string {
  return `${prefix}-${secureRandom()}`;
}

export function kafkaFor(
  cluster: { bootstrap: string; dnsServer: string | null },
  clientId = `kuv-it-${secureRandom(3)}`,
): Kafka {
  return createKafka({
    bootstrap: cluster.bootstrap,
    dnsServer: cluster.dnsServer ?? undefined,
    clientId,
    config: {
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 3000 },
      connectionTimeout: 3000,
    },
  });
}

type Client = Admin | Producer | Consumer;

/**
 * Registers an afterEach that disconnects every client created through `track`;
 * call once at the top of a test file.
 */
export function trackClients(): <T extends Client>(client: T) => T {
  const clients: Client[] = [];
  afterEach(async () => {
    const all = clients.splice(0);
    await Promise.all(all.map((c) => c.disconnect().catch(() => {})));
  });
  return (client) => {
    clients.push(client);
    return client;
  };
}

export async function createTopic(admin: Admin, topic: string, numPartitions = 3): Promise<void> {
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions, replicationFactor: -1 }],
    waitForLeaders: false,
    timeout: 30_000,
  });
  expect(created, `topic ${topic} already existed; random topic names must not collide`).toBe(true);
  // kafkajs' own waitForLeaders retries only LEADER_NOT_AVAILABLE, but a KRaft broker
  // whose metadata has not caught up answers UNKNOWN_TOPIC_OR_PARTITION: wait ourselves.
  await waitFor(
    async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = topics[0]?.partitions ?? [];
      return partitions.length === numPartitions && partitions.every((p) => p.leader >= 0);
    },
    {
      what: `leaders for every partition of the new topic ${topic}`,
      timeoutMs: 30_000,
      intervalMs: 250,
      retryErrors: true,
    },
  );
}

/** Waits until every partition of `topics` has a leader and its whole replica set in sync. */
export async function waitForInSync(admin: Admin, topics: string[], what: string): Promise<void> {
  await waitFor(
    async () => {
      const { topics: described } = await admin.fetchTopicMetadata({ topics });
      return described.every((t) =>
        t.partitions.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length),
      );
    },
    {
      what: `every partition of ${what} led and in sync`,
      timeoutMs: 30_000,
      intervalMs: 250,
      retryErrors: true,
    },
  );
}

export interface Consumed {
  partition: number;
  message: KafkaMessage;
}

/**
 * Consumes `topic` from the beginning in a fresh consumer group until `count` distinct
 * values arrived (or the timeout); the consumer is disconnected in finally. Distinct,
 * because a consumer group may legitimately redeliver (a rebalance while the coordinator
 * moves right after a roll re-reads from the last commit): at-least-once, not exactly-once.
 */
export async function consumeCount(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 60_000,
  groupId = randomGroup(),
  done: (received: Consumed[]) => boolean = (received) => distinctValues(received).size >= count,
): Promise<Consumed[]> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const received: Consumed[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `consumed ${received.length} of ${count} messages from ${topic} within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            received.push({ partition, message });
            if (done(received)) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
    // Commit what was consumed before leaving, rather than trusting the auto-commit to
    // land while the group may be rebalancing; retried, as a rebalance refuses commits.
    const next = new Map<number, bigint>();
    for (const { partition, message } of received) {
      const offset = BigInt(message.offset) + 1n;
      if (offset > (next.get(partition) ?? 0n)) next.set(partition, offset);
    }
    const offsets = [...next].map(([partition, offset]) => ({
      topic,
      partition,
      offset: offset.toString(),
    }));
    for (let attempt = 1; ; attempt++) {
      try {
        await consumer.commitOffsets(offsets);
        break;
      } catch (error) {
        if (attempt >= 10) throw error;
        await sleep(500);
      }
    }
  } finally {
    await consumer.disconnect().catch(() => {});
  }
  return received;
}

export function distinctValues(consumed: Consumed[]): Set<string> {
  return new Set(consumed.map((c) => c.message.value?.toString() ?? ''));
}

/**
 * Produces, consumes with a group, and checks with admin calls — the round trip the
 * tests prove on each Kafka version. Returns the topic it used.
 */
export async function roundTrip(
  kafka: Kafka,
  track: <T extends Client>(c: T) => T,
  messages = 30,
): Promise<string> {
  const topic = randomTopic();
  const admin = track(kafka.admin());
  await admin.connect();
  await createTopic(admin, topic);
  const producer = track(kafka.producer({ allowAutoTopicCreation: false }));
  await producer.connect();
  const values = Array.from({ length: messages }, (_, i) => `m-${i}`);
  await producer.send({
    topic,
    acks: -1,
    messages: values.map((value, i) => ({ key: `k-${i % 7}`, value })),
  });
  // The log may hold more than `messages` records: a produce the broker wrote but
  // answered with a retriable error (NOT_ENOUGH_REPLICAS_AFTER_APPEND on a brand-new
  // topic) is written again by kafkajs' retry. Read to the end of every partition.
  const ends = new Map(
    (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]),
  );
  const groupId = randomGroup();
  const consumed = await consumeCount(kafka, topic, messages, 60_000, groupId, (received) => {
    const reached = new Map<number, number>();
    for (const { partition, message } of received) {
      reached.set(partition, Math.max(reached.get(partition) ?? 0, Number(message.offset) + 1));
    }
    return [...ends].every(([partition, end]) => (reached.get(partition) ?? 0) >= end);
  });
  expect([...distinctValues(consumed)].sort()).toEqual([...values].sort());
  const written = [...ends.values()].reduce((a, b) => a + b, 0);
  if (written !== messages) {
    process.stderr.write(
      `note: ${topic} holds ${written} records for ${messages} sends (producer retries)\n`,
    );
  }
  // The group committed its offsets up to the end of every partition, as admin sees them.
  let last = '';
  await waitFor(
    async () => {
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      last = JSON.stringify(offsets[0]!.partitions.map((p) => [p.partition, p.offset]));
      // An empty partition has nothing to commit: kafkajs reports -1 for it.
      return offsets[0]!.partitions.every((p) => {
        const end = ends.get(p.partition) ?? 0;
        return Number(p.offset) === end || (end === 0 && Number(p.offset) < 0);
      });
    },
    {
      what: () =>
        `group ${groupId} committed offsets at the end of every partition of ${topic} (ends ${JSON.stringify([...ends])}, committed ${last})`,
      timeoutMs: 30_000,
      intervalMs: 250,
      retryErrors: true,
    },
  );
  return topic;
}

/**
 * What an independent reader finds in the topic: kcat reads it to its end (through
 * `bootstrap`, e.g. a broker's INTERNAL listener) and gives, per identity
 * (`producer/partition/seq`, as identity() writes it) of this run's records, the
 * offsets it is at.
 */
export function kcatOffsets(
  bootstrap: string,
  topic: string,
  runId: string,
): Map<string, Set<string>> {
  const r = spawnSync(
    'kcat',
    ['-C', '-b', bootstrap, '-t', topic, '-e', '-q', '-f', '%p\t%o\t%s\n'],
    {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      timeout: 60_000,
    },
  );
  if (r.status !== 0) throw new Error(`kcat could not read ${topic}: ${r.stderr}`);
  const offsets = new Map<string, Set<string>>();
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const [partition, offset, ...rest] = line.split('\t');
    const payload = JSON.parse(rest.join('\t')) as { runId: string; producer: string; seq: number };
    if (payload.runId !== runId) continue;
    const key = `${payload.producer}/${partition}/${payload.seq}`;
    offsets.set(key, (offsets.get(key) ?? new Set()).add(offset!));
  }
  return offsets;
}
