/**
 * The canary producer: one message per partition per tick, to an explicit partition,
 * acks=all, each with the next `seq` of its partition. One `produce` history record per
 * message, when its outcome is known.
 *
 * Every tick's message is sent: no tick is skipped, so latency figures keep the slow
 * moments (no coordinated omission). A partition never has more than
 * `maxInFlightPerPartition` requests outstanding — 1 for idempotent, 5 (Kafka's own
 * bound) for at-least-once. A tick that finds its partition full queues its message;
 * when a request completes, everything queued for that partition goes, in `seq` order,
 * in ONE request (one `producer.send` with several messages, one record batch: its
 * records get consecutive offsets from the batch's base offset).
 *
 * Each record carries `scheduledAt`, the tick it belongs to, and `sentAt`, the moment
 * its request was handed to the client (the payload carries the same `sentAt`). So
 * `ackedAt − sentAt` (produceLatencyMs) is the request's own round trip, retries
 * inside the client included, and `ackedAt − scheduledAt` (scheduledLatencyMs) adds the
 * wait in the queue: what an application producing at that rate feels.
 *
 * The queue is bounded: at most MAX_QUEUED_PER_PARTITION messages wait per partition
 * (100 s of ticks at the default 100 ms interval; ~90 KB in one request, far below
 * Kafka's 1 MB batch limit). A tick that finds its partition's queue full is not
 * dropped: its message gets its `seq` and a failed `produce` record at once, error
 * `CANARY_QUEUE_FULL` with `attempts: 0` (counted in `queueFull` and `failed`) — what an
 * application sees when its producer's buffer is full. A partition down for minutes
 * thus shows as failed sends (and as unavailability), never as a burst of old ticks
 * without a trace.
 *
 * Why 1 in flight for idempotent: kafkajs does not keep concurrent sends to one
 * partition in call order (each send awaits metadata, then a per-broker lock that is
 * not FIFO), so with several in flight the log held seq 34 before 33 on a healthy
 * cluster. Idempotence only orders what the client hands the broker; at 1 in flight
 * (one batch, in seq order) any reordering is the cluster's. At-least-once keeps 5, as
 * applications do, and may show that reordering.
 */
import type { Kafka, Producer, ProducerConfig } from 'kafkajs';

import type { Emit } from '../probe/monitor.js';
import { kafkaAttempts, kafkaErrorName } from './kafka-errors.js';
import { encodePayload } from './payload.js';
import type { ProducerMode, SliceState } from './state.js';

/** The broker-side produce timeout: short enough that a stuck replica shows in seconds. */
/**
 * How long the oldest message without an outcome has waited since its tick (0 when none
 * waits), from `waiting()`: in a request in flight or queued behind one. What an
 * application sending at the canary's rate would be waiting for right now.
 */
export function longestWait(waiting: readonly { waitedMs: number }[]): number {
  return waiting.reduce((most, w) => Math.max(most, w.waitedMs), 0);
}

export const PRODUCE_REQUEST_TIMEOUT_MS = 5000;

/** Messages that may wait per partition behind its in-flight requests. */
export const MAX_QUEUED_PER_PARTITION = 1000;

/** The error of a tick whose partition's queue was full. */
export const QUEUE_FULL_ERROR = 'CANARY_QUEUE_FULL';

export function maxInFlightPerPartition(mode: ProducerMode): number {
  return mode === 'idempotent' ? 1 : 5;
}

/**
 * kafkajs producer options for a mode. idempotent: the broker dedupes retries, one
 * request in flight per connection (any loss or duplicate is the cluster's fault).
 * at-least-once: retries without idempotence and five requests in flight — what a
 * typical application runs, so duplicates and reordering on retries are possible.
 */
export function producerOptions(mode: ProducerMode): ProducerConfig {
  // Retries: 100 ms doubling to at most 1 s, ~10 tries ≈ 8 s before a send is called failed.
  const retry = { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 };
  return mode === 'idempotent'
    ? { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry }
    : { idempotent: false, maxInFlightRequests: 5, allowAutoTopicCreation: false, retry };
}

/** A message waiting for its partition: its seq and its tick. */
interface Queued {
  seq: number;
  scheduledAt: number;
}

export interface CanaryProducerOptions {
  /** Bound on the messages waiting per partition; default MAX_QUEUED_PER_PARTITION. */
  maxQueued?: number;
  /** The clock; default Date.now. */
  now?: () => number;
}

export class CanaryProducer {
  private readonly inFlight: number[];
  private readonly queues: Queued[][];
  private readonly pending = new Set<Promise<void>>();
  /** Per request in flight: the tick of its oldest message (batches go in seq order). */
  /** Per request in flight: its partition and its first message's tick. */
  private readonly flightTicks = new Map<Promise<void>, { partition: number; tick: number }>();
  private readonly limit: number;
  private readonly maxQueued: number;
  private readonly now: () => number;
  private idle: (() => void)[] = [];

  /** `name`: the `producer` of the records it sends; default the state's. */
  constructor(
    private readonly producer: Producer,
    private readonly state: SliceState,
    private readonly emit: Emit,
    private readonly name: string = state.producer,
    options: CanaryProducerOptions = {},
  ) {
    this.inFlight = new Array<number>(state.partitions).fill(0);
    this.queues = Array.from({ length: state.partitions }, () => []);
    this.limit = maxInFlightPerPartition(state.mode);
    this.maxQueued = options.maxQueued ?? MAX_QUEUED_PER_PARTITION;
    this.now = options.now ?? Date.now;
  }

