/**
 * The canary producer's send queue against a fake kafkajs producer whose requests the
 * test completes by hand: no tick is skipped, queued messages go in seq order in one
 * request, records carry scheduledAt, and the queue's bound fails messages visibly.
 */
import type { Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import {
  CanaryProducer,
  QUEUE_FULL_ERROR,
  MAX_QUEUED_PER_PARTITION,
  longestWait,
} from '../../../functions/core/canary/producer.js';
import { decodePayload } from '../../../functions/core/canary/payload.js';
import { emptyCounters, type SliceState } from '../../../functions/core/canary/state.js';
import type { HistoryRecordOut } from '../../../functions/core/probe/monitor.js';
import { sampleState } from './fixtures.js';

interface Request {
  partition: number;
  values: string[];
  ack(baseOffset: number): void;
  fail(error: Error): void;
}

/** A kafkajs producer whose every send waits until the test acks or fails it. */
function handDriven() {
  const requests: Request[] = [];
  const producer = {
    connect: async () => {},
    disconnect: async () => {},
    send: ({ messages }: { messages: Array<{ partition: number; value: string }> }) =>
      new Promise((resolve, reject) => {
        const partition = messages[0]!.partition;
        requests.push({
          partition,
          values: messages.map((m) => m.value),
          ack: (baseOffset) =>
            resolve([
              { topicName: 'kuv-canary', partition, errorCode: 0, baseOffset: `${baseOffset}` },
            ]),
          fail: reject,
        });
      }),
  };
  return { requests, producer: producer as unknown as Producer };
}

function freshState(overrides: Partial<SliceState> = {}): SliceState {
  return sampleState({
    partitions: 1,
    nextSeq: [0],
    firstOffsets: [0],
    consumedUpTo: [-1],
    counters: emptyCounters(),
    lastError: null,
    ...overrides,
  });
}

/** Lets the producer's promise callbacks run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

function setup(overrides: Partial<SliceState> = {}, maxQueued?: number) {
  const { requests, producer } = handDriven();
  const records: HistoryRecordOut[] = [];
  const state = freshState(overrides);
  let clock = 1_000;
  const canary = new CanaryProducer(producer, state, (r) => records.push(r), 'canary', {
    now: () => clock,
    ...(maxQueued === undefined ? {} : { maxQueued }),
  });
  return {
    requests,
    records,
    state,
    canary,
    at: (t: number) => {
      clock = t;
    },
  };
}

describe('the canary producer', () => {
  it('says how long the oldest message without an outcome has waited since its tick', async () => {
    const { requests, canary, at } = setup();
    expect(longestWait(canary.waiting(1_000))).toBe(0);
    canary.tick(1_000);
    at(1_100);
    canary.tick(1_100);
    // In flight since tick 1000, one more queued behind it.
    expect(longestWait(canary.waiting(4_000))).toBe(3_000);
    at(4_000);
    requests[0]!.ack(0);
    await settle();
    // The queued one (tick 1100) is in flight now.
    expect(longestWait(canary.waiting(4_500))).toBe(3_400);
    requests[1]!.ack(1);
    await settle();
    expect(longestWait(canary.waiting(5_000))).toBe(0);
  });

  it('queues the ticks that find their partition busy and sends them together, in order, in one request', async () => {
    const { requests, records, state, canary, at } = setup();
    canary.tick(1_000);
    expect(requests).toHaveLength(1);
    at(1_100);
    canary.tick(1_100);
    at(1_200);
    canary.tick(1_200);
    at(1_300);
    canary.tick(1_300);
    // Idempotent: one request in flight; the other three ticks wait, none skipped.
    expect(requests).toHaveLength(1);
    expect(canary.queued).toBe(3);
    expect(state.counters.sent).toBe(4);

    at(1_350);
    requests[0]!.ack(40);
    await settle();
    expect(requests).toHaveLength(2);
    expect(requests[1]!.values.map((v) => decodePayload(v)!.seq)).toEqual([1, 2, 3]);
    // The payload's sentAt is when the request was handed over, as the record's.
    expect(requests[1]!.values.map((v) => decodePayload(v)!.sentAt)).toEqual([1_350, 1_350, 1_350]);

    at(1_400);
    requests[1]!.ack(41);
    await settle();
    await canary.drain();
    expect(records).toEqual([
      {
        type: 'produce',
        producer: 'canary',
        partition: 0,
        seq: 0,
        sentAt: 1_000,
        scheduledAt: 1_000,
        ok: true,
        ackedAt: 1_350,
        offset: 40,
      },
      {
        type: 'produce',
        producer: 'canary',
        partition: 0,
        seq: 1,
        sentAt: 1_350,
        scheduledAt: 1_100,
        ok: true,
        ackedAt: 1_400,
        offset: 41,
      },
      {
        type: 'produce',
        producer: 'canary',
        partition: 0,
        seq: 2,
        sentAt: 1_350,
        scheduledAt: 1_200,
        ok: true,
        ackedAt: 1_400,
        offset: 42,
      },
      {
        type: 'produce',
        producer: 'canary',
        partition: 0,
        seq: 3,
        sentAt: 1_350,
        scheduledAt: 1_300,
        ok: true,
        ackedAt: 1_400,
        offset: 43,
      },
    ]);
    // The longest wait, tick to ack: seq 0, ticked at 1_000, acked at 1_350.
    expect(state.counters).toMatchObject({
      sent: 4,
      acked: 4,
      failed: 0,
      queueFull: 0,
      longestStallMs: 350,
    });
  });

  it('records every message of a failed request as failed, then sends what queued behind it', async () => {
    const { requests, records, state, canary, at } = setup();
    canary.tick(1_000);
    canary.tick(1_100);
    at(9_000);
    requests[0]!.fail(
      Object.assign(new Error('gone'), { type: 'NOT_LEADER_OR_FOLLOWER', retryCount: 9 }),
    );
    await settle();
    expect(requests).toHaveLength(2);
    at(9_050);
    requests[1]!.ack(7);
    await settle();
    expect(records.map((r) => [r.seq, r.ok, r.error, r.attempts])).toEqual([
      [0, false, 'NOT_LEADER_OR_FOLLOWER', 10],
      [1, true, undefined, undefined],
    ]);
    expect(state.counters).toMatchObject({ sent: 2, acked: 1, failed: 1 });
  });

  it('keeps up to 5 requests in flight at-least-once before it queues', async () => {
    const { requests, canary } = setup({ mode: 'at-least-once' });
    for (let t = 0; t < 7; t++) canary.tick(1_000 + t * 100);
    expect(requests).toHaveLength(5);
    expect(canary.queued).toBe(2);
    requests[0]!.ack(0);
    await settle();
    expect(requests).toHaveLength(6);
    expect(requests[5]!.values).toHaveLength(2);
  });

  it('fails a tick at once, recorded, when its partition already has the bound queued', async () => {
    expect(MAX_QUEUED_PER_PARTITION).toBe(1000);
    const { requests, records, state, canary, at } = setup({}, 3);
    for (let t = 0; t < 6; t++) {
      at(1_000 + t * 100);
      canary.tick(1_000 + t * 100);
    }
    // One in flight, three queued, the last two ticks failed on the full queue.
    expect(canary.queued).toBe(3);
    expect(records).toEqual([
      {
        type: 'produce',
        producer: 'canary',
        partition: 0,
        seq: 4,
        scheduledAt: 1_400,
        sentAt: 1_400,
        ok: false,
        failedAt: 1_400,
        error: QUEUE_FULL_ERROR,
        attempts: 0,
      },
      {
        type: 'produce',
        producer: 'canary',
        partition: 0,
        seq: 5,
        scheduledAt: 1_500,
        sentAt: 1_500,
        ok: false,
        failedAt: 1_500,
        error: QUEUE_FULL_ERROR,
        attempts: 0,
      },
    ]);
    expect(state.counters).toMatchObject({ sent: 6, failed: 2, queueFull: 2 });
    expect(state.lastError).toEqual({ at: 1_500, partition: 0, error: QUEUE_FULL_ERROR });
    requests[0]!.ack(0);
    await settle();
    requests[1]!.ack(1);
    await settle();
    await canary.drain();
    // seq stays dense: every seq has exactly one record.
    expect(records.map((r) => r.seq).sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('drains only once every queued message has its outcome', async () => {
    const { requests, records, canary } = setup();
    canary.tick(1_000);
    canary.tick(1_100);
    let drained = false;
    const done = canary.drain().then(() => {
      drained = true;
    });
    requests[0]!.ack(0);
    await settle();
    expect(drained).toBe(false);
    requests[1]!.ack(1);
    await done;
    expect(records).toHaveLength(2);
  });
});
