/**
 * Balance over time and traffic (docs/history-format.md, "Balance over time, and
 * traffic: `offsets` records") and scheduledLatencyMs ("Latency and
 * availability"): each definition and edge, on small hand-built histories.
 */
import { describe, expect, it } from 'vitest';
import { round2 } from '../../../functions/core/history/balance.js';
import {
  type Leadership,
  acked,
  analyze,
  broker,
  clean,
  failed,
  leaders,
  offsets,
  run,
  t,
} from './history-builder.js';

const withLeaders = (...records: string[]): string[] => [run(), ...clean(0, 2), ...records];
/** Three brokers, three partitions, each led by its preferred leader. */
const even: Leadership[] = [
  [0, 1, [1, 2, 3], [1, 2, 3]],
  [1, 2, [2, 3, 1], [2, 3, 1]],
  [2, 3, [3, 1, 2], [3, 1, 2]],
];
/** Broker 1 leads two of three (skew 2), partition 1 away from its preferred leader. */
const piled: Leadership[] = [
  [0, 1, [1, 2, 3], [1, 2, 3]],
  [1, 1, [2, 3, 1], [2, 3, 1]],
  [2, 3, [3, 1, 2], [3, 1, 2]],
];
const noLeader: Leadership[] = even.map(([p, , r, i]) => [p, -1, r, i]);

const topic = (lines: string[], maxLeaderSkew?: number) =>
  analyze(lines, 'strict', undefined, { maxLeaderSkew }).balance!.topics[0]!;

describe('peakLeaderSkew', () => {
  it('is the largest skew of any phase, at the earliest snapshot with it', () => {
    const r = topic(
      withLeaders(
        leaders('t', 'baseline', 0, even),
        leaders('t', 'during', 300, piled),
        leaders('t', 'during', 100, piled),
        leaders('t', 'after', 900, even),
      ),
    );
    expect(r).toMatchObject({ leaderSkew: 1, peakLeaderSkew: 2, peakLeaderSkewAt: t(100) });
  });

  it('skips snapshots without a led partition, and is null when none has one', () => {
    expect(
      topic(withLeaders(leaders('t', 'during', 0, noLeader), leaders('t', 'after', 50, even))),
    ).toMatchObject({ peakLeaderSkew: 1, peakLeaderSkewAt: t(50) });
    expect(topic(withLeaders(leaders('t', 'after', 0, noLeader)))).toMatchObject({
      peakLeaderSkew: null,
      peakLeaderSkewAt: null,
    });
  });
});

describe('skewedMs', () => {
  it('adds the time to the next snapshot from each time skewed above maxLeaderSkew', () => {
    const lines = withLeaders(
      leaders('t', 'baseline', 0, even),
      leaders('t', 'during', 1000, piled),
      leaders('t', 'during', 1500, piled),
      leaders('t', 'during', 4000, even),
      leaders('t', 'after', 9000, piled),
    );
    // Skewed at 1000 (to 1500) and 1500 (to 4000); the last time adds nothing.
    expect(topic(lines).skewedMs).toBe(3000);
    // At skew 2, not above it: nothing.
    expect(topic(lines, 2).skewedMs).toBe(0);
  });

  it('takes the largest skew of the snapshots at one time, and counts no leader as skewed', () => {
    const lines = withLeaders(
      leaders('t', 'during', 0, even),
      leaders('t', 'during', 0, piled),
      leaders('t', 'during', 200, noLeader),
      leaders('t', 'during', 200, even),
      leaders('t', 'during', 700, even),
      leaders('t', 'during', 1000, even),
    );
    expect(topic(lines).skewedMs).toBe(700);
  });

  it('is 0 with one snapshot time, even when it is skewed', () => {
    expect(
      topic(withLeaders(leaders('t', 'after', 0, piled), leaders('t', 'after', 0, noLeader)))
        .skewedMs,
    ).toBe(0);
  });
});

describe('leadershipRestoredMs', () => {
  it('is from the latest upAt to the first time at or after it with every leader preferred', () => {
    const r = topic(
      withLeaders(
        broker(1, 'down', 100),
        broker(1, 'up', 200),
        broker(2, 'down', 300),
        broker(2, 'up', 400),
        // Preferred before the last up does not count; at 400 it is not yet.
        leaders('t', 'during', 250, even),
        leaders('t', 'during', 400, piled),
        leaders('t', 'during', 650, even),
        leaders('t', 'after', 900, even),
      ),
    );
    expect(r.leadershipRestoredMs).toBe(250);
  });

  it('counts a snapshot exactly at the latest upAt, and needs every snapshot at a time preferred', () => {
    const lines = (second: Leadership[]) =>
      withLeaders(
        broker(1, 'up', 400),
        leaders('t', 'during', 400, even),
        leaders('t', 'during', 400, second),
        leaders('t', 'after', 800, even),
      );
    expect(topic(lines(even)).leadershipRestoredMs).toBe(0);
    expect(topic(lines(piled)).leadershipRestoredMs).toBe(400);
  });

  it('is null without a restart that came up, or when leadership never went back', () => {
    expect(
      topic(withLeaders(broker(1, 'down', 100), leaders('t', 'after', 900, even)))
        .leadershipRestoredMs,
    ).toBeNull();
    expect(
      topic(
        withLeaders(
          broker(1, 'down', 100),
          broker(1, 'up', 200),
          leaders('t', 'during', 150, even),
          leaders('t', 'after', 900, piled),
        ),
      ).leadershipRestoredMs,
    ).toBeNull();
  });
});

