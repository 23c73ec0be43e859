/**
 * The canary producer: one message per partition per interval, to an explicit
 * partition, acks=all, each with the next `seq` of its partition. One `produce`
 * history record per send, when its outcome is known.
 *
 * Sends in flight: a partition never has more than `maxInFlightPerPartition` sends
 * outstanding — 1 for idempotent, 5 (Kafka's own bound) for at-least-once. A tick that
 * finds its partition full sends nothing for it (counted in `skippedSends`): while a
 * leader is down the canary does not pile up sends to release in a burst later. `seq`
 * stays dense (taken when a send is handed to the client), `sentAt` is that moment, so
 * `ackedAt − sentAt` includes any wait inside the client — what an application feels —
 * and a stalled partition shows as long latencies or failed sends, never as a burst.
 *
 * Why 1 for idempotent: kafkajs does not keep concurrent sends to one partition in call
 * order (each send awaits metadata, then a per-broker lock that is not FIFO), so with
 * several in flight the log held seq 34 before 33 on a healthy cluster. Idempotence
 * only orders what the client hands the broker; at 1 in flight any reordering is the
 * cluster's. At-least-once keeps 5, as applications do, and may show that reordering.
 */
import type { Kafka, Producer, ProducerConfig } from 'kafkajs';

import type { Emit } from '../probe/monitor.js';
import { kafkaAttempts, kafkaErrorName } from './kafka-errors.js';
import { encodePayload } from './payload.js';
import type { ProducerMode, SliceState } from './state.js';

/** The broker-side produce timeout: short enough that a stuck replica shows in seconds. */
export const PRODUCE_REQUEST_TIMEOUT_MS = 5000;

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

export class CanaryProducer {
  private readonly inFlight: number[];
  private readonly pending = new Set<Promise<void>>();
  private readonly limit: number;

  /** `name`: the `producer` of the records it sends; default the state's. */
  constructor(
    private readonly producer: Producer,
    private readonly state: SliceState,
    private readonly emit: Emit,
    private readonly name: string = state.producer,
  ) {
    this.inFlight = new Array<number>(state.partitions).fill(0);
    this.limit = maxInFlightPerPartition(state.mode);
  }

  static create(kafka: Kafka, state: SliceState, emit: Emit, name?: string): CanaryProducer {
    return new CanaryProducer(kafka.producer(producerOptions(state.mode)), state, emit, name);
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  /** Sends in flight now, all partitions. */
  get outstanding(): number {
    return this.pending.size;
  }

  /** One send per partition that has room; returns at once (outcomes arrive later). */
  tick(): void {
    for (let partition = 0; partition < this.state.partitions; partition++) {
      if (this.inFlight[partition]! >= this.limit) {
        this.state.counters.skippedSends += 1;
        continue;
      }
      this.send(partition);
    }
  }

  private send(partition: number): void {
    const { state } = this;
    const seq = state.nextSeq[partition]!;
    state.nextSeq[partition] = seq + 1;
    const sentAt = Date.now();
    state.counters.sent += 1;
    this.inFlight[partition]! += 1;
    const producer = this.name;
    const base = { type: 'produce', producer, partition, seq, sentAt };
    const done = this.producer
      .send({
        topic: state.topic,
        acks: -1,
        timeout: PRODUCE_REQUEST_TIMEOUT_MS,
        messages: [
          {
            partition,
            value: encodePayload({ runId: state.runId, producer, seq, sentAt }),
          },
        ],
      })
      .then(
        (metadata) => {
          const ackedAt = Date.now();
          const m = metadata.find((x) => x.partition === partition);
          const offset = Number(m?.baseOffset ?? m?.offset);
          if (!Number.isSafeInteger(offset) || offset < 0) {
            this.failed(base, ackedAt, 'NO_OFFSET_IN_RESPONSE', undefined);
            return;
          }
          state.counters.acked += 1;
          this.emit({ ...base, ok: true, ackedAt, offset });
        },
        (error: unknown) =>
          this.failed(base, Date.now(), kafkaErrorName(error), kafkaAttempts(error)),
      )
      .finally(() => {
        this.inFlight[partition]! -= 1;
        this.pending.delete(done);
      });
    this.pending.add(done);
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

  /** Waits until every send started so far has its outcome recorded. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async disconnect(): Promise<void> {
    await this.drain();
    await this.producer.disconnect();
  }
}
