/**
 * Line order (docs/history-format.md, "Line order"): apart from `redelivered`
 * and the order of the anomaly list, every figure is the same whatever order the
 * lines come in. The restart list keeps brokers in the order they first appear
 * (as the spec's vectors list them), so it is compared as a set.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Report, analyzeLines } from '../../../functions/core/history/index.js';
import {
  acked,
  broker,
  consume,
  failed,
  failedStage,
  leaders,
  log,
  offsets,
  probe,
  run,
  t,
} from './history-builder.js';

const fixtures = join(import.meta.dirname, '../../fixtures/history');

/** A small seeded generator (mulberry32), so a failing order can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const next = random(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** The report bar what may depend on line order: redelivered, and the lists' order. */
function orderFree(r: Report): unknown {
  return {
    ...r,
    reasons: r.reasons.filter((x) => !x.includes('redelivered')),
    totals: { ...r.totals, redelivered: 'any' },
    partitions: r.partitions.map((p) => ({ ...p, redelivered: 'any' })),
    restarts: r.restarts.map(canonical).sort(),
    anomalies: r.anomalies
      .filter((a) => a.kind !== 'redelivered')
      .map(canonical)
      .sort(),
  };
}

function expectOrderFree(lines: string[], seeds: number[]): void {
  for (const policy of ['strict', 'tolerant'] as const) {
    const reference = orderFree(analyzeLines(lines, { policy }));
    for (const seed of seeds) {
      const again = orderFree(analyzeLines(shuffled(lines, seed), { policy }));
      expect(again, `policy ${policy}, seed ${seed}`).toEqual(reference);
    }
  }
}

/** Every place a definition walks records and the file order could break a tie. */
const ties = [
  run({ runId: 'r-b', startedAt: t(0) }),
  run({ runId: 'r-a', startedAt: t(0) }),
  run({ runId: 'r-late', startedAt: t(50) }),
  // Sends at the same sentAt from two producers, one failed: walked a before b.
  failed(1, 100, 30, { producer: 'a' }),
  acked(1, 0, 100, { producer: 'b' }),
  // An identity acked twice: end-to-end latency from the earliest sentAt.
  acked(2, 1, 300, { producer: 'a' }),
  acked(2, 1, 250, { producer: 'a' }),
  // An identity failed and acked at the same sentAt.
  failed(3, 400, 50, { producer: 'a' }),
  acked(3, 2, 400, { producer: 'a' }),
  acked(2, 3, 400, { producer: 'b' }),
  acked(4, 4, 500, { producer: 'a' }),
  acked(5, 5, 500, { producer: 'a' }),
  // Offset 5 holds a#3 and b#2; offset 6 holds a#5 and a#4: walked by (producer, seq).
  log(0, 1, 101, { producer: 'b' }),
  log(1, 2, 251, { producer: 'a' }),
  log(5, 3, 401, { producer: 'a' }),
  log(5, 2, 402, { producer: 'b' }),
  log(6, 5, 501, { producer: 'a' }),
  log(6, 4, 502, { producer: 'a' }),
  // A repeated log record with two timestamps.
  log(7, 4, 510, { producer: 'a' }),
  log(7, 4, 520, { producer: 'a' }),
  consume(1, 2, 600, { producer: 'a', group: 'g1' }),
  consume(1, 2, 600, { producer: 'a', group: 'g2' }),
  consume(6, 5, 700, { producer: 'a', group: 'g1' }),
  consume(1, 2, 800, { producer: 'a', group: 'g1' }),
  // A broker down and up at the same time, and another restart of it.
  broker(1, 'down', 450),
  broker(1, 'up', 450),
  broker(1, 'down', 900),
  broker(1, 'up', 950),
  broker(2, 'up', 460),
  // Probes at the same time: the first baseline by tie key, the final the failed one.
  probe(1, 'baseline', 0, ['10.0.0.1']),
  probe(1, 'baseline', 0, ['10.0.0.7']),
  probe(1, 'after', 1000, ['10.0.0.1']),
  probe(1, 'after', 1000, ['10.0.0.1'], { kafka: failedStage() }),
  probe(null, 'after', 1000, ['10.0.0.1']),
  // Leader snapshots of one topic at the same time.
  leaders('t', 'after', 1000, [[0, 1, [1, 2], [1, 2]]]),
  leaders('t', 'after', 1000, [[0, 2, [1, 2], [2]]]),
  // Balance over time: an even and a leaderless snapshot at one time (leaderless
  // wins), the peak twice later, leadership restored after the last up (950).
  leaders('t', 'during', 200, [
    [0, 1, [1, 2], [1, 2]],
    [1, 2, [2, 1], [2, 1]],
  ]),
  leaders('t', 'during', 200, [[0, -1, [1, 2], []]]),
  leaders('t', 'during', 600, [[0, 2, [1, 2], [1, 2]]]),
  leaders('t', 'during', 1200, [[0, 1, [1, 2], [1, 2]]]),
  // Traffic of partition 0: 30 − 5, whatever order the end offsets come in.
  offsets('t', 'during', 0, [[0, 10]]),
  offsets('t', 'after', 1000, [[0, 30]]),
  offsets('t', 'during', 500, [[0, 5]]),
  // Sends with a due time.
  acked(6, 8, 1100, { producer: 'a', scheduledAt: t(1000) }),
  acked(7, 9, 1100, { producer: 'a', scheduledAt: t(1050) }),
];

