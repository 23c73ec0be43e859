/**
 * The canary consumer group: what an application's consumers feel through a rolling
 * restart. It reads the canary topic, commits as it goes, and writes one `consume`
 * record per record of this run it receives, in the order received — so records
 * delivered again after a rebalance show up as redelivered.
 */
import type { Admin, Consumer, Kafka } from 'kafkajs';

import type { Emit } from '../probe/monitor.js';
import { CanaryPreflightError, CanaryRunError } from './errors.js';
import { kafkaErrorName } from './kafka-errors.js';
import { payloadOfRun } from './payload.js';
import type { SliceState } from './state.js';

/** The group a run uses unless told: one per canary topic. */
export function defaultGroup(topic: string): string {
  return `${topic}-group`;
}

/**
 * Points the group at the run's first offsets before any member joins, so it reads
 * exactly this run's part of the topic: neither older runs' records nor (a fresh
 * group starting at "latest" after the producer began) a gap at the start.
 */
export async function positionGroup(admin: Admin, state: SliceState): Promise<void> {
  try {
    await admin.setOffsets({
      groupId: state.group,
      topic: state.topic,
      partitions: state.firstOffsets.map((offset, partition) => ({
        partition,
        offset: String(offset),
      })),
    });
  } catch (error) {
    throw new CanaryPreflightError(
      `cannot position consumer group ${state.group} at the run's start (${(error as Error).message}). ` +
        'Does another run or application use this group right now? Wait for it to end, or pass --group NAME.',
      { cause: error },
    );
  }
}

export class CanaryConsumer {
  private memberId: string;
  private joined: Promise<void>;
  private markJoined: () => void = () => {};

  constructor(
    private readonly consumer: Consumer,
    private readonly state: SliceState,
    private readonly emit: Emit,
    clientId: string,
  ) {
    this.memberId = clientId;
    this.joined = new Promise((resolve) => {
      this.markJoined = resolve;
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.memberId = event.payload.memberId;
      this.markJoined();
    });
    consumer.on(consumer.events.CRASH, (event) => {
      state.lastError = {
        at: Date.now(),
        partition: null,
        error: kafkaErrorName(event.payload.error),
      };
    });
  }

  static create(kafka: Kafka, state: SliceState, emit: Emit, clientId: string): CanaryConsumer {
    return new CanaryConsumer(
      kafka.consumer({
        groupId: state.group,
        sessionTimeout: 10_000,
        rebalanceTimeout: 20_000,
        heartbeatInterval: 1000,
        maxWaitTimeInMs: 250,
        allowAutoTopicCreation: false,
        retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
      }),
      state,
      emit,
      clientId,
    );
  }

  /** Joins the group and starts consuming; resolves once the group assigned partitions. */
  async start(joinTimeoutMs = 30_000): Promise<void> {
    const { state } = this;
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [state.topic], fromBeginning: false });
    await this.consumer.run({
      autoCommit: true,
      eachMessage: async ({ partition, message }) => {
        const payload = payloadOfRun(message.value, state.runId);
        if (payload === null) return;
        const offset = Number(message.offset);
        state.consumedUpTo[partition] = Math.max(state.consumedUpTo[partition] ?? -1, offset + 1);
        state.counters.consumed += 1;
        this.emit({
          type: 'consume',
          group: state.group,
          consumer: this.memberId,
          partition,
          offset,
          producer: payload.producer,
          seq: payload.seq,
          receivedAt: Date.now(),
        });
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new CanaryRunError(
              `consumer group ${state.group} was not assigned partitions of ${state.topic} within ${joinTimeoutMs} ms. ` +
                'Check the group coordinator (__consumer_offsets) is healthy.',
            ),
          ),
        joinTimeoutMs,
      );
    });
    try {
      await Promise.race([this.joined, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Commits what was received and leaves the group. */
  async stop(): Promise<void> {
    const { state } = this;
    const offsets = state.consumedUpTo
      .map((offset, partition) => ({ topic: state.topic, partition, offset: String(offset) }))
      .filter((o) => Number(o.offset) >= 0);
    try {
      if (offsets.length > 0) await this.consumer.commitOffsets(offsets);
    } catch {
      // A rebalance in progress refuses commits; the group's auto-commits stand, and
      // anything read again by the next member is measured as redelivered.
    }
    await this.consumer.disconnect();
  }
}
