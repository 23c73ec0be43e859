import { describe, expect, it } from 'vitest';

import {
  type GateSnapshot,
  expectedBrokers,
  gateCheck,
} from '../../../functions/core/gate/check.js';
import type { LiveView } from '../../../functions/core/gate/live-file.js';

const NOW = 1_800_000_000_000;

function healthy(over: Partial<GateSnapshot> = {}): GateSnapshot {
  return {
    at: NOW,
    metadataFailure: null,
    brokers: [1, 2, 3].map((id) => ({ id, host: `b${id}.kuv.test`, port: 9092 })),
    reach: [1, 2, 3].map((id) => ({ id, endpoint: `b${id}.kuv.test:9092`, failure: null })),
    topics: [
      {
        topic: 'kuv-canary',
        partitions: [
          { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3] },
          { partition: 1, leader: 2, replicas: [2, 3, 1], isr: [3, 1, 2] },
        ],
      },
    ],
    missingTopics: [],
    ...over,
  };
}

const acking = (over: Partial<LiveView> = {}): LiveView => ({
  hard: [],
  previous: { at: NOW - 8000, sent: 10, acked: 10, failed: 0, oldestWaitingMs: 0, finished: false },
  status: { at: NOW - 3000, sent: 20, acked: 20, failed: 0, oldestWaitingMs: 0, finished: false },
  ...over,
});

describe('gateCheck', () => {
  it('is safe on a healthy cluster, and with a live run that acks', () => {
    expect(gateCheck(healthy(), { expected: [1, 2, 3] })).toEqual({ safe: true, waitingFor: [] });
    expect(gateCheck(healthy({ live: acking(), runDir: 'r' }), { expected: [1, 2, 3] }).safe).toBe(
      true,
    );
  });

  it('waits for an expected broker the cluster no longer lists', () => {
    const snapshot = healthy({
      brokers: healthy().brokers.filter((b) => b.id !== 2),
      reach: healthy().reach.filter((b) => b.id !== 2),
    });
    const result = gateCheck(snapshot, { expected: [1, 2, 3] });
    expect(result.safe).toBe(false);
    expect(result.waitingFor).toEqual([
      'broker 2 registered (the cluster does not list it: down or fenced)',
    ]);
  });

  it('expects a broker down at the first poll when a partition names it as a replica', () => {
    const snapshot = healthy({ brokers: healthy().brokers.filter((b) => b.id !== 3) });
    expect(expectedBrokers([], snapshot)).toEqual([1, 2, 3]);
    expect(expectedBrokers([4], healthy())).toEqual([1, 2, 3, 4]);
  });

  it('waits for --brokers N when fewer are registered', () => {
    const result = gateCheck(healthy(), { expected: [1, 2, 3], minBrokers: 4 });
    expect(result.waitingFor).toEqual(['4 brokers registered (the cluster lists 3)']);
  });

  it('names an unreachable broker, its endpoint and the failed stage', () => {
    const reach = healthy().reach.map((r) => (r.id === 3 ? { ...r, failure: 'DNS ENOTFOUND' } : r));
    expect(gateCheck(healthy({ reach }), { expected: [1, 2, 3] }).waitingFor).toEqual([
      'broker 3 reachable at b3.kuv.test:9092 (DNS ENOTFOUND)',
    ]);
  });

  it('names under-replicated and offline partitions and missing topics', () => {
    const snapshot = healthy({
      topics: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 3] },
            { partition: 1, leader: -1, replicas: [2], isr: [] },
            { partition: 2, leader: 3, replicas: [3, 1], isr: [1, 3] },
          ],
        },
      ],
      missingTopics: ['payments'],
    });
    expect(gateCheck(snapshot, { expected: [1, 2, 3] }).waitingFor).toEqual([
      'topic payments to exist',
      'orders-0 fully replicated (isr [1,3] of [1,2,3]; waiting for broker 2)',
      'orders-1 online (no leader; replicas [2])',
    ]);
  });

  it('waits while the metadata cannot be read', () => {
    const result = gateCheck(
      healthy({ metadataFailure: 'no answer within 5000 ms', brokers: [], reach: [], topics: [] }),
      { expected: [1, 2, 3] },
    );
    expect(result).toEqual({
      safe: false,
      waitingFor: ["the cluster's metadata (no answer within 5000 ms)"],
    });
  });

  it('blocks on a hard live finding within --quiet-for, not on an older one', () => {
    const finding = {
      type: 'anomaly' as const,
      kind: 'duplicate',
      at: NOW - 12_000,
      detectedAt: NOW - 10_000,
      detail: 'seq 41 twice',
      partition: 1,
    };
    const live = acking({ hard: [finding] });
    const recent = gateCheck(healthy({ live, runDir: 'r' }), { expected: [1, 2, 3] });
    expect(recent.waitingFor).toHaveLength(1);
    expect(recent.waitingFor[0]).toMatch(
      /^no hard live finding for 30 s in r: 1 recent, the last duplicate \(partition 1\) seen at \d\d:\d\d:\d\d: seq 41 twice$/,
    );
    const quiet = gateCheck(healthy({ live, runDir: 'r' }), {
      expected: [1, 2, 3],
      quietForMs: 5000,
    });
    expect(quiet.safe).toBe(true);
  });

  it('waits for a canary that acks: stale, finished, stalled, or no status yet', () => {
    const check = (live: LiveView) =>
      gateCheck(healthy({ live, runDir: 'r' }), { expected: [1, 2, 3] }).waitingFor;
    const s = acking().status!;
    expect(check(acking({ status: { ...s, at: NOW - 15_000 } }))[0]).toMatch(
      /its last status line \(at .*\) is over 15 s old/,
    );
    expect(check(acking({ status: { ...s, finished: true } }))[0]).toMatch(
      /its canary phase has finished/,
    );
    expect(check(acking({ status: { ...s, acked: 10, oldestWaitingMs: 5000 } }))).toEqual([
      'the canary of r acking: acked stays at 10 and the oldest send has waited over 5 s',
    ]);
    // Acked did not grow, but nothing has waited long: the canary is idle between sends.
    expect(check(acking({ status: { ...s, acked: 10, oldestWaitingMs: 4999 } }))).toEqual([]);
    // One status line only: acked cannot have grown; the oldest wait decides.
    expect(check(acking({ previous: null, status: { ...s, oldestWaitingMs: 6000 } }))).toHaveLength(
      1,
    );
    expect(check({ hard: [], status: null, previous: null })).toEqual([
      'the canary of r acking: live.jsonl has no status line yet',
    ]);
  });
});
