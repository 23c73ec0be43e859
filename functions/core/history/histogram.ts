/**
 * Exact nearest-rank percentiles over integer milliseconds without keeping every
 * value: a count per distinct value (an array for 0..65535 ms, a map beyond).
 * The array is kept in blocks of 1,024 ms, each made when a value first falls in
 * it: sub-second latencies cost 4 KiB, not the 256 KiB of the whole range, which
 * matters once per partition. Memory grows with the spread of the latencies, not
 * the number of records.
 */
export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

const DENSE_LIMIT = 1 << 16;
const BLOCK_BITS = 10;
const BLOCK = 1 << BLOCK_BITS;
/** What one block of the array takes. */
export const HISTOGRAM_BLOCK_BYTES = BLOCK * Uint32Array.BYTES_PER_ELEMENT;

export class Histogram {
  private readonly blocks: (Uint32Array | undefined)[] = [];
  private readonly sparse = new Map<number, number>();
  private n = 0;
  /** One past the largest value stored in `dense`: where its scan can stop. */
  private denseEnd = 0;

  /** @param onBlock told the bytes of each block as it is made (an analysis' budget). */
  constructor(private readonly onBlock?: (bytes: number) => void) {}

  get count(): number {
    return this.n;
  }

  add(value: number): void {
    this.n += 1;
    if (value >= 0 && value < DENSE_LIMIT && Number.isInteger(value)) {
      const b = value >> BLOCK_BITS;
      let block = this.blocks[b];
      if (block === undefined) {
        this.onBlock?.(HISTOGRAM_BLOCK_BYTES);
        block = this.blocks[b] = new Uint32Array(BLOCK);
      }
      block[value & (BLOCK - 1)]! += 1;
      if (value >= this.denseEnd) this.denseEnd = value + 1;
    } else {
      this.sparse.set(value, (this.sparse.get(value) ?? 0) + 1);
    }
  }

  /** Adds every value `other` holds (its counts), as if each had been added here. */
  addAll(other: Histogram): void {
    if (other.n === 0) return;
    this.n += other.n;
    for (let b = 0; b < other.blocks.length; b++) {
      const from = other.blocks[b];
      if (from === undefined) continue;
      let block = this.blocks[b];
      if (block === undefined) {
        this.onBlock?.(HISTOGRAM_BLOCK_BYTES);
        block = this.blocks[b] = new Uint32Array(BLOCK);
      }
      for (let i = 0; i < BLOCK; i++) block[i]! += from[i]!;
    }
    if (other.denseEnd > this.denseEnd) this.denseEnd = other.denseEnd;
    for (const [value, count] of other.sparse) {
      this.sparse.set(value, (this.sparse.get(value) ?? 0) + count);
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
    scan: for (let b = 0; found.length < ranks.length && b * BLOCK < this.denseEnd; b++) {
      const block = this.blocks[b];
      if (block === undefined) continue;
      const end = Math.min(BLOCK, this.denseEnd - b * BLOCK);
      for (let i = 0; i < end; i++) {
        const c = block[i]!;
        if (c === 0) continue;
        // Non-integer values between dense slots are impossible: times are integers.
        if (visit(b * BLOCK + i, c)) break scan;
      }
    }
    for (; found.length < ranks.length && k < sparseKeys.length; k++) {
      if (visit(sparseKeys[k]!, this.sparse.get(sparseKeys[k]!)!)) break;
    }
    return { p50: found[0]!, p99: found[1]!, max: found[2]! };
  }
}
