/**
 * Helpers in the kafkajs test style: a random topic per test, and every client
 * disconnected after the test whatever happened.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Admin, Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { afterEach, expect, inject, vi } from 'vitest';

import { localClusterCommand } from '../../bin/commands/local-cluster.js';

import { ClusterError } from '../../functions/core/errors.js';
import { createKafka } from '../../functions/core/kafka/client.js';
import { isRunning } from '../../rehearsal/process.js';

export interface TestCluster {
  bootstrap: string;
  dnsServer: string | null;
  /** The local-cluster state file; null when the tests use an external cluster. */
  statePath: string | null;
  version: string;
}

/**
 * Shifts every port the tests use, so that two work trees on one machine can each run
 * their integration tests at once (KUV_TEST_PORT_SHIFT=1000 moves 19192 to 20192 …).
 */
export const TEST_PORT_SHIFT = testPortShift(process.env.KUV_TEST_PORT_SHIFT);

function testPortShift(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const shift = Number(value);
  if (!Number.isInteger(shift) || shift < 0 || shift > 20_000) {
    throw new ClusterError(
      `KUV_TEST_PORT_SHIFT must be a whole number from 0 to 20000, not '${value}'`,
    );
  }
  return shift;
}

/** Ports of the clusters the tests start: below the ephemeral range, apart from the CLI's defaults. */
export const TEST_CLUSTER_PORTS = {
  main: { portBase: 19192 + TEST_PORT_SHIFT, dnsPort: 15453 + TEST_PORT_SHIFT },
  upgrade: { portBase: 19292 + TEST_PORT_SHIFT, dnsPort: 15553 + TEST_PORT_SHIFT },
  errors: { portBase: 19392 + TEST_PORT_SHIFT, dnsPort: 15653 + TEST_PORT_SHIFT },
  canaryRoll: { portBase: 19492 + TEST_PORT_SHIFT, dnsPort: 15753 + TEST_PORT_SHIFT },
  probe: { portBase: 19692 + TEST_PORT_SHIFT, dnsPort: 15953 + TEST_PORT_SHIFT },
  secure: { portBase: 19792 + TEST_PORT_SHIFT, dnsPort: 16053 + TEST_PORT_SHIFT },
  rehearse: { portBase: 19892 + TEST_PORT_SHIFT, dnsPort: 16153 + TEST_PORT_SHIFT },
  rehearseUpgrade: { portBase: 19992 + TEST_PORT_SHIFT, dnsPort: 16253 + TEST_PORT_SHIFT },
  rehearseSecure: { portBase: 18892 + TEST_PORT_SHIFT, dnsPort: 16353 + TEST_PORT_SHIFT },
} as const;

/**
 * The test clusters' state files live in the checkout (`.cache/local-cluster/`, ignored
 * by git), not in the user's cache: each work tree has its own, found by the tests
 * whatever their working folder.
 */
export const TEST_STATE_DIR = fileURLToPath(
  new URL('../../.cache/local-cluster/', import.meta.url),
);

export function testStatePath(name: string): string {
  mkdirSync(TEST_STATE_DIR, { recursive: true });
  return join(TEST_STATE_DIR, name);
}

export function testCluster(): TestCluster {
  return inject('cluster');
}

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
  await waitFor(async () => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics[0]?.partitions ?? [];
    return partitions.length === numPartitions && partitions.every((p) => p.leader >= 0);
  }, `leaders for every partition of the new topic ${topic}`);
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
        await new Promise((r) => setTimeout(r, 500));
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
    () =>
      `group ${groupId} committed offsets at the end of every partition of ${topic} (ends ${JSON.stringify([...ends])}, committed ${last})`,
  );
  return topic;
}

/** Polls `check` every 250 ms until it is true; fails with `what` after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  expect.fail(
    `timed out after ${timeoutMs} ms waiting for: ${typeof what === 'string' ? what : what()}${last === null ? '' : ` (last error: ${String(last)})`}`,
  );
}

/**
 * Claims a test cluster's state file for this process, so two test runs in one work
 * tree never stop each other's cluster: a live other owner is an error, a dead one's
 * cluster is stale and may be stopped. Returns the release function.
 */
export function claimState(statePath: string): () => void {
  const ownerFile = `${statePath}.owner`;
  if (existsSync(ownerFile)) {
    const owner = Number(readFileSync(ownerFile, 'utf8').trim());
    let alive = false;
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid) {
      try {
        process.kill(owner, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (alive) {
      throw new ClusterError(
        `another test run (pid ${owner}) is using the local cluster of ${statePath}; ` +
          'wait for it to finish (two integration runs in one work tree would stop each other’s brokers).',
      );
    }
  }
  mkdirSync(dirname(ownerFile), { recursive: true });
  writeFileSync(ownerFile, `${process.pid}\n`);
  return () => rmSync(ownerFile, { force: true });
}

/** Live processes whose command line names `dataDir` (a cluster's brokers and dnsmasq). */
export function processesUnder(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(dataDir) && isRunning(Number(entry), dataDir)) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** Runs `local-cluster ARGS` in this process; resolves to its exit status and what it printed on stdout. */
export async function runLocalCluster(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    return { code: await localClusterCommand.run(args), out };
  } finally {
    spy.mockRestore();
  }
}
