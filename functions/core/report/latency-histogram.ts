/**
 * A small fixed-size latency histogram for one time bucket of the report's
 * timeline: exact below 16 ms, then 8 bins per power of two (each bin within
 * 6.25 % of its values). Two histograms of the same shape merge by adding their
 * counts, which is what lets the timeline widen its buckets while it streams.
 * The analyzer's exact percentiles (functions/core/history/histogram.ts) keep a
 * count per distinct value: right for one figure per partition, too big for
 * hundreds of buckets.
 */

const EXACT = 16;
const SUB_BINS = 8;
/** 2^34 ms is about 200 days: no send takes longer. */
const MAX_EXPONENT = 34;
export const LATENCY_BINS = EXACT + (MAX_EXPONENT - 4 + 1) * SUB_BINS;

/** The bin of a latency in ms (negative, from clock skew, counts as 0). */
export function latencyBin(ms: number): number {
  if (!(ms >= EXACT)) return ms > 0 ? Math.floor(ms) : 0;
  const v = Math.floor(ms);
  const exponent = Math.min(Math.floor(Math.log2(v)), MAX_EXPONENT);
  const sub = Math.min(Math.floor(v / 2 ** (exponent - 3)) - SUB_BINS, SUB_BINS - 1);
  return EXACT + (exponent - 4) * SUB_BINS + sub;
}

/** The value shown for a bin: itself when exact, else the middle of its range, rounded. */
export function binValue(bin: number): number {
  if (bin < EXACT) return bin;
  const exponent = Math.floor((bin - EXACT) / SUB_BINS) + 4;
  const sub = (bin - EXACT) % SUB_BINS;
  const width = 2 ** (exponent - 3);
  const low = (SUB_BINS + sub) * width;
  return Math.round(low + (width - 1) / 2);
}

/** Nearest-rank p50 and p99 of the counts in `bins`, as bin values; null when empty. */
export function binPercentiles(
  bins: Uint32Array,
  count: number,
): { p50: number; p99: number } | null {
  if (count === 0) return null;
  const r50 = Math.ceil(count * 0.5);
  const r99 = Math.ceil(count * 0.99);
  let seen = 0;
  let p50 = -1;
  for (let b = 0; b < bins.length; b++) {
    seen += bins[b]!;
    if (p50 < 0 && seen >= r50) p50 = binValue(b);
    if (seen >= r99) return { p50, p99: binValue(b) };
  }
  return { p50, p99: binValue(bins.length - 1) };
}