describe('line order', () => {
  it.each(['rolling-101', 'rolling-102'])(
    'gives %s the same report shuffled, bar redelivered and list order',
    (name) => {
      const lines = readFileSync(join(fixtures, `${name}.jsonl`), 'utf8').split('\n');
      expectOrderFree(lines, [1, 2, 3]);
    },
  );

  it('gives a history rich in ties the same report in 200 orders', () => {
    expectOrderFree(
      ties,
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
  });

  it('breaks the ties as the spec says', () => {
    const r = analyzeLines(ties);
    expect(r.run).toMatchObject({ runId: 'r-a' });
    const p = r.partitions[0]!;
    // a#1 fails at 100 before b#1 is acked at 105; a#3 fails at 400 before a#3 is acked at 405.
    expect(p.maxUnavailableMs).toBe(5);
    // a#2 first delivered at 600, sent first at 250 (350); a#5 sent at 500, delivered at 700.
    expect(p.endToEndLatencyMs).toEqual({ p50: 200, p99: 350, max: 350 });
    // Offset 6: a#4 then a#5 — in order; offset 5: a#3 then b#2; nothing out of order.
    expect(p.outOfOrder).toBe(0);
    expect(p.inconsistentOffsets).toBe(2);
    // a#4 is at offsets 6 and 7: one duplicate, at the later copy's latest timestamp.
    expect(p.duplicates).toBe(1);
    expect(r.anomalies.find((a) => a.kind === 'duplicate')).toMatchObject({
      offset: 7,
      at: t(520),
    });
    expect(r.restarts).toEqual([
      { broker: 1, downAt: t(450), upAt: t(450) },
      { broker: 1, downAt: t(900), upAt: t(950) },
      { broker: 2, downAt: null, upAt: t(460) },
    ]);
    expect(r.balance!.topics[0]).toMatchObject({
      peakLeaderSkew: 2,
      peakLeaderSkewAt: t(600),
      // 200 → 600 leaderless, 600 → 1000 and 1000 → 1200 at skew 2.
      skewedMs: 1000,
      leadershipRestoredMs: 250,
      peakTrafficSkew: 2,
      peakTrafficSkewAt: t(200),
    });
    expect(p.scheduledLatencyMs).toEqual({ p50: 55, p99: 105, max: 105 });
    expect(r.reachability!.brokers[0]).toMatchObject({
      firstAddresses: ['10.0.0.1'],
      reachable: false,
    });
  });
});
