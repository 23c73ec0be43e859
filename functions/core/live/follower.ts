/**
 * The following verifying reader (issue 17): while the canary runs, reads each canary
 * partition's committed log from the run's first offset as it grows and gives every
 * record of this run, in offset order, to the live checker (`followed`), and the high
 * watermark once it has caught up (`followedTo`). The checker finds duplicates,
 * out-of-order records and acked records missing from the log within seconds of their
 * being written, instead of at the final read-back.
 *
 * It writes nothing to the history: the final read-back (canary/reader.ts) stays the
 * ground truth the verdict is on. It has no consumer group of its own to speak of:
 * kafkajs has no assign(), so it is a throw-away group that never commits, seeks to the
 * run's first offsets whenever it is assigned partitions (a rebalance re-reads; the
 * checker ignores offsets it has passed), and is deleted at the end. Its name starts
 * with the canary topic, like the reader's, so the one `<topic>*` group grant (MSK IAM,
 * ACLs by prefix) covers it.
 *
 * A follower that cannot read says so once through `note` and the run goes on: live
 * findings are an early warning, never a condition of the verdict.
 */
import type { Kafka } from 'kafkajs';

import { payloadOfRun } from '../canary/payload.js';
import type { FollowedRecord } from './checker.js';

export interface FollowerTarget {
  followed(record: FollowedRecord): void;
  followedTo(partition: number, end: number): void;
}

export interface FollowerOptions {
  kafka: Kafka;
  topic: string;
  runId: string;
  /** Per partition, the offset the run's first record got (the canary's firstOffsets). */
  firstOffsets: readonly number[];
  target: FollowerTarget;
  /** Where a failure is told (once), and a group left behind. */
  note: (message: string) => void;
  now?: () => number;
}

/** The follower's throw-away group: `<topic>-follower-<runId>`. */
export function followerGroup(topic: string, runId: string): string {
  return `${topic}-follower-${runId}`;
}

export interface Follower {
  /** Stops reading, leaves and deletes the group; never throws. */
  stop(): Promise<void>;
}

export function startFollower(options: FollowerOptions): Follower {
  const { kafka, topic, runId, firstOffsets, target, note } = options;
  const groupId = followerGroup(topic, runId);
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
    retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  let told = false;
  const tell = (what: string, error: unknown) => {
    if (told) return;
    told = true;
    note(
      `live: the following reader ${what} (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}); ` +
        'duplicates, reordering and suspected loss are not seen live from now on. The final read-back still decides the verdict.',
    );
  };
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    for (const partition of event.payload.memberAssignment[topic] ?? []) {
      consumer.seek({ topic, partition, offset: String(firstOffsets[partition] ?? 0) });
    }
  });
  consumer.on(consumer.events.CRASH, (event) => {
    tell('stopped', event.payload.error);
  });
  const running = (async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const p = batch.partition;
        const first = firstOffsets[p] ?? 0;
        for (const message of batch.messages) {
          const offset = Number(message.offset);
          if (offset < first) continue;
          const payload = payloadOfRun(message.value, runId);
          if (payload === null) continue;
          target.followed({
            partition: p,
            offset,
            producer: payload.producer,
            seq: payload.seq,
            timestamp: Number(message.timestamp),
          });
        }
        const hw = Number(batch.highWatermark);
        const last = Number(batch.lastOffset());
        // Caught up: every offset below the high watermark has been given.
        if (Number.isSafeInteger(hw) && last + 1 >= hw && hw > first) target.followedTo(p, hw);
        await heartbeat();
      },
    });
  })().catch((error: unknown) => tell('could not start', error));
  return {
    async stop() {
      await running;
      await consumer.disconnect().catch(() => undefined);
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.deleteGroups([groupId]);
      } catch (error) {
        note(
          `live: the following reader's group ${groupId} was not deleted (${error instanceof Error ? error.message : String(error)}); ` +
            `delete it with kafka-consumer-groups.sh --bootstrap-server … --delete --group ${groupId}`,
        );
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
