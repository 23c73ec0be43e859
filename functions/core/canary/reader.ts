/**
 * The verifying reader: once the canary has stopped, reads every canary partition
 * from the run's first offset to its end offset (taken now) and writes a `log`
 * record for each record of this run it finds. This is the ground truth the
 * analyzer compares acknowledged sends with: a record that is not here is lost.
 * So a partition that cannot be read to its end is an error, never a short read.
 */
import type { Admin, Kafka } from 'kafkajs';

import type { Emit } from '../probe/monitor.js';
import { CanaryAbortedError, CanaryRunError } from './errors.js';
import { readerGroup } from './consumer.js';
import { payloadOfRun } from './payload.js';
import { endOffsets } from './topic.js';
import type { SliceState } from './state.js';

export interface ReadBackResult {
  /** log records written. */
  logged: number;
  /** Per partition: the end offset read up to. */
  endOffsets: number[];
}

export async function readBack(
  kafka: Kafka,
  admin: Admin,
  state: SliceState,
  emit: Emit,
  timeoutMs = 60_000,
  signal?: AbortSignal,
  /** Where what went wrong after the read (a group left behind) is said; default nowhere. */
  note: (message: string) => void = () => undefined,
): Promise<ReadBackResult> {
  const ends = await endOffsets(admin, state.topic, state.partitions);
  const reached = [...state.firstOffsets];
  const complete = () => reached.every((r, p) => r >= ends[p]!);
  let logged = 0;
  if (complete()) return { logged, endOffsets: ends };

  // A throw-away group (kafkajs has no assign()) that seeks to the first offsets when it
  // joins; anything fetched before the seek lands is below them and skipped.
  const groupId = readerGroup(state.topic, state.runId);
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 200,
    allowAutoTopicCreation: false,
  });
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    for (const partition of event.payload.memberAssignment[state.topic] ?? []) {
      consumer.seek({
        topic: state.topic,
        partition,
        offset: String(state.firstOffsets[partition] ?? 0),
      });
    }
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [state.topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        const short = reached
          .map((r, p) => ({ p, r, end: ends[p]! }))
          .filter((x) => x.r < x.end)
          .map((x) => `partition ${x.p} read to offset ${x.r} of ${x.end}`);
        reject(
          new CanaryRunError(
            `the read-back of ${state.topic} did not reach the end of every partition within ${timeoutMs} ms: ${short.join(', ')}. ` +
              'Records not read back would count as lost, so no verdict is given. Check that every partition has a leader, then analyze a fresh run.',
          ),
        );
      }, timeoutMs);
      signal?.addEventListener('abort', () =>
        reject(
          new CanaryAbortedError(
            `run ${state.runId} aborted during the read-back; the history so far is kept, with no verdict.`,
          ),
        ),
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const p = batch.partition;
            const end = ends[p] ?? 0;
            for (const message of batch.messages) {
              const offset = Number(message.offset);
              if (offset < state.firstOffsets[p]! || offset >= end) continue;
              const payload = payloadOfRun(message.value, state.runId);
              if (payload !== null) {
                logged += 1;
                emit({
                  type: 'log',
                  partition: p,
                  offset,
                  producer: payload.producer,
                  seq: payload.seq,
                  timestamp: Number(message.timestamp),
                });
              }
            }
            if (batch.messages.length > 0) {
              reached[p] = Math.max(reached[p]!, Number(batch.lastOffset()) + 1);
            }
            if (complete()) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    // The read is over (or failed, and that error is the one thrown): a consumer that
    // does not disconnect cleanly only leaves its socket, which the session's close
    // destroys.
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch((error: unknown) => {
      note(
        `the read-back group ${groupId} was not deleted (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}); ` +
          `read-back groups pile up on the cluster, one per run: delete it with kafka-consumer-groups.sh --bootstrap-server … --delete --group ${groupId}`,
      );
    });
  }
  state.counters.logged += logged;
  return { logged, endOffsets: ends };
}
