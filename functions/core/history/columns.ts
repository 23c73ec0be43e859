/**
 * Column stores for the analyzer. Sequence numbers are dense integers per
 * producer and partition, and offsets are dense per partition, so state lives in
 * typed arrays in fixed-size chunks keyed by `floor(n / CHUNK)`: memory grows
 * with the span of sequence numbers and offsets seen, a few bytes each, and
 * records may arrive in any order.
 */

export const CHUNK = 4096;

export function chunkKey(n: number): number {
  return Math.floor(n / CHUNK);
}

/**
 * The bytes all chunks of one analysis may take. Dense histories need a few
 * bytes per record; sparse sequence numbers or offsets (which the format rules
 * out) would allocate a whole chunk per record, so past the limit the analysis
 * stops with a message instead of exhausting the machine's memory.
 */
export class ChunkBudget {
  used = 0;
  /** Partitions charged so far (each has columns and histograms of its own). */
  partitions = 0;
  /** Column chunks charged so far. */
  chunks = 0;

  constructor(
    readonly limitBytes: number,
    private readonly exceeded: (budget: ChunkBudget) => never,
  ) {}

  charge(bytes: number): void {
    this.used += bytes;
    if (this.used > this.limitBytes) this.exceeded(this);
  }

  chargeChunk(bytes: number): void {
    this.chunks += 1;
    this.charge(bytes);
  }

  chargePartition(bytes: number): void {
    this.partitions += 1;
    this.charge(bytes);
  }
}

/**
 * A map that creates each value on first use and remembers the last two it
 * returned (two consumer groups, or two chunks, taking turns hit without a
 * hash lookup).
 */
export class LastHitMap<K, V> {
  private readonly map = new Map<K, V>();
  private lastKey: K | undefined;
  private last: V | undefined;
  private previousKey: K | undefined;
  private previous: V | undefined;

  constructor(private readonly create: (key: K) => V) {}

  get(key: K): V {
    if (this.last !== undefined && key === this.lastKey) return this.last;
    let value: V | undefined;
    if (this.previous !== undefined && key === this.previousKey) {
      value = this.previous;
    } else {
      value = this.map.get(key);
      if (value === undefined) {
        value = this.create(key);
        this.map.set(key, value);
      }
    }
    this.previousKey = this.lastKey;
    this.previous = this.last;
    this.lastKey = key;
    this.last = value;
    return value;
  }

  /** The value for `key`, or undefined, without creating it. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }
}

/** Chunks by chunk key, created on first use and charged to the analysis' budget. */
export class ChunkMap<C> extends LastHitMap<number, C> {
  constructor(create: () => C, bytesPerChunk: number, budget: ChunkBudget) {
    super(() => {
      budget.chargeChunk(bytesPerChunk);
      return create();
    });
  }

  /** Chunk keys in ascending order. */
  sortedKeys(): number[] {
    return [...this.keys()].sort((a, b) => a - b);
  }
}

/** Per identity (one producer, one partition, indexed by seq). */
export class SeqChunk {
  static readonly PRODUCED = 1;
  /** Some send of the identity was acked. */
  static readonly ACKED = 2;
  static readonly IN_LOG = 4;
  /** The send kept here (the first one seen) was acked. */
  static readonly SEND_OK = 8;
  /** The identity has more sends, kept in its partition's extra sends. */
  static readonly MORE_SENDS = 16;
  static readonly BYTES = CHUNK * (1 + 8 + 8 + 8);
  readonly flags = new Uint8Array(CHUNK);
  /** sentAt of the first send seen. */
  readonly sentAt = new Float64Array(CHUNK);
  /** ackedAt or failedAt of that send. */
  readonly endAt = new Float64Array(CHUNK);
  /** Earliest receivedAt over every group; NaN until received. */
  readonly firstReceivedAt = new Float64Array(CHUNK).fill(Number.NaN);
}

/** Per logged offset of one partition. */
export class OffsetChunk {
  static readonly BYTES = CHUNK * (1 + 4 + 8 + 8);
  /** 0: nothing logged here; 1: one identity; 2: several (see the partition's overflow). */
  readonly kind = new Uint8Array(CHUNK);
  readonly stream = new Int32Array(CHUNK);
  readonly seq = new Float64Array(CHUNK);
  readonly timestamp = new Float64Array(CHUNK);
}

/** Offsets one consumer group received from one partition: a byte per offset. */
export class ReceivedChunk {
  static readonly BYTES = CHUNK;
  readonly received = new Uint8Array(CHUNK);
}

/** An append-only column of numbers that grows by doubling. */
export class GrowableFloat64 {
  private data = new Float64Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