  static create(kafka: Kafka, state: SliceState, emit: Emit, name?: string): CanaryProducer {
    return new CanaryProducer(kafka.producer(producerOptions(state.mode)), state, emit, name);
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  /** Requests in flight now, all partitions. */
  get outstanding(): number {
    return this.pending.size;
  }

  /**
   * Per partition with a message waiting for its outcome: since when (its oldest
   * message's tick) and how long that is now. The live checker's stall findings.
   */
  waiting(now: number = this.now()): { partition: number; since: number; waitedMs: number }[] {
    const since = new Map<number, number>();
    const older = (partition: number, tick: number) =>
      since.set(partition, Math.min(since.get(partition) ?? Infinity, tick));
    for (const { partition, tick } of this.flightTicks.values()) older(partition, tick);
    this.queues.forEach((queue, partition) => {
      if (queue.length > 0) older(partition, queue[0]!.scheduledAt);
    });
    return [...since].map(([partition, tick]) => ({
      partition,
      since: tick,
      waitedMs: Math.max(0, now - tick),
    }));
  }

  /** Messages waiting behind in-flight requests now, all partitions. */
  get queued(): number {
    return this.queues.reduce((n, q) => n + q.length, 0);
  }

  /**
   * One message per partition for the tick due at `scheduledAt` (default now): sent at
   * once when its partition has room, else queued. Returns at once (outcomes arrive later).
   */
  tick(scheduledAt: number = this.now()): void {
    const { state } = this;
    for (let partition = 0; partition < state.partitions; partition++) {
      const seq = state.nextSeq[partition]!;
      state.nextSeq[partition] = seq + 1;
      state.counters.sent += 1;
      const queue = this.queues[partition]!;
      if (queue.length >= this.maxQueued) {
        state.counters.queueFull += 1;
        const at = this.now();
        const base = {
          type: 'produce',
          producer: this.name,
          partition,
          seq,
          sentAt: at,
          scheduledAt,
        };
        this.failed(base, at, QUEUE_FULL_ERROR, 0);
        continue;
      }
      queue.push({ seq, scheduledAt });
      this.pump(partition);
    }
  }

  /** Sends everything queued for `partition` in one request, if it has room. */
  private pump(partition: number): void {
    const queue = this.queues[partition]!;
    if (queue.length === 0 || this.inFlight[partition]! >= this.limit) return;
    const batch = queue.splice(0, queue.length);
    const { state } = this;
    const producer = this.name;
    const sentAt = this.now();
    this.inFlight[partition]! += 1;
    const bases = batch.map(({ seq, scheduledAt }) => ({
      type: 'produce',
      producer,
      partition,
      seq,
      sentAt,
      scheduledAt,
    }));
    const done = this.producer
      .send({
        topic: state.topic,
        acks: -1,
        timeout: PRODUCE_REQUEST_TIMEOUT_MS,
        messages: batch.map(({ seq }) => ({
          partition,
          value: encodePayload({ runId: state.runId, producer, seq, sentAt }),
        })),
      })
      .then(
        (metadata) => {
          const ackedAt = this.now();
          const m = metadata.find((x) => x.partition === partition);
          const first = Number(m?.baseOffset ?? m?.offset);
          for (const [i, base] of bases.entries()) {
            if (!Number.isSafeInteger(first) || first < 0) {
              this.failed(base, ackedAt, 'NO_OFFSET_IN_RESPONSE', undefined);
              continue;
            }
            state.counters.acked += 1;
            state.counters.longestStallMs = Math.max(
              state.counters.longestStallMs,
              ackedAt - base.scheduledAt,
            );
            this.emit({ ...base, ok: true, ackedAt, offset: first + i });
          }
        },
        (error: unknown) => {
          const failedAt = this.now();
          const name = kafkaErrorName(error);
          const attempts = kafkaAttempts(error);
          for (const base of bases) this.failed(base, failedAt, name, attempts);
        },
      )
      .finally(() => {
        this.inFlight[partition]! -= 1;
        this.pending.delete(done);
        this.flightTicks.delete(done);
        this.pump(partition);
        if (this.pending.size === 0) this.wakeIdle();
      });
    this.pending.add(done);
    this.flightTicks.set(done, { partition, tick: batch[0]!.scheduledAt });
  }

  private wakeIdle(): void {
    const waiting = this.idle;
    this.idle = [];
    for (const wake of waiting) wake();
  }

  private failed(
    base: { type: string; partition: number },
    failedAt: number,
    error: string,
    attempts: number | undefined,
  ): void {
    this.state.counters.failed += 1;
    this.state.lastError = { at: failedAt, partition: base.partition, error };
    this.emit({
      ...base,
      ok: false,
      failedAt,
      error,
      ...(attempts === undefined ? {} : { attempts }),
    });
  }

  /** Waits until every message ticked so far, queued ones included, has its outcome recorded. */
  async drain(): Promise<void> {
    // A request's completion sends the queue behind it before it leaves `pending`,
    // so no request in flight means nothing queued.
    if (this.pending.size === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  async disconnect(): Promise<void> {
    await this.drain();
    await this.producer.disconnect();
  }
}
