/**
 * The analyzer's state for one partition, folded from its records: per
 * producer a stream of identities (by seq), per consumer group the offsets it
 * received, the log by offset, and the rare cases kept apart (an offset logged
 * with several identities, an identity sent more than once).
 */
import { Histogram } from './histogram.js';
import {
  ChunkBudget,
  ChunkMap,
  LastHitMap,
  OffsetChunk,
  ReceivedChunk,
  SeqChunk,
} from './columns.js';

const { ACKED, MORE_SENDS } = SeqChunk;

/** One producer's messages to one partition, indexed by seq. */
export class Stream {
  readonly seqs: ChunkMap<SeqChunk>;
  /** Highest seq seen so far in the offset-ordered walk of the log (out-of-order check). */
  highestLogged = Number.NEGATIVE_INFINITY;
  /** This producer's counts in this partition (producers.ts sums them per producer). */
  produced = 0;
  acked = 0;
  failed = 0;
  logged = 0;
  lost = 0;
  duplicates = 0;
  outOfOrder = 0;
  unackedWritten = 0;
  /** ackedAt − sentAt and ackedAt − scheduledAt of this producer's acked sends here. */
  readonly produceLatency: Histogram;
  readonly scheduledLatency: Histogram;

  constructor(
    readonly producer: string,
    readonly index: number,
    budget: ChunkBudget,
  ) {
    this.seqs = new ChunkMap(() => new SeqChunk(), SeqChunk.BYTES, budget);
    const charge = (bytes: number) => budget.charge(bytes);
    this.produceLatency = new Histogram(charge);
    this.scheduledLatency = new Histogram(charge);
  }
}

/** One consumer group's view of one partition. */
export class GroupPartition {
  readonly offsets: ChunkMap<ReceivedChunk>;
  lowest = Number.POSITIVE_INFINITY;
  highest = Number.NEGATIVE_INFINITY;

  constructor(
    readonly group: string,
    budget: ChunkBudget,
  ) {
    this.offsets = new ChunkMap(() => new ReceivedChunk(), ReceivedChunk.BYTES, budget);
  }
}

export interface LogEntry {
  stream: number;
  seq: number;
  timestamp: number;
}

/** A second or later send of one identity (rare: the first lives in the identity's chunk). */
export interface ExtraSend {
  stream: number;
  seq: number;
  sentAt: number;
  endAt: number;
  ok: boolean;
}

/** A partition's own objects (maps, lists, counters), before any column or histogram block. */
export const PARTITION_BYTES = 2048;

export class PartitionState {
  readonly streams: Stream[] = [];
  readonly stream: LastHitMap<string, Stream>;
  readonly group: LastHitMap<string, GroupPartition>;
  readonly log: ChunkMap<OffsetChunk>;
  /** Offsets that the log gives several identities: every entry at that offset. */
  readonly logOverflow = new Map<number, LogEntry[]>();
  readonly extraSends: ExtraSend[] = [];
  produced = 0;
  acked = 0;
  failed = 0;
  redelivered = 0;

  constructor(
    readonly partition: number,
    budget: ChunkBudget,
  ) {
    budget.chargePartition(PARTITION_BYTES);
    this.log = new ChunkMap(() => new OffsetChunk(), OffsetChunk.BYTES, budget);
    this.stream = new LastHitMap((producer) => {
      const s = new Stream(producer, this.streams.length, budget);
      this.streams.push(s);
      return s;
    });
    this.group = new LastHitMap((name) => new GroupPartition(name, budget));
  }

  /** The latest log timestamp at an offset (one identity, or several at an inconsistent offset). */
  latestTimestampAt(chunk: OffsetChunk, i: number, offset: number): number {
    if (chunk.kind[i] !== 2) return chunk.timestamp[i]!;
    return Math.max(...this.logOverflow.get(offset)!.map((e) => e.timestamp));
  }

  /** The partition's latency histogram of one kind: its streams' together. */
  latency(kind: 'produceLatency' | 'scheduledLatency'): Histogram {
    return mergedLatency(this.streams, kind);
  }

  /** Streams by producer name: the tie-break order, independent of the file's. */
  streamsByProducer(): Stream[] {
    return [...this.streams].sort((a, b) => compareText(a.producer, b.producer));
  }
}

/** One latency histogram of several streams (a partition's, or a producer's over partitions). */
export function mergedLatency(
  streams: readonly Stream[],
  kind: 'produceLatency' | 'scheduledLatency',
): Histogram {
  if (streams.length === 1) return streams[0]![kind];
  const merged = new Histogram();
  for (const s of streams) merged.addAll(s[kind]);
  return merged;
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A log record at an offset already logged: the same identity again counts once
 * (at its latest timestamp, whatever the order); another identity makes the
 * offset inconsistent, with every entry kept in the partition's overflow.
 */
export function logAgain(
  p: PartitionState,
  chunk: OffsetChunk,
  i: number,
  offset: number,
  stream: number,
  seq: number,
  timestamp: number,
): void {
  if (chunk.kind[i] === 1) {
    if (chunk.stream[i] === stream && chunk.seq[i] === seq) {
      if (timestamp > chunk.timestamp[i]!) chunk.timestamp[i] = timestamp;
      return;
    }
    chunk.kind[i] = 2;
    p.logOverflow.set(offset, [
      { stream: chunk.stream[i]!, seq: chunk.seq[i]!, timestamp: chunk.timestamp[i]! },
      { stream, seq, timestamp },
    ]);
    return;
  }
  const entries = p.logOverflow.get(offset)!;
  const same = entries.find((e) => e.stream === stream && e.seq === seq);
  if (same === undefined) entries.push({ stream, seq, timestamp });
  else if (timestamp > same.timestamp) same.timestamp = timestamp;
}

/** A second or later send of one identity: kept apart, flagged on the identity. */
export function addExtraSend(p: PartitionState, chunk: SeqChunk, i: number, send: ExtraSend): void {
  p.extraSends.push(send);
  chunk.flags[i] = chunk.flags[i]! | MORE_SENDS | (send.ok ? ACKED : 0);
}