describe('peakTrafficSkew', () => {
  it('is null without an offsets record for the topic', () => {
    const r = topic(
      withLeaders(leaders('t', 'after', 0, even), offsets('other', 'after', 0, [[0, 9]])),
    );
    expect(r).toMatchObject({ peakTrafficSkew: null, peakTrafficSkewAt: null });
  });

  it('weighs each broker by the end-offset growth of the partitions it leads', () => {
    const r = topic(
      withLeaders(
        // Traffic: partition 0 grew by 60, partition 1 by 30, partition 2 by 10.
        offsets('t', 'baseline', 0, [
          [0, 100],
          [1, 50],
          [2, 0],
        ]),
        offsets('t', 'after', 900, [
          [0, 160],
          [1, 80],
          [2, 10],
        ]),
        offsets('t', 'during', 400, [[0, 120]]),
        // Even: broker 1 has 60 of 100 → 60 × 3 / 100 = 1.8.
        leaders('t', 'baseline', 0, even),
        // Piled: broker 1 has 90 of 100 → 2.7.
        leaders('t', 'during', 500, piled),
        leaders('t', 'during', 300, piled),
        leaders('t', 'after', 900, even),
      ),
    );
    expect(r).toMatchObject({ peakTrafficSkew: 2.7, peakTrafficSkewAt: t(300) });
  });

  it('leaves out leaderless partitions, gives a partition named once no traffic, and is null when nothing moved', () => {
    const ends = (e: [number, number][]) => offsets('t', 'during', 0, e);
    const leaderless: Leadership[] = [
      [0, -1, [1, 2], [2]],
      [1, 2, [2, 1], [2, 1]],
      [2, 1, [1, 2], [1, 2]],
    ];
    const r = topic(
      withLeaders(
        ends([
          [0, 0],
          [1, 0],
          [2, 5],
        ]),
        offsets('t', 'after', 100, [
          [0, 1000],
          [1, 10],
        ]),
        leaders('t', 'after', 100, leaderless),
      ),
    );
    // Led: 1 (traffic 10, broker 2) and 2 (named once: 0). W = 10, broker 2 has all: 10 × 2 / 10.
    expect(r).toMatchObject({ peakTrafficSkew: 2, peakTrafficSkewAt: t(100) });
    const still = topic(
      withLeaders(ends([[0, 7]]), ends([[0, 7]]), leaders('t', 'after', 0, even)),
    );
    expect(still).toMatchObject({ peakTrafficSkew: null, peakTrafficSkewAt: null });
  });

  it('adds no entry for a topic with offsets but no leaders record', () => {
    const r = analyze(
      withLeaders(offsets('lonely', 'during', 0, [[0, 1]]), leaders('t', 'after', 0, even)),
    );
    expect(r.balance!.topics.map((x) => x.topic)).toEqual(['t']);
    expect(analyze(withLeaders(offsets('lonely', 'during', 0, [[0, 1]]))).balance).toBeNull();
  });

  it('rounds exactly with end offsets past 2^53 / 200', () => {
    const big = 2 ** 50;
    const r = topic(
      withLeaders(
        offsets('t', 'during', 0, [
          [0, 0],
          [1, 0],
          [2, 0],
        ]),
        offsets('t', 'after', 9, [
          [0, big],
          [1, big],
          [2, big],
        ]),
        leaders('t', 'after', 9, piled),
      ),
    );
    expect(r.peakTrafficSkew).toBe(2);
    // 1.33499…: floating point (200·a + b past 2^53) would give 1.34.
    expect(round2(57303321442882, 42923836286803)).toBe(1.33);
  });
});

describe('scheduledLatencyMs', () => {
  it('is ackedAt − scheduledAt over acked sends that have one, including the wait behind a slow send', () => {
    const r = analyze([
      run(),
      // Acked 5 ms after sentAt; due 95, 0 and 300 ms before it was sent.
      acked(0, 0, 100, { scheduledAt: t(5) }),
      acked(1, 1, 200, { scheduledAt: t(200) }),
      acked(2, 2, 700, { scheduledAt: t(400) }),
      // No scheduledAt (a v2 producer), and a failed send: neither counts.
      acked(3, 3, 800),
      failed(4, 900, 50, { scheduledAt: t(0) }),
    ]);
    const p = r.partitions[0]!;
    expect(p.produceLatencyMs).toEqual({ p50: 5, p99: 5, max: 5 });
    expect(p.scheduledLatencyMs).toEqual({ p50: 100, p99: 305, max: 305 });
  });

  it('is null for a v2 history without scheduledAt, and allows a scheduledAt after sentAt', () => {
    expect(analyze([run(), acked(0, 0, 100)]).partitions[0]!.scheduledLatencyMs).toBeNull();
    const early = analyze([run(), acked(0, 0, 100, { scheduledAt: t(103) })]);
    expect(early.partitions[0]!.scheduledLatencyMs).toEqual({ p50: 2, p99: 2, max: 2 });
  });
});
