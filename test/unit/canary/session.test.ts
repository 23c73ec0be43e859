/**
 * Canary slices against an in-memory Kafka (fake timers: minutes of a slice in
 * milliseconds): a long slice flushes its history at least every 30 s, a slice ends
 * within its time budget, and a retried slice neither rewrites a part key nor reuses
 * an identity.
 */
import { gunzipSync } from 'node:zlib';

import type { Kafka } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { attemptToken, sliceProducerName } from '../../../functions/commons/canary.js';
import {
  CanarySession,
  HISTORY_FLUSH_MS,
  sliceBudgetMs,
} from '../../../functions/core/canary/session.js';
import { MemorySink } from '../../../functions/core/canary/sink.js';
import type { SliceState } from '../../../functions/core/canary/state.js';
import { S3HistorySink } from '../../../functions/core/store/s3-history.js';
import { FakeS3, lambdaContext } from '../handlers/fakes.js';
import { sampleState } from './fixtures.js';

/** Just enough of kafkajs for a slice: a consumer that joins at once, a producer that acks. */
function fakeKafka(partitions: number): Kafka {
  const offsets = new Array<number>(partitions).fill(0);
  const consumer = () => {
    const handlers = new Map<string, (event: unknown) => void>();
    return {
      events: { GROUP_JOIN: 'join', FETCH_START: 'fetch', CRASH: 'crash' },
      on: (event: string, handler: (event: unknown) => void) => handlers.set(event, handler),
      connect: async () => {},
      subscribe: async ({ topics }: { topics: string[] }) => {
        handlers.set('topic', () => topics[0]);
      },
      run: async () => {
        handlers.get('join')?.({
          payload: {
            memberId: 'member-1',
            memberAssignment: { 'kuv-canary': [...offsets.keys()] },
          },
        });
      },
      seek: () => {},
      commitOffsets: async () => {},
      disconnect: async () => {},
    };
  };
  const producer = () => ({
    connect: async () => {},
    send: async ({ messages }: { messages: Array<{ partition: number }> }) => {
      const partition = messages[0]!.partition;
      const offset = offsets[partition]!;
      offsets[partition] = offset + messages.length;
      return [{ topicName: 'kuv-canary', partition, errorCode: 0, baseOffset: String(offset) }];
    },
    disconnect: async () => {},
  });
  return { consumer, producer } as unknown as Kafka;
}

/** A memory sink that notes when each flush that had new records happened. */
class TimedSink extends MemorySink {
  readonly flushedAt: number[] = [];
  override async flush(): Promise<void> {
    if (this.records.length > this.flushed) this.flushedAt.push(Date.now());
    await super.flush();
  }
}

function liveState(overrides: Partial<SliceState> = {}): SliceState {
  const now = Date.now();
  return sampleState({
    partitions: 2,
    firstOffsets: [0, 0],
    nextSeq: [0, 0],
    consumedUpTo: [-1, -1],
    counters: {
      sent: 0,
      acked: 0,
      failed: 0,
      queueFull: 0,
      longestStallMs: 0,
      consumed: 0,
      logged: 0,
    },
    lastError: null,
    monitors: {},
    startedAt: now,
    canaryStartedAt: now,
    canaryEndsAt: now + 3_600_000,
    ...overrides,
  });
}

/** Runs one slice to its end, moving the fake clock on. */
async function runSlice(session: CanarySession, state: SliceState, sliceMs: number) {
  const done = session.slice(state, sliceMs);
  await vi.advanceTimersByTimeAsync(sliceMs + 1000);
  return done;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_763_900_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a canary slice', () => {
  it('flushes its history at least every 30 s while it runs, not only at its end', async () => {
    const sink = new TimedSink();
    const session = new CanarySession({ kafka: fakeKafka(2), sink, keepClients: false });
    const began = Date.now();
    await runSlice(session, liveState(), 600_000);
    await session.close();
    const times = [began, ...sink.flushedAt];
    expect(sink.flushedAt.length).toBeGreaterThanOrEqual(20);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(HISTORY_FLUSH_MS);
    expect(sink.records.filter((r) => r.type === 'produce').length).toBeGreaterThan(10_000);
  });

  it('ends by its time budget: the slice length, or the time left less the margin', async () => {
    expect(sliceBudgetMs(600_000, 900_000, 90_000)).toBe(600_000);
    expect(sliceBudgetMs(600_000, 400_000, 90_000)).toBe(310_000);
    expect(sliceBudgetMs(600_000, 60_000, 90_000)).toBe(0);

    const remainingAtStart = 150_000;
    const sink = new TimedSink();
    const session = new CanarySession({ kafka: fakeKafka(2), sink, keepClients: false });
    const began = Date.now();
    const state = await runSlice(
      session,
      liveState(),
      sliceBudgetMs(600_000, remainingAtStart, 90_000),
    );
    await session.close();
    const slice = sink.records.find((r) => r.type === 'slice') as unknown as { endedAt: number };
    expect(slice.endedAt - began).toBeLessThanOrEqual(remainingAtStart - 90_000);
    expect(state.phase).toBe('canary');
  });

  it('a retry of a slice from the same input writes other part keys and no identity of the first attempt', async () => {
    const s3 = new FakeS3();
    const run = { bucket: 'store', cluster: 'orders', runId: 'r-0a1b2c3d' };
    const input = liveState();
    const attempts = [lambdaContext('canary-slice'), lambdaContext('canary-slice')].map(
      (context) => {
        const attempt = attemptToken(context);
        const sink = new S3HistorySink(s3, run, 7, attempt);
        const session = new CanarySession({
          kafka: fakeKafka(2),
          sink,
          keepClients: false,
          producerName: sliceProducerName(input, attempt),
        });
        return { sink, session };
      },
    );
    for (const { sink, session } of attempts) {
      await runSlice(session, structuredClone(input), 45_000);
      await session.close();
      expect(sink.written.length).toBeGreaterThanOrEqual(2);
    }
    const [first, retry] = attempts.map((a) => a.sink.written);
    expect(first!.filter((key) => retry!.includes(key))).toEqual([]);
    expect(first![0]).toMatch(/\/history\/part-0007-[0-9a-z]+\.jsonl\.gz$/);

    const identities = (keys: string[]) => {
      const ids = new Set<string>();
      for (const key of keys) {
        const text = gunzipSync(s3.objects.get(`store/${key}`)!).toString('utf8');
        for (const line of text.trim().split('\n')) {
          const r = JSON.parse(line) as {
            type: string;
            producer: string;
            partition: number;
            seq: number;
          };
          if (r.type === 'produce') ids.add(`${r.producer}/${r.partition}/${r.seq}`);
        }
      }
      return ids;
    };
    const a = identities(first!);
    const b = identities(retry!);
    expect(a.size).toBeGreaterThan(100);
    expect(b.size).toBe(a.size);
    expect([...a].filter((id) => b.has(id))).toEqual([]);
    // Each attempt's own producer still counts from the state's nextSeq, one by one.
    expect([...b].filter((id) => id.endsWith('/0/0'))).toHaveLength(1);
  });
});
