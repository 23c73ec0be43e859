/**
 * Exact nearest-rank percentiles over integer milliseconds without keeping every
 * value: a count per distinct value (a flat array for 0..65535 ms, a map beyond).
 * Memory grows with the number of distinct latencies, not the number of records.
 */
export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

const DENSE_LIMIT = 1 << 16;

export class Histogram {
  private dense: Uint32Array | null = null;
  private readonly sparse = new Map<number, number>();
  private n = 0;
  /** One past the largest value stored in `dense`: where its scan can stop. */
  private denseEnd = 0;

  get count(): number {
    return this.n;
  }

  add(value: number): void {
    this.n += 1;
    if (value >= 0 && value < DENSE_LIMIT && Number.isInteger(value)) {
      (this.dense ??= new Uint32Array(DENSE_LIMIT))[value]! += 1;
      if (value >= this.denseEnd) this.denseEnd = value + 1;
    } else {
      this.sparse.set(value, (this.sparse.get(value) ?? 0) + 1);
    }
  }

  /** The ⌈p/100·n⌉-th smallest value for p = 50 and 99, and the largest; null when empty. */
  percentiles(): Percentiles | null {
    if (this.n === 0) return null;
    const ranks = [Math.ceil((50 * this.n) / 100), Math.ceil((99 * this.n) / 100), this.n];
    const found: number[] = [];
    let seen = 0;
    const visit = (value: number, count: number): boolean => {
      seen += count;
      while (found.length < ranks.length && seen >= ranks[found.length]!) found.push(value);
      return found.length === ranks.length;
    };
    const sparseKeys = [...this.sparse.keys()].sort((a, b) => a - b);
    let k = 0;
    // Values below the dense range first, then the dense range, then above it.
    for (; k < sparseKeys.length && sparseKeys[k]! < 0; k++) {
      if (visit(sparseKeys[k]!, this.sparse.get(sparseKeys[k]!)!)) break;
    }
    if (found.length < ranks.length && this.dense !== null) {
      const dense = this.dense;
      for (let v = 0; v < this.denseEnd; v++) {
        const c = dense[v]!;
        if (c === 0) continue;
        // Non-integer values between dense slots are impossible: times are integers.
        if (visit(v, c)) break;
      }
    }
    for (; found.length < ranks.length && k < sparseKeys.length; k++) {
      if (visit(sparseKeys[k]!, this.sparse.get(sparseKeys[k]!)!)) break;
    }
    return { p50: found[0]!, p99: found[1]!, max: found[2]! };
  }
}
