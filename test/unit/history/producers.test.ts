/**
 * Each producer's own figures (functions/core/history/producers.ts): the same
 * definitions as the totals, applied to one producer's identities, on hand-built
 * histories and on every spec vector (the producers add up to the totals).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { readHistory, readHistoryLines } from '../../../functions/core/history/index.js';
import { acked, failed, log, run } from './history-builder.js';

const as = (producer: string, partition = 0) => ({ producer, partition });

describe('per-producer figures', () => {
  it('counts each producer’s sends, losses, duplicates and reordering apart', async () => {
    const lines = [
      run(),
      // canary, partition 0: seq 0..2 logged in order; seq 3 acked and never logged.
      acked(0, 0),
      log(0, 0),
      acked(1, 1),
      log(1, 1),
      acked(2, 2),
      log(2, 2),
      acked(3, 9),
      // kuv-sarama, partition 0: seq 1 before seq 0 (reordered), seq 0 written twice.
      acked(0, 3, 0, { ...as('kuv-sarama'), ackedAt: 1_763_900_000_040 }),
      acked(1, 4, 10, { ...as('kuv-sarama'), ackedAt: 1_763_900_000_020 }),
      log(3, 1, 12, as('kuv-sarama')),
      log(4, 0, 13, as('kuv-sarama')),
      log(5, 0, 14, as('kuv-sarama')),
      // kuv-java, partition 1: one failed send that was written anyway.
      failed(0, 0, 30_000, as('kuv-java', 1)),
      log(0, 0, 5, as('kuv-java', 1)),
    ];
    const analysis = await readHistoryLines(lines);
    const byName = Object.fromEntries(analysis.producers.map((p) => [p.producer, p]));
    expect(Object.keys(byName)).toEqual(['canary', 'kuv-java', 'kuv-sarama']);
    expect(byName.canary).toMatchObject({
      produced: 4,
      acked: 4,
      failed: 0,
      logged: 3,
      lost: 1,
      duplicates: 0,
      outOfOrder: 0,
      unackedWritten: 0,
    });
    expect(byName['kuv-sarama']).toMatchObject({
      produced: 2,
      acked: 2,
      logged: 3,
      lost: 0,
      duplicates: 1,
      outOfOrder: 1,
      produceLatencyMs: { p50: 10, p99: 40, max: 40 },
      scheduledLatencyMs: null,
    });
    expect(byName['kuv-java']).toMatchObject({
      produced: 1,
      acked: 0,
      failed: 1,
      lost: 0,
      unackedWritten: 1,
      produceLatencyMs: null,
    });
    const report = analysis.report();
    expect(report.totals).toMatchObject({
      lost: 1,
      duplicates: 1,
      outOfOrder: 1,
      unackedWritten: 1,
    });
    // With several producers, the verdict's reasons say whose records they were.
    expect(report.reasons).toEqual([
      '1 acked records lost: canary 1',
      '1 duplicate records in the log: kuv-sarama 1',
      '1 records out of order: kuv-sarama 1',
    ]);
  });

  it('gives lost as null without a log, and skips producers only consumers named', async () => {
    const analysis = await readHistoryLines([
      run(),
      acked(0, 0, 0, { scheduledAt: 1_763_899_999_990 }),
      JSON.stringify({
        type: 'consume',
        group: 'g',
        consumer: 'c',
        partition: 0,
        offset: 7,
        producer: 'someone-else',
        seq: 3,
        receivedAt: 1_763_900_000_100,
      }),
    ]);
    expect(analysis.producers).toEqual([
      expect.objectContaining({
        producer: 'canary',
        lost: null,
        scheduledLatencyMs: { p50: 15, p99: 15, max: 15 },
      }),
    ]);
  });
});

describe('on every spec vector, the producers add up to the totals', () => {
  const dir = join(import.meta.dirname, '../../fixtures/history');
  const names = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  it.each(names)('%s', async (name) => {
    const source = name;
    const expected = JSON.parse(
      readFileSync(join(dir, name.replace(/\.jsonl$/, '.strict.expected.json')), 'utf8'),
    ) as { exitStatus: number };
    const reading = readHistory([readFileSync(join(dir, name))], { source });
    if (expected.exitStatus === 2) return void (await expect(reading).rejects.toThrow());
    const analysis = await reading;
    const totals = analysis.report().totals;
    const sum = (
      k: 'produced' | 'acked' | 'failed' | 'duplicates' | 'outOfOrder' | 'unackedWritten',
    ) => analysis.producers.reduce((n, p) => n + p[k], 0);
    for (const k of [
      'produced',
      'acked',
      'failed',
      'duplicates',
      'outOfOrder',
      'unackedWritten',
    ] as const)
      expect(sum(k), k).toBe(totals[k]);
    const lost = analysis.producers.reduce((n, p) => n + (p.lost ?? 0), 0);
    expect(totals.lost === null ? 0 : totals.lost).toBe(lost);
  });
});
