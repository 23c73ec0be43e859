import { describe, expect, it } from 'vitest';
import { HISTOGRAM_BLOCK_BYTES, Histogram } from '../../../functions/core/history/histogram.js';

/** The reference: sort every value, take the ⌈p/100·n⌉-th smallest. */
function nearestRank(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p * sorted.length) / 100) - 1]!;
}

describe('Histogram', () => {
  it('is null when empty', () => {
    expect(new Histogram().percentiles()).toBeNull();
  });

  it('gives one value as every percentile', () => {
    const h = new Histogram();
    h.add(42);
    expect(h.percentiles()).toEqual({ p50: 42, p99: 42, max: 42 });
  });

  it.each([1, 2, 3, 99, 100, 101, 1000, 4567])(
    'matches the sorted nearest rank for %i values spanning negative, dense and sparse ranges',
    (n) => {
      const values: number[] = [];
      let x = 7;
      for (let i = 0; i < n; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        const kind = x % 10;
        values.push(kind === 0 ? -(x % 500) : kind === 1 ? 65536 + (x % 100000) : x % 300);
      }
      const h = new Histogram();
      for (const v of values) h.add(v);
      expect(h.count).toBe(n);
      expect(h.percentiles()).toEqual({
        p50: nearestRank(values, 50),
        p99: nearestRank(values, 99),
        max: Math.max(...values),
      });
    },
  );

  it('matches the nearest rank across the dense blocks, gaps between them included', () => {
    const values = [0, 1023, 1024, 1025, 5000, 5000, 40_000, 65_535, 65_536, 3071, 2048];
    const h = new Histogram();
    for (const v of values) h.add(v);
    expect(h.percentiles()).toEqual({
      p50: nearestRank(values, 50),
      p99: nearestRank(values, 99),
      max: 65_536,
    });
  });

  it('makes a 4 KiB block only where values fall, and says so', () => {
    let charged = 0;
    const h = new Histogram((bytes) => (charged += bytes));
    for (let v = 0; v < 1000; v++) h.add(v % 700);
    expect(charged).toBe(HISTOGRAM_BLOCK_BYTES);
    expect(HISTOGRAM_BLOCK_BYTES).toBe(4096);
    h.add(30_000);
    h.add(100_000); // beyond the array: the map
    expect(charged).toBe(2 * HISTOGRAM_BLOCK_BYTES);
  });

  it('addAll gives the percentiles of every value of both, dense and sparse', () => {
    const a = new Histogram();
    const b = new Histogram();
    const all = new Histogram();
    const values = [3, 70_000, 2_000, 5, -4, 1.5, 1_024, 9, 65_535, 900];
    values.forEach((v, i) => {
      (i % 2 === 0 ? a : b).add(v);
      all.add(v);
    });
    const blocks: number[] = [];
    const merged = new Histogram((bytes) => blocks.push(bytes));
    merged.addAll(a);
    merged.addAll(b);
    merged.addAll(new Histogram());
    expect(merged.count).toBe(values.length);
    expect(merged.percentiles()).toEqual(all.percentiles());
    expect(blocks.length).toBeGreaterThan(0);
  });
});
