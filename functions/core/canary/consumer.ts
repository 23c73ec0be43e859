/**
 * The canary consumer group: what an application's consumers feel through a rolling
 * restart. It reads the canary topic, commits as it goes, and writes one `consume`
 * record per record of this run it receives, in the order received — so records
 * delivered again after a rebalance show up as redelivered.
 */
import type { Admin, Consumer, Kafka } from 'kafkajs';

import { waitFor } from '../wait.js';
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
 * The verifying reader's throw-away group for one read-back (kafkajs has no assign()):
 * named after the canary topic, like the canary's own group, so that one grant on groups
 * `<topic>*` (MSK IAM, ACLs by prefix) covers both; unique per read-back.
 */
export function readerGroup(topic: string, runId: string, now = Date.now()): string {
  return `${topic}-reader-${runId}-${now.toString(36)}`;
}

/**
 * Refuses a group that has members right now (another run, or an application, using
 * the same group would share the partitions and the measurement would mean nothing).
 */
export async function checkGroupIdle(admin: Admin, group: string): Promise<void> {
  const { groups } = await admin.describeGroups([group]);
  const members = groups[0]?.members.length ?? 0;
  if (members > 0) {
    throw new CanaryPreflightError(
      `consumer group ${group} has ${members} member(s) right now (state ${groups[0]!.state}): another run or an application uses it. ` +
        'Wait for it to end, or pass --group NAME for a group of this run alone.',
    );
  }
}

export class CanaryConsumer {
  private memberId: string;
  private assigned: number[] = [];
  private fetches = 0;
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
      this.assigned = event.payload.memberAssignment[state.topic] ?? [];
      this.markJoined();
    });
    consumer.on(consumer.events.FETCH_START, () => {
      this.fetches += 1;
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
      if (!state.groupPositioned) await this.positionAtRunStart(joinTimeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Once per run, before the producer starts: moves the group to the run's first
   * offsets (kafkajs commits a seek at once), so it reads exactly this run's part of
   * the topic — neither older runs' records nor, for a new group that would start at
   * "latest", a gap at the start. Later joins (a rebalance, the next slice) resume from
   * the group's commits, so a redelivery is the group's, never ours.
   */
  private async positionAtRunStart(timeoutMs: number): Promise<void> {
    const { state } = this;
    for (const partition of this.assigned) {
      this.consumer.seek({
        topic: state.topic,
        partition,
        offset: String(state.firstOffsets[partition] ?? 0),
      });
    }
    // A seek is applied (and committed) at the start of the next fetch.
    const target = this.fetches + 2;
    await waitFor(() => this.fetches >= target, {
      timeoutMs,
      intervalMs: 50,
      what: `consumer group ${state.group} to fetch after joining`,
      onTimeout: () =>
        new CanaryRunError(
          `consumer group ${state.group} did not fetch within ${timeoutMs} ms after joining; check the brokers' health.`,
        ),
    });
    state.groupPositioned = true;
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
