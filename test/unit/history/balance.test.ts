/**
 * Leadership balance (docs/history-format.md, "Leadership balance: `leaders`
 * records"): each definition and edge, on small hand-built histories.
 */
import { describe, expect, it } from 'vitest';
import { balanceOver, round2 } from '../../../functions/core/history/balance.js';
import { type Leadership, analyze, clean, leaders, run, t } from './history-builder.js';

const withLeaders = (...records: string[]): string[] => [run(), ...clean(0, 2), ...records];
const even: Leadership[] = [
  [0, 1, [1, 2, 3], [1, 2, 3]],
  [1, 2, [2, 3, 1], [2, 3, 1]],
  [2, 3, [3, 1, 2], [3, 1, 2]],
];

describe('balance', () => {
  it('is null when the history has no leaders record', () => {
    expect(analyze(withLeaders()).balance).toBeNull();
  });

  it('gives a perfectly even, fully replicated topic skew 1 and preferred ratio 1, and passes', () => {
    const r = analyze(withLeaders(leaders('t', 'after', 100, even)));
    const figures = {
      partitions: 3,
      leadersPerBroker: { '1': 1, '2': 1, '3': 1 },
      leaderSkew: 1,
      preferredLeaderRatio: 1,
      underReplicated: 0,
      offline: 0,
    };
    // One topic: its figures are the totals.
    expect(r.balance).toEqual({
      topics: [
        {
          topic: 't',
          at: t(100),
          ...figures,
          peakLeaderSkew: 1,
          peakLeaderSkewAt: t(100),
          skewedMs: 0,
          // No restart came up.
          leadershipRestoredMs: null,
          // No offsets record.
          peakTrafficSkew: null,
          peakTrafficSkewAt: null,
        },
      ],
      totals: figures,
    });
    expect(r.verdict).toBe('pass');
  });

  it('counts a broker in replicas that leads nothing, with 0', () => {
    const f = balanceOver([
      { partition: 0, leader: 1, replicas: [1, 2, 4], isr: [1, 2, 4] },
      { partition: 1, leader: 1, replicas: [2, 1, 4], isr: [2, 1, 4] },
    ]);
    expect(f.leadersPerBroker).toEqual({ '1': 2, '2': 0, '4': 0 });
    // 2 × 3 brokers ÷ 2 led partitions.
    expect(f.leaderSkew).toBe(3);
    expect(f.preferredLeaderRatio).toBe(0.5);
  });

  it('calls a partition with leader −1 offline, not led, and not under-replicated', () => {
    const f = balanceOver([
      { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3] },
      { partition: 1, leader: -1, replicas: [2, 3, 1], isr: [] },
    ]);
    expect(f).toEqual({
      partitions: 2,
      leadersPerBroker: { '1': 1, '2': 0, '3': 0 },
      leaderSkew: 3,
      preferredLeaderRatio: 0.5,
      underReplicated: 0,
      offline: 1,
    });
  });

  it('gives null skew when no partition has a leader, and null ratio with no partitions', () => {
    expect(
      balanceOver([{ partition: 0, leader: -1, replicas: [1], isr: [] }]).leaderSkew,
    ).toBeNull();
    expect(balanceOver([])).toMatchObject({ leaderSkew: null, preferredLeaderRatio: null });
  });

  it('counts under-replicated by distinct ids: a repeated isr id does not hide a missing replica', () => {
    const f = balanceOver([
      { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 1, 2] },
      { partition: 1, leader: 2, replicas: [2, 2, 3], isr: [2, 3] },
    ]);
    expect(f.underReplicated).toBe(1);
  });

  it.each([
    [2, 3, 0.67],
    [1, 3, 0.33],
    [201, 200, 1.01],
    [9, 7, 1.29],
    [9, 8, 1.13],
    [6, 4, 1.5],
  ])('rounds %i / %i to %f as ⌊100x + ½⌋ / 100', (a, b, expected) => {
    expect(round2(a, b)).toBe(expected);
  });

  it('rounds the skew exactly where floating point would not: 1.005 → 1.01', () => {
    // 3 brokers, 200 led partitions, broker 1 leads 67: 67 × 3 / 200 = 1.005.
    const partitions: Leadership[] = [];
    for (let p = 0; p < 200; p++) {
      const leader = p < 67 ? 1 : p < 134 ? 2 : 3;
      partitions.push([p, leader, [1, 2, 3], [1, 2, 3]]);
    }
    const r = analyze(withLeaders(leaders('t', 'after', 0, partitions)));
    expect(r.balance!.totals.leaderSkew).toBe(1.01);
  });

  it('takes the latest after snapshot as final, even when a later during snapshot exists', () => {
    const skewed: Leadership[] = [
      [0, 1, [1, 2, 3], [1, 2, 3]],
      [1, 1, [2, 3, 1], [2, 3, 1]],
      [2, 1, [3, 1, 2], [3, 1, 2]],
    ];
    const r = analyze(
      withLeaders(
        leaders('t', 'after', 500, skewed),
        leaders('t', 'after', 400, even),
        leaders('t', 'during', 900, even),
        leaders('t', 'baseline', 0, even),
      ),
    );
    expect(r.balance!.topics[0]).toMatchObject({ at: t(500), leaderSkew: 3 });
    expect(r.verdict).toBe('warn');
    expect(r.reasons).toEqual(['leader skew 3 is above 1.5']);
  });

  it('takes the latest snapshot of any phase when a topic has no after snapshot', () => {
    const offline: Leadership[] = [[0, -1, [1, 2], []]];
    const r = analyze(
      withLeaders(leaders('t', 'during', 900, offline), leaders('t', 'baseline', 0, even)),
    );
    expect(r.balance!.totals.offline).toBe(1);
    expect(r.verdict).toBe('fail');
    expect(r.reasons).toEqual(['1 partitions offline (no leader) at the end']);
  });

  it('sorts topics by name and sums the final snapshots of all topics in the totals', () => {
    const r = analyze(
      withLeaders(
        leaders('zeta', 'after', 0, [[0, 1, [1, 2], [1, 2]]]),
        leaders('alpha', 'after', 0, [
          [0, 1, [1, 2], [1]],
          [1, 2, [2, 1], [2, 1]],
        ]),
      ),
    );
    expect(r.balance!.topics.map((t) => [t.topic, t.partitions])).toEqual([
      ['alpha', 2],
      ['zeta', 1],
    ]);
    expect(r.balance!.totals).toEqual({
      partitions: 3,
      leadersPerBroker: { '1': 2, '2': 1 },
      // 2 × 2 brokers ÷ 3 led.
      leaderSkew: 1.33,
      preferredLeaderRatio: 1,
      underReplicated: 1,
      offline: 0,
    });
  });

  it('warns above --max-leader-skew only, not at it', () => {
    const skewed: Leadership[] = [
      [0, 1, [1, 2], [1, 2]],
      [1, 1, [2, 1], [2, 1]],
      [2, 2, [2, 1], [2, 1]],
    ];
    // 2 × 2 ÷ 3 = 1.33.
    const lines = withLeaders(leaders('t', 'after', 0, skewed));
    expect(analyze(lines, 'strict', undefined, { maxLeaderSkew: 1.33 }).verdict).toBe('pass');
    expect(analyze(lines, 'strict', undefined, { maxLeaderSkew: 1.32 }).verdict).toBe('warn');
    expect(analyze(lines).maxLeaderSkew).toBe(1.5);
  });
});
