/**
 * The live checker (functions/core/live/checker.ts): each finding kind from hand-built
 * record sequences, a healthy sequence that gives none, `after` from broker events, and
 * the live counts merged with the session's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { readHistory } from '../../../functions/core/history/index.js';

import {
  LiveChecker,
  snapshotSkew,
  type FollowedRecord,
} from '../../../functions/core/live/checker.js';
import { mergeSources } from '../../../functions/core/live/publish.js';
import type { HistoryRecordOut } from '../../../functions/core/probe/monitor.js';

const T = 1_763_900_000_000;

function send(partition: number, seq: number, sentAt: number): HistoryRecordOut {
  return { type: 'produce', producer: 'canary', partition, seq, sentAt };
}
function ack(partition: number, seq: number, sentAt: number, offset: number): HistoryRecordOut {
  return { ...send(partition, seq, sentAt), ok: true, ackedAt: sentAt + 5, offset };
}
function fail(partition: number, seq: number, sentAt: number, failedAt: number): HistoryRecordOut {
  return { ...send(partition, seq, sentAt), ok: false, failedAt, error: 'REQUEST_TIMED_OUT' };
}
function consume(
  partition: number,
  offset: number,
  receivedAt: number,
  group = 'canary-g',
): HistoryRecordOut {
  return {
    type: 'consume',
    group,
    consumer: 'c-1',
    partition,
    offset,
    producer: 'canary',
    seq: offset,
    receivedAt,
  };
}
function probe(
  broker: number,
  at: number,
  ok: boolean,
  address = '10.0.0.1',
  dnsOk = true,
): HistoryRecordOut {
  return {
    type: 'probe',
    endpoint: `b-${broker}:9092`,
    role: 'broker',
    broker,
    phase: 'during',
    at,
    dns: dnsOk
      ? { ok: true, ms: 1, addresses: [address] }
      : { ok: false, ms: 5, addresses: [], error: 'ENOTFOUND' },
    tcp: dnsOk
      ? ok
        ? { ok: true, ms: 1, address }
        : { ok: false, ms: 1, error: 'ECONNREFUSED' }
      : null,
    kafka: ok && dnsOk ? { ok: true, ms: 1 } : null,
  };
}
function leaders(at: number, leadersOf: number[]): HistoryRecordOut {
  return {
    type: 'leaders',
    topic: 'canary',
    phase: 'during',
    at,
    partitions: leadersOf.map((leader, partition) => ({
      partition,
      leader,
      replicas: [1, 2, 3],
      isr: [1, 2, 3],
    })),
  };
}

function run(records: HistoryRecordOut[], options = {}): LiveChecker {
  let clock = T + 1_000_000;
  const checker = new LiveChecker({ now: () => clock++, group: 'canary-g', ...options });
  for (const r of records) checker.check(r);
  return checker;
}

describe('LiveChecker', () => {
  it('finds nothing in a healthy run', () => {
    const records: HistoryRecordOut[] = [{ type: 'run', runId: 'r', startedAt: T }];
    for (let i = 0; i < 20; i++) {
      for (let p = 0; p < 3; p++) {
        records.push(ack(p, i, T + i * 100, i));
        records.push(consume(p, i, T + i * 100 + 20));
      }
      records.push(probe(1, T + i * 100, true), leaders(T + i * 100, [1, 2, 3]));
    }
    const c = run(records);
    expect(c.findings).toEqual([]);
    expect(c.liveMetricValues()).toMatchObject({
      ProducedMessages: 60,
      ProduceErrors: 0,
      MaxUnavailableMs: 0,
      LeaderSkew: 1,
    });
  });

  it('reports a failed send once per outage, and unavailability past the threshold', () => {
    const c = run(
      [
        ack(0, 0, T, 0),
        { type: 'broker', broker: 2, event: 'down', at: T + 50 },
        fail(0, 1, T + 100, T + 600),
        fail(0, 2, T + 200, T + 1_300),
        fail(0, 3, T + 300, T + 1_400),
        ack(0, 4, T + 1_500, 1),
      ],
      { unavailableMs: 1_000 },
    );
    expect(c.findings.map((f) => [f.kind, f.at, f.seq, f.hard, f.type])).toEqual([
      ['failedSend', T + 600, 1, true, 'finding'],
      ['unavailable', T + 100, 2, true, 'finding'],
    ]);
    expect(c.findings[1]!.value).toBe(1_200);
    expect(c.findings[0]!.after).toBe(
      `broker 2 down at ${new Date(T + 50).toISOString().slice(11, 19)}`,
    );
    expect(c.liveMetricValues()).toMatchObject({ ProduceErrors: 3, MaxUnavailableMs: 1_405 });
  });

  it('reports an outage that ends under the threshold as a failed send only', () => {
    const c = run([ack(0, 0, T, 0), fail(0, 1, T + 100, T + 200), ack(0, 2, T + 300, 1)], {
      unavailableMs: 1_000,
    });
    expect(c.findings.map((f) => f.kind)).toEqual(['failedSend']);
    expect(c.findings[0]!.after).toBeNull();
  });

  it('reports redelivery and skips of the canary group only', () => {
    const c = run([
      ack(0, 0, T, 0),
      ack(0, 1, T, 1),
      ack(0, 2, T, 2),
      ack(0, 3, T, 3),
      consume(0, 0, T + 10),
      consume(0, 3, T + 20),
      consume(0, 3, T + 30),
      consume(0, 0, T + 40, 'other-group'),
      consume(0, 0, T + 50, 'other-group'),
    ]);
    expect(c.findings.map((f) => [f.kind, f.offset, f.at, f.hard, f.type])).toEqual([
      ['skipped', 1, T + 20, false, 'anomaly'],
      ['skipped', 2, T + 20, false, 'anomaly'],
      ['redelivered', 3, T + 30, false, 'anomaly'],
    ]);
    expect(c.liveMetricValues()).toMatchObject({ RedeliveredMessages: 1, SkippedMessages: 2 });
  });

  it('reports an unreachable broker once until it answers again', () => {
    const c = run([
      probe(1, T, true),
      probe(1, T + 1000, false),
      probe(1, T + 2000, false),
      probe(1, T + 3000, true),
      probe(1, T + 4000, false),
    ]);
    expect(c.findings.map((f) => [f.kind, f.broker, f.at, f.hard])).toEqual([
      ['unreachableBroker', 1, T + 1000, true],
      ['unreachableBroker', 1, T + 4000, true],
    ]);
    expect(c.findings[0]!.detail).toContain('ECONNREFUSED');
    expect(c.liveMetricValues().UnreachableBrokers).toBe(1);
  });

  it('reports a DNS failure and an address change', () => {
    const c = run([
      probe(1, T, true, '10.0.0.1'),
      probe(1, T + 1000, false, '', false),
      probe(1, T + 2000, true, '10.0.0.9'),
    ]);
    expect(c.findings.map((f) => f.kind)).toEqual([
      'dnsFailure',
      'unreachableBroker',
      'addressChanged',
    ]);
    expect(c.liveMetricValues()).toMatchObject({
      DnsFailures: 1,
      BrokerAddressChanges: 1,
      UnreachableBrokers: 0,
    });
  });

  it('reports leadership skew above the threshold once per skewed streak', () => {
    const c = run([
      leaders(T, [1, 2, 3]),
      leaders(T + 1, [1, 1, 3]),
      leaders(T + 2, [1, 1, 1]),
      leaders(T + 3, [1, 2, 3]),
    ]);
    expect(c.findings.map((f) => [f.kind, f.value, f.hard])).toEqual([['leaderSkew', 2, false]]);
    expect(snapshotSkew([{ leader: -1, replicas: [1] }])).toBeNull();
  });

  it('merges with the session source by the largest value', () => {
    const c = run([ack(0, 0, T, 0), fail(0, 1, T, T + 10)]);
    const merged = mergeSources(c, {
      liveMetricValues: () => ({ ProduceErrors: 0, ProducedMessages: 5 }),
    });
    expect(merged.liveMetricValues()).toMatchObject({ ProduceErrors: 1, ProducedMessages: 5 });
  });

  it('refuses a bad threshold by name', () => {
    expect(() => new LiveChecker({ unavailableMs: -1 })).toThrow(/unavailableMs/);
    expect(() => new LiveChecker({ maxLeaderSkew: Number.NaN })).toThrow(/maxLeaderSkew/);
  });
});

describe('the following reader (duplicates, out of order, suspected loss)', () => {
  const T0 = 1_763_900_000_000;
  const at = (offset: number) => T0 + offset;
  const followed = (partition: number, offset: number, seq: number, producer = 'canary') => ({
    partition,
    offset,
    producer,
    seq,
    timestamp: at(offset),
  });

  it('finds a duplicate at the later copy, an out-of-order record, and nothing in a clean log', () => {
    const c = new LiveChecker({ now: () => T0 + 10_000 });
    for (const [offset, seq] of [
      [0, 1],
      [1, 2],
      [2, 4],
      [3, 3],
      [4, 2],
      [5, 5],
    ] as const)
      c.followed(followed(0, offset, seq));
    expect(c.findings.map((f) => [f.kind, f.offset, f.at])).toEqual([
      ['outOfOrder', 3, at(3)],
      ['duplicate', 4, at(4)],
    ]);
    expect(c.findings.every((f) => f.type === 'anomaly' && f.hard)).toBe(true);
    expect(c.liveMetricValues()).toMatchObject({ DuplicateMessages: 1, OutOfOrderMessages: 1 });
  });

  it('ignores offsets read again after a rebalance', () => {
    const c = new LiveChecker();
    for (const o of [0, 1, 2, 0, 1, 2, 3]) c.followed(followed(0, o, o));
    expect(c.findings).toEqual([]);
  });

  it('suspects an acked send the reader passed without finding, and clears it when found later', () => {
    const c = new LiveChecker();
    c.check(ack(0, 7, T0, 0));
    c.check(ack(0, 8, T0 + 100, 1));
    c.followed(followed(0, 0, 7));
    expect(c.findings).toEqual([]);
    // Offset 1 holds another record: seq 8 is not where its ack said.
    c.followed(followed(0, 1, 99, 'other'));
    expect(c.findings.map((f) => [f.kind, f.seq, f.at])).toEqual([['suspectedLoss', 8, T0 + 100]]);
    expect(c.liveMetricValues().LostMessages).toBe(1);
    c.followed(followed(0, 2, 8));
    expect(c.findings.at(-1)).toMatchObject({ kind: 'lossCleared', seq: 8, hard: false });
    expect(c.liveMetricValues().LostMessages).toBe(0);
  });

  it('checks an ack that arrives after the reader passed its offset, and one below its high watermark', () => {
    const c = new LiveChecker();
    c.followed(followed(0, 0, 1));
    c.check(ack(0, 2, T0, 0)); // its identity is not at offset 0
    expect(c.findings.map((f) => f.kind)).toEqual(['suspectedLoss']);
    c.check(ack(1, 5, T0, 3));
    expect(c.findings).toHaveLength(1);
    c.followedTo(1, 10);
    expect(c.findings.map((f) => [f.kind, f.partition])).toEqual([
      ['suspectedLoss', 0],
      ['suspectedLoss', 1],
    ]);
  });
});

describe('live counts equal the final verdict on every test vector', () => {
  const dir = join(import.meta.dirname, '../../fixtures/history');
  const vectors = readdirSync(dir).filter((f) => f.endsWith('.jsonl') && !f.startsWith('bad-'));

  it.each(vectors)('%s', async (name) => {
    const lines = readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const report = (await readHistory(lines.map((l) => JSON.stringify(l)).join('\n'))).report();
    const c = new LiveChecker();
    for (const r of lines) if (r.type === 'produce') c.check(r as HistoryRecordOut);
    const logs = lines
      .filter((r) => r.type === 'log')
      .map((r) => r as unknown as FollowedRecord)
      .sort(
        (a, b) =>
          a.partition - b.partition ||
          a.offset - b.offset ||
          a.producer.localeCompare(b.producer) ||
          a.seq - b.seq,
      );
    for (const l of logs) c.followed(l);
    if (logs.length > 0) {
      for (const p of new Set(lines.filter((r) => r.type === 'produce').map((r) => r.partition)))
        c.followedTo(p as number, Number.MAX_SAFE_INTEGER);
    }
    const live = c.liveMetricValues();
    expect(live.DuplicateMessages ?? 0).toBe(report.totals.duplicates);
    expect(live.OutOfOrderMessages ?? 0).toBe(report.totals.outOfOrder);
    expect(live.LostMessages ?? 0).toBe(report.totals.lost ?? 0);
  });
});

describe('stalls the producer reports', () => {
  it('tells a partition waiting over the threshold once per stall, not hard, at its tick', () => {
    const c = new LiveChecker({ unavailableMs: 1000 });
    c.waiting([{ partition: 0, since: T, waitedMs: 900 }]);
    expect(c.findings).toEqual([]);
    c.waiting([
      { partition: 0, since: T, waitedMs: 1500 },
      { partition: 1, since: T + 100, waitedMs: 300 },
    ]);
    c.waiting([{ partition: 0, since: T, waitedMs: 2500 }]);
    expect(c.findings.map((f) => [f.kind, f.partition, f.at, f.hard])).toEqual([
      ['stalled', 0, T, false],
    ]);
    c.waiting([]); // answered: the next stall is a new one
    c.waiting([{ partition: 0, since: T + 9000, waitedMs: 1200 }]);
    expect(c.findings.map((f) => f.at)).toEqual([T, T + 9000]);
  });
});

describe('LongestProduceStallMs live', () => {
  it('counts a wait still going on, so a stall shows before its ack', () => {
    const c = new LiveChecker();
    expect(c.liveMetricValues().LongestProduceStallMs).toBe(0);
    c.waiting([{ partition: 2, since: T, waitedMs: 12_000 }]);
    c.waiting([]);
    expect(c.liveMetricValues().LongestProduceStallMs).toBe(12_000);
  });
});
